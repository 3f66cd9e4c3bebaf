"""What the database itself guarantees, on SQLite and on PostgreSQL: the schema, one active
assignment per compartment, the append-only audit chain, accounts and tokens."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from locker import accounts, audit
from locker.db import Database
from locker.errors import Conflict, InvalidInput
from locker.models import Assignment, Compartment
from tests.domain_support import FakeClock, drop_audit_triggers


@pytest.fixture
def db(migrated_db_url):
    database = Database(migrated_db_url)
    yield database
    database.dispose()


def _compartment(s, label, lock):
    c = Compartment(label=label, size="S", board=0, lock=lock, state="free", door="closed", service_note="",
                    updated_at=datetime.now(timezone.utc))
    s.add(c)
    s.flush()
    return c


def test_second_active_assignment_of_a_compartment_is_rejected(db):
    now = datetime.now(timezone.utc)
    with db.session() as s:
        c = _compartment(s, "A01", 1)
        s.add(Assignment(compartment_id=c.id, active=True, created_at=now))
        s.add(Assignment(compartment_id=c.id, active=False, created_at=now))
        s.add(Assignment(compartment_id=c.id, active=False, created_at=now))
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.add(Assignment(compartment_id=c.id, active=True, created_at=now))
    with db.session() as s:
        assert s.execute(text("select count(*) from assignments")).scalar() == 3


def test_schema_is_current_after_upgrade(db_url):
    fresh = Database(db_url)
    try:
        assert not fresh.is_current()
        fresh.upgrade()
        assert fresh.is_current() and fresh.ping()
        fresh.upgrade()  # a second run changes nothing
        assert fresh.is_current()
        with fresh.session() as s:
            assert s.execute(text("select count(*) from compartments")).scalar() == 0
    finally:
        fresh.dispose()


def _fill(db, n=5):
    clock = FakeClock()
    with db.session() as s:
        for i in range(n):
            audit.record(s, "door_opened", actor="system", compartment=f"A0{i}", dossier_code="HS-1",
                         data={"n": i, "text": "Hồ sơ"}, clock=clock)
            clock.advance(1.5)


def test_audit_chain_verifies(db):
    _fill(db)
    with db.session() as s:
        report = audit.verify_chain(s)
    assert (report.ok, report.checked, report.first_broken_seq) == (True, 5, None)
    with db.session() as s:
        first = s.execute(text("select prev_hash from audit_events where seq = 1")).scalar()
    assert first == "0" * 64


@pytest.mark.parametrize("statement", ["update audit_events set actor = 'mallory' where seq = 2",
                                       "delete from audit_events where seq = 2"])
def test_audit_triggers_refuse_update_and_delete(db, statement):
    _fill(db, 3)
    with pytest.raises(SQLAlchemyError, match="append-only"):
        with db.session() as s:
            s.execute(text(statement))
    with db.session() as s:
        assert audit.verify_chain(s).ok


@pytest.mark.parametrize("statement,seq,reason", [
    ("update audit_events set data = '{\"n\":9}' where seq = 3", 3, "hash mismatch"),
    ("update audit_events set prev_hash = hash where seq = 4", 4, "prev_hash"),
    ("delete from audit_events where seq = 2", 2, "missing"),
])
def test_audit_chain_names_the_first_broken_link(db, statement, seq, reason):
    _fill(db)
    drop_audit_triggers(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    with db.session() as s:
        report = audit.verify_chain(s)
    assert not report.ok
    assert report.first_broken_seq == seq
    assert reason in report.reason


def test_audit_chain_detects_a_truncated_tail(db):
    _fill(db)
    drop_audit_triggers(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("delete from audit_events where seq = 5")
    with db.session() as s:
        report = audit.verify_chain(s)
    assert (report.ok, report.first_broken_seq) == (False, 5)


def test_accounts_and_tokens(db):
    with db.session() as s:
        accounts.create_account(s, "lan", "technician", "correct horse")
        token = accounts.create_token(s, "lan")
    with db.session() as s:
        assert accounts.verify_password(s, "lan", "correct horse").role == "technician"
        assert accounts.verify_password(s, "lan", "wrong horse!") is None
        assert accounts.verify_password(s, "nobody", "correct horse") is None
        account = accounts.account_for_token(s, token)
        assert account.name == "lan"
        assert accounts.has_role(account, "clerk") and not accounts.has_role(account, "admin")
        assert accounts.account_for_token(s, token + "x") is None
        assert accounts.account_for_token(s, None) is None
        stored = s.execute(text("select token_hash, prefix from api_tokens")).one()
        assert token not in stored and len(stored.token_hash) == 64
        assert "correct horse" not in s.execute(text("select password_hash from accounts")).scalar()


@pytest.mark.parametrize("name,role,password,error", [
    ("Lan", "clerk", "password1", InvalidInput), ("", "clerk", "password1", InvalidInput),
    ("a" * 33, "clerk", "password1", InvalidInput), ("lan", "boss", "password1", InvalidInput),
    ("lan", "clerk", "short", InvalidInput), ("lan", "clerk", None, InvalidInput),
])
def test_bad_accounts_are_refused(db, name, role, password, error):
    with pytest.raises(error):
        with db.session() as s:
            accounts.create_account(s, name, role, password)


def test_duplicate_account_is_a_conflict(db):
    with db.session() as s:
        accounts.create_account(s, "lan", "clerk", "password1")
    with pytest.raises(Conflict):
        with db.session() as s:
            accounts.create_account(s, "lan", "admin", "password2")

"""The domain's building blocks: state machine, validation, schema guarantees,
audit chain, accounts, key file."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from locker import accounts, audit, states, validation
from locker.db import Database
from locker.errors import ConfigError, Conflict, InvalidInput
from locker.keyfile import load_or_create_secret
from locker.models import Assignment, Compartment
from tests.domain_support import migrated_db_url  # noqa: F401  (a fixture)
from tests.domain_support import FakeClock, drop_audit_triggers


@pytest.fixture
def db(migrated_db_url):
    database = Database(migrated_db_url)
    yield database
    database.dispose()


# ---- state machine -------------------------------------------------------------------

LEGAL = [("free", "reserved"), ("free", "out_of_service"), ("reserved", "holding_dropoff"),
         ("reserved", "holding_result"), ("reserved", "free"), ("reserved", "out_of_service"),
         ("holding_dropoff", "free"), ("holding_dropoff", "out_of_service"), ("holding_result", "free"),
         ("holding_result", "out_of_service"), ("out_of_service", "free")]


@pytest.mark.parametrize("old,new", LEGAL)
def test_legal_transitions(old, new):
    c = Compartment(label="A01", state=old)
    states.transition(c, new)
    assert c.state == new


@pytest.mark.parametrize("old,new", [(a, b) for a in states.STATES for b in states.STATES if (a, b) not in LEGAL])
def test_illegal_transitions_raise_and_keep_state(old, new):
    c = Compartment(label="A01", state=old)
    with pytest.raises(states.IllegalTransition):
        states.transition(c, new)
    assert c.state == old


# ---- validation ----------------------------------------------------------------------

@pytest.mark.parametrize("raw,clean", [("  H01.2025/000123 ", "H01.2025/000123"), ("a-b_c:d", "A-B_C:D"),
                                       ("X" * 64, "X" * 64)])
def test_dossier_code_accepts(raw, clean):
    assert validation.dossier_code(raw) == clean


@pytest.mark.parametrize("bad", ["", "   ", "X" * 65, "a b", "a\tb", "a\x00b", "mã", "a;b", None, 12, ["a"], b"ab"])
def test_dossier_code_rejects(bad):
    with pytest.raises(InvalidInput) as err:
        validation.dossier_code(bad)
    assert err.value.field == "dossier_code"


@pytest.mark.parametrize("raw,clean", [("0912 345 678", "0912345678"), ("+84912345678", "+84912345678"),
                                       ("84-912-345-678", "84912345678"), ("0389.123.456", "0389123456")])
def test_phone_accepts(raw, clean):
    assert validation.phone(raw) == clean


@pytest.mark.parametrize("bad", ["0212345678", "091234567", "09123456789", "+1 202 555 0143", "+84212345678",
                                 "0912\n345678", "abc", "", None, 912345678, "0912345678" * 30])
def test_phone_rejects(bad):
    with pytest.raises(InvalidInput):
        validation.phone(bad)


def test_size_and_pickup_code():
    assert validation.size(" l ") == "L"
    assert validation.pickup_code("00012345") == "00012345"
    for bad in ("XL", "", None, 1):
        with pytest.raises(InvalidInput):
            validation.size(bad)
    for bad in ("1234567", "123456789", "1234567a", "１２３４５６７８", None, 12345678):
        with pytest.raises(InvalidInput):
            validation.pickup_code(bad)


# ---- schema guarantees ---------------------------------------------------------------

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


def test_sqlite_file_gets_its_parent_directories(tmp_path):
    fresh = Database(f"sqlite:///{tmp_path / 'sub' / 'dir' / 'other.db'}")
    fresh.upgrade()
    assert fresh.is_current() and (tmp_path / "sub" / "dir" / "other.db").exists()
    fresh.dispose()


# ---- audit log -----------------------------------------------------------------------

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


# ---- accounts ------------------------------------------------------------------------

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


# ---- key file ------------------------------------------------------------------------

def test_secret_file_created_once_with_private_mode(tmp_path):
    path = tmp_path / "keys" / "locker.secret"
    key = load_or_create_secret(path)
    assert len(key) == 32 and load_or_create_secret(path) == key
    assert os.stat(path).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("content", ["not hex", "abcd", ""])
def test_malformed_secret_file_names_the_key(tmp_path, content):
    path = tmp_path / "locker.secret"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_or_create_secret(path)
    assert err.value.key == "security.secret_file"

"""Incremental audit verification (``locker audit verify --from-last``), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from locker import audit
from locker.db import Database
from tests.domain_support import FakeClock, drop_audit_triggers


@pytest.fixture
def db(migrated_db_url):
    database = Database(migrated_db_url)
    yield database
    database.dispose()


def _append(db, first: int, last: int) -> None:
    clock = FakeClock()
    with db.session() as s:
        for n in range(first, last + 1):
            audit.record(s, "door_opened", actor="system", compartment="A01", data={"n": n}, clock=clock)
            clock.advance(1)


def _verify(db, *, from_last: bool) -> audit.VerifyReport:
    with db.read_session() as s:
        report = audit.verify_chain(s, batch=2, after=audit.last_verified(s) if from_last else None)
    if report.ok:
        with db.session() as s:
            audit.remember_verified(s, report, at=datetime.now(timezone.utc))
    return report


def _tamper(db, seq: int) -> None:
    drop_audit_triggers(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"update audit_events set actor = 'mallory' where seq = {seq}")


def test_from_last_checks_only_what_came_after_the_last_verify(db):
    _append(db, 1, 5)
    assert _verify(db, from_last=True).checked == 5  # nothing remembered yet: the whole chain
    _append(db, 6, 8)
    report = _verify(db, from_last=True)
    assert (report.ok, report.checked, report.last_seq) == (True, 3, 8)
    with db.read_session() as s:
        assert audit.last_verified(s) == (8, report.last_hash)
    assert _verify(db, from_last=True).checked == 0


def test_a_row_tampered_after_the_remembered_point_is_caught_incrementally(db):
    _append(db, 1, 5)
    assert _verify(db, from_last=False).ok
    _append(db, 6, 9)
    _tamper(db, 7)
    report = _verify(db, from_last=True)
    assert (report.ok, report.first_broken_seq) == (False, 7)
    assert "hash mismatch" in report.reason


def test_a_row_tampered_before_the_remembered_point_is_caught_by_a_full_verify(db):
    _append(db, 1, 6)
    assert _verify(db, from_last=False).ok
    _tamper(db, 2)
    assert _verify(db, from_last=True).ok  # incremental trusts what it already checked
    report = _verify(db, from_last=False)
    assert (report.ok, report.first_broken_seq) == (False, 2)


def test_the_remembered_event_itself_changed_is_caught_incrementally(db):
    _append(db, 1, 4)
    assert _verify(db, from_last=False).ok
    _tamper(db, 4)
    report = _verify(db, from_last=True)
    assert (report.ok, report.first_broken_seq) == (False, 4)


def _rewrite_data(db, seq: int, data: str) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"update audit_events set data = '{data}' where seq = {seq}")


def test_stored_data_that_is_not_canonical_is_still_checked_by_its_meaning(db):
    """The quick hash reads ``data`` as stored; a row written in another JSON form (spaces) is
    rechecked field by field and still verifies, while a changed value is still caught."""
    _append(db, 1, 4)
    drop_audit_triggers(db)
    _rewrite_data(db, 2, '{ "n" : 2 }')
    report = _verify(db, from_last=False)
    assert (report.ok, report.checked) == (True, 4)
    _rewrite_data(db, 3, '{"n": 30}')
    report = _verify(db, from_last=False)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert "hash mismatch" in report.reason

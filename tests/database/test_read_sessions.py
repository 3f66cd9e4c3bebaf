"""Reads do not take SQLite's write lock; writes still begin IMMEDIATE."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError

from locker.db import Database
from locker.models import Compartment
from tests.support.database import sqlite_url


@pytest.fixture
def db(tmp_path):
    database = Database(sqlite_url(tmp_path, migrated=True))
    database.engine.dispose()
    yield database
    database.dispose()


def _compartment(label: str) -> Compartment:
    return Compartment(label=label, board=0, lock=9, size="S", state="free", door="closed",
                       updated_at=datetime.now(timezone.utc))


def _begins(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement) if statement.startswith("BEGIN") else None)
    return seen


def test_a_long_read_transaction_does_not_block_a_writer(db):
    with db.read_session() as reader:
        before = reader.execute(select(func.count()).select_from(Compartment)).scalar_one()
        started = time.monotonic()
        with db.session() as writer:  # a second connection; with BEGIN IMMEDIATE reads it waited 5 s, then failed
            writer.add(_compartment("Z99"))
        assert time.monotonic() - started < 2.0
        assert reader.execute(select(func.count()).select_from(Compartment)).scalar_one() == before
    with db.read_session() as later:
        assert later.execute(select(func.count()).select_from(Compartment)).scalar_one() == before + 1


def test_reads_begin_deferred_and_writes_begin_immediate(db):
    begins = _begins(db)
    with db.read_session() as s:
        s.execute(select(Compartment.id)).all()
    with db.session() as s:
        s.execute(select(Compartment.id)).all()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_a_read_session_refuses_to_write_and_leaves_nothing(db):
    with db.session() as s:
        s.add(_compartment("A01"))
    with pytest.raises(SQLAlchemyError, match="read session"):
        with db.read_session() as s:
            s.execute(select(Compartment)).scalar_one().service_note = "changed"
    with db.read_session() as s:
        assert s.execute(select(Compartment.service_note)).scalar_one() == ""


def test_bearer_requests_write_the_token_s_use_at_most_once_a_minute(db):
    from datetime import timedelta

    from locker.accounts import account_for_token_in, create_account, create_token
    from locker.models import ApiToken

    now = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    with db.session() as s:
        create_account(s, "lan", "technician", "correct horse")
        token = create_token(s, "lan", now=now)
    begins = _begins(db)
    for seconds in (0, 10, 59, 60, 61):
        assert account_for_token_in(db, token, now=now + timedelta(seconds=seconds)).name == "lan"
    assert begins.count("BEGIN IMMEDIATE") == 2  # at 0 s and at 60 s
    with db.read_session() as s:
        assert s.execute(select(ApiToken.last_used_at)).scalar_one() == now + timedelta(seconds=60)
    assert account_for_token_in(db, "lk_unknown", now=now) is None

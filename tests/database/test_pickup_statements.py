"""What a pickup costs the database before its unlock request, counted (SQLite).

Figures in docs/PERFORMANCE.md come from these counts. The scan path (a QR read at the
scanner) and the kiosk's ``start_pickup`` both commit the intent once, read back nothing
they have just written, and record the pulse in one more short transaction afterwards.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from locker.ports import ScanRead
from tests.domain_support import Harness
from tests.support.database import sqlite_url

#: Statements before the unlock request on the scan path, transaction
#: control not counted (docs/PERFORMANCE.md: 18 before the audit head was read once, 14 after;
#: whether a clerk's run holds the scanner is kept in memory, not read per scan).
STATEMENTS_BEFORE_UNLOCK = 14
WRITE = re.compile(r"^(?:INSERT INTO|UPDATE) (\w+)")
READ = re.compile(r"\bFROM (\w+)")


@pytest.fixture
def h(tmp_path):
    harness = Harness(sqlite_url(tmp_path))
    harness.svc.start_pickup(qr=harness.result("HS-0")[2], kiosk="k1")  # the kiosk's throttle row exists
    harness.svc.handle_event(ScanRead(harness.result("HS-1")[2]))  # who holds the scanner is known from now on
    yield harness
    harness.db.dispose()


class Tally:
    """Transactions and statements, split at the moment the bus is asked to unlock."""

    def __init__(self, h: Harness) -> None:
        self.statements: list[str] = []
        self.commits = 0
        self._wrote = False
        self.at_unlock: tuple[int, int] | None = None
        event.listen(h.db.engine, "before_cursor_execute", self._statement)
        event.listen(h.db.engine, "commit", self._commit)
        request = h.bus.request_unlock

        def request_unlock(*args, **kwargs):
            self.at_unlock = self.at_unlock or (len(self.statements), self.commits)
            return request(*args, **kwargs)

        h.bus.request_unlock = request_unlock

    def _statement(self, _conn, _cursor, statement, *_):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)
            self._wrote = self._wrote or statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))

    def _commit(self, _conn):
        """Only a transaction that wrote commits anything; a read-only one is not counted."""
        self.commits += self._wrote
        self._wrote = False

    def before_unlock(self) -> list[str]:
        return self.statements[:self.at_unlock[0]]


def _read_back(statements: list[str]) -> list[str]:
    written: set[str] = set()
    found = []
    for statement in statements:
        if (m := WRITE.match(statement)) is not None:
            written.add(m.group(1))
        elif statement.startswith("SELECT") and set(READ.findall(statement)) & written:
            found.append(statement)
    return found


@pytest.mark.parametrize("path", ["scan", "kiosk"])
def test_a_pickup_commits_its_intent_once_and_reads_back_nothing(h, path):
    _, _, qr = h.result("HS-7")
    tally = Tally(h)
    if path == "scan":
        h.svc.handle_event(ScanRead(qr))
    else:
        h.svc.start_pickup(qr=qr, kiosk="k1")
    assert tally.at_unlock is not None, "no unlock was requested"
    assert tally.at_unlock[1] == 1, "the intent must be committed once before the pulse"
    assert tally.commits == 2, "one more transaction records the pulse"
    assert _read_back(tally.before_unlock()) == []
    assert len(tally.before_unlock()) <= STATEMENTS_BEFORE_UNLOCK, tally.before_unlock()

"""The queries that filter active assignments use the partial index ``WHERE active``.

The statements are captured while the service runs (the compartment listing and a whole
pickup up to its completion) and explained with the same parameters, so the test checks
the SQL the service really sends, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from locker.errors import InvalidCredentials
from tests.domain_support import Harness

INDEX = "uq_assignments_active_compartment"


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def _reads_active_assignments(statement: str) -> bool:
    return "FROM assignments" in statement and ("assignments.active =" in statement
                                                 or "assignments.active IS" in statement)


def _capture(h, action, wanted=_reads_active_assignments) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        if wanted(statement):
            seen.append((statement, parameters))

    event.listen(h.db.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(h.db.engine, "before_cursor_execute", listener)
    return seen


def _plan(h, statement: str, parameters) -> str:
    with h.db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cur = raw.cursor()
        if h.db.is_sqlite:
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in cur.fetchall())
        cur.execute("SET enable_seqscan = off")
        cur.execute("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in cur.fetchall())


def test_compartment_listing_uses_the_partial_index(h):
    h.dropoff("HS-1")
    statements = _capture(h, h.svc.list_compartments)
    assert statements, "the listing no longer reads active assignments"
    for statement, parameters in statements:
        assert INDEX in _plan(h, statement, parameters), statement


def test_pickup_completion_looks_up_the_assignment_through_the_partial_index(h):
    r, code, _ = h.result("HS-7")

    def pickup():
        p = h.svc.start_pickup(dossier_code="HS-7", code=code, kiosk="k1")
        h.cycle(p["compartment"])

    statements = _capture(h, pickup)
    assert statements, "the pickup no longer reads the active assignment"
    for statement, parameters in statements:
        assert INDEX in _plan(h, statement, parameters), statement


def test_wrong_codes_for_an_unknown_dossier_are_counted_by_a_bounded_indexed_query(h):
    def wrong_codes():
        for _ in range(3):
            with pytest.raises(InvalidCredentials):
                h.svc.start_pickup(dossier_code="HS-404", code="00000000", kiosk="k1")

    statements = _capture(h, wrong_codes, lambda statement: statement.lstrip().startswith("SELECT")
                          and "FROM audit_events" in statement)
    assert statements, "the wrong codes are no longer counted from the audit log"
    for statement, parameters in statements:
        assert "LIMIT" in statement, statement
        assert "ix_audit_events_dossier_kind" in _plan(h, statement, parameters), statement

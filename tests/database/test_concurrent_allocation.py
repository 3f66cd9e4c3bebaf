"""Concurrent drop-offs never book one compartment twice, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from locker.errors import NoCompartmentAvailable
from tests.domain_support import Harness


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def test_concurrent_allocation_never_double_books(h):
    results, errors = [], []
    barrier = threading.Barrier(8)

    def worker(i):
        svc = h.new_service()
        barrier.wait()
        try:
            results.append(svc.start_dropoff(f"HS-{i}", "0912345678", "S", kiosk=f"k{i}")["compartment"])
        except NoCompartmentAvailable:
            errors.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["A01", "A02", "B01", "C01"]
    assert len(errors) == 4


def test_allocation_skips_a_compartment_taken_by_a_concurrent_transaction(h):
    from datetime import datetime, timezone

    from locker.models import Assignment, Compartment

    with h.db.session() as s:  # another writer won A01 but has not changed its state yet
        a01 = s.execute(select(Compartment).where(Compartment.label == "A01")).scalar_one()
        s.add(Assignment(compartment_id=a01.id, active=True, created_at=datetime.now(timezone.utc)))
    assert h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")["compartment"] == "A02"

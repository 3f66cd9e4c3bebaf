"""The coordinator thread: it serialises events, survives errors and ticks between events."""

from __future__ import annotations

import pytest

from locker.coordinator import Coordinator
from locker.ports import DoorChanged, UnlockOutcome
from locker.ports import Tick
from tests.domain_support import Harness
from tests.support.net import wait_for


def test_the_coordinator_ticks_between_events():
    seen = []

    class Service:
        def handle_event(self, event):
            seen.append(event)

    coordinator = Coordinator(Service(), tick_interval=0.05)
    coordinator.start()
    try:
        wait_for(lambda: sum(isinstance(e, Tick) for e in seen) >= 3, timeout=5, message="three ticks")
        coordinator.submit("door")
        assert coordinator.drain(2)
        assert "door" in seen
    finally:
        coordinator.stop()


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def test_coordinator_serialises_events_and_survives_errors(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    calls = []
    real = h.svc.handle_event

    def handle(event):
        calls.append(event)
        if event == "boom":
            raise RuntimeError("boom")
        real(event)

    h.svc.handle_event = handle
    coordinator = Coordinator(h.svc)
    coordinator.start()
    for event in ("boom", UnlockOutcome(0, 1, "released"), DoorChanged(0, 1, True), DoorChanged(0, 1, False)):
        coordinator.submit(event)
    assert coordinator.drain(5)
    coordinator.stop()
    assert len(calls) == 4
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"

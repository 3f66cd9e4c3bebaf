"""Start-up reconciliation takes what the sensors saw as proof: a door found open, or an
item come or gone, after a committed intent whose pulse was never recorded (the service
was killed between the two) means the unlock went out and opened. The operation is
opened and its flow goes on; the lock is never pulsed again, and no alarm is raised for
a door that did what the operation asked (the crash harness's finding)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from locker.models import DoorOperation
from tests.domain_support import Harness, readings


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


@pytest.fixture
def sensed(migrated_db_url):
    harness = Harness(migrated_db_url, item_sensors=True)
    yield harness
    harness.db.dispose()


def ops(h) -> list[str]:
    with h.db.session() as s:
        return [op.status for op in s.execute(select(DoorOperation).order_by(DoorOperation.id)).scalars()]


def killed_before_the_pulse_was_recorded(h, start):
    """The intent commits; the service dies before it records the pulse (which went out)."""
    h.bus.request_unlock = lambda board, lock, bus="main": (_ for _ in ()).throw(SystemExit("killed"))
    with pytest.raises(SystemExit):
        start()
    h.bus.__dict__.pop("request_unlock")
    assert ops(h)[-1] == "pending"


def restart(h, **seen):
    h.svc = h.new_service()
    return h.svc.reconcile(readings(h.layout, **seen))


def alarm_kinds(h) -> list[str]:
    return [e["kind"] for e in h.svc.events_after(0, 1000) if (e.get("data") or {}).get("alarm") is True]


def test_a_door_found_open_after_an_unrecorded_pulse_is_opened_and_the_flow_goes_on(h):
    killed_before_the_pulse_was_recorded(h, lambda: h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1"))
    report = restart(h, open_doors={"A01"})
    assert report["waiting"] == 1 and report["abandoned"] == 0 and report["out_of_service"] == []
    assert ops(h) == ["opened"] and h.bus.unlocks == []
    assert h.svc.get_dropoff(1)["status"] == "door_open"
    assert "reconcile_opened" in h.kinds() and alarm_kinds(h) == []
    h.door("A01", False)
    assert h.svc.get_dropoff(1)["status"] == "stored"
    assert h.compartment("A01")["state"] == "holding_dropoff" and h.bus.unlocks == []


def test_an_item_put_in_and_the_door_shut_while_the_service_was_down_stores_the_dropoff(sensed):
    h = sensed
    killed_before_the_pulse_was_recorded(h, lambda: h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1"))
    report = restart(h, items={"A01"})
    assert report["completed"] == 1 and report["out_of_service"] == []
    assert ops(h) == ["closed"] and h.bus.unlocks == []
    assert h.svc.get_dropoff(1)["status"] == "stored"
    assert h.compartment("A01")["state"] == "holding_dropoff" and alarm_kinds(h) == []


def test_a_pulsed_pickup_whose_result_is_gone_after_a_restart_is_collected(sensed):
    h = sensed
    r = h.svc.load_result("HS-9", "0987654321", "S", actor="clerk1")
    h.released("A01"), h.door("A01", True), h.item("A01", True), h.door("A01", False)
    p = h.svc.start_pickup(dossier_code="HS-9", code=h.last_code(), kiosk="k1")
    pulses = len(h.bus.unlocks)
    report = restart(h)  # the citizen took the result and shut the door while the service was down
    assert report["completed"] == 1 and report["out_of_service"] == []
    assert h.svc.get_pickup(p["id"])["status"] == "collected"
    assert h.svc.get_result(r["id"])["status"] == "collected" and len(h.bus.unlocks) == pulses
    assert h.compartment("A01")["state"] == "free" and alarm_kinds(h) == []


def test_an_intent_without_evidence_is_still_abandoned_and_nothing_is_pulsed(sensed):
    h = sensed
    killed_before_the_pulse_was_recorded(h, lambda: h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1"))
    report = restart(h)
    assert report["abandoned"] == 1 and report["out_of_service"] == []
    assert ops(h) == ["abandoned"] and h.bus.unlocks == []
    assert h.compartment("A01")["state"] == "free"

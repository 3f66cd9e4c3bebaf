"""Item sensors decide: a drop-off is stored (a result ready) only on a compartment seen
holding something, a pickup (a collection) done only on one seen empty; a door closed
on the wrong contents can be reopened, or the flow is abandoned; an item no record
explains takes its compartment out of service."""

from __future__ import annotations


import pytest

from locker.errors import Conflict, NoCompartmentAvailable, NotFound
from locker.ports import BoardAvailability, Tick
from tests.domain_support import Harness, readings

WINDOW = 120  # [doors] reopen_window_s by default


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url, item_sensors=True)
    yield harness
    harness.db.dispose()


def cycle(h, label, *, item: bool | None = None):
    """The latch releases, the door opens, an item goes in (True) or out (False), the door closes."""
    h.released(label)
    h.door(label, True)
    if item is not None:
        h.item(label, item)
    h.door(label, False)


def alarms(h, kind):
    return [e for e in h.svc.events_after(0, 1000) if e["kind"] == kind and e["data"].get("alarm")]


def ready_result(h, code="HS-9"):
    r = h.svc.load_result(code, "0987654321", "S", actor="clerk1")
    cycle(h, r["compartment"], item=True)
    assert h.svc.get_result(r["id"])["status"] == "ready"
    return r, h.last_code()


def test_a_dropoff_closed_on_an_empty_compartment_is_not_stored_and_can_be_reopened(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    cycle(h, "A01")
    assert h.svc.get_dropoff(d["id"])["status"] == "closed_empty"
    assert h.compartment("A01")["state"] == "reserved" and h.svc.get_dossier("HS-1")["status"] == "dropoff_pending"
    with pytest.raises(NotFound):  # another kiosk cannot reopen it
        h.svc.reopen_dropoff(d["id"], kiosk="k2")
    again = h.svc.reopen_dropoff(d["id"], kiosk="k1")
    assert again == {"id": d["id"], "compartment": "A01", "status": "opening"}
    assert h.bus.unlocks == [(0, 1), (0, 1)]
    with pytest.raises(Conflict):  # not while its door is opening
        h.svc.reopen_dropoff(d["id"], kiosk="k1")
    cycle(h, "A01", item=True)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"
    assert h.compartment("A01")["state"] == "holding_dropoff"
    with pytest.raises(Conflict):
        h.svc.reopen_dropoff(d["id"], kiosk="k1")
    assert "dropoff_reopened" in h.kinds() and "dropoff_empty" in h.kinds()


def test_an_empty_dropoff_nobody_refills_is_cancelled_and_its_compartment_free(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    cycle(h, "A01")
    h.clock.advance(WINDOW - 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_dropoff(d["id"])["status"] == "closed_empty"
    h.clock.advance(2)
    h.svc.handle_event(Tick())
    assert h.svc.get_dropoff(d["id"])["status"] == "cancelled"
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.get_dossier("HS-1")["status"] == "dropoff_cancelled"
    assert h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k1")["compartment"] == "A01"


def test_the_kiosk_ending_the_flow_cancels_at_once(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    assert h.svc.end_dropoff(d["id"], kiosk="k1")["status"] == "opening"  # nothing to end yet
    cycle(h, "A01")
    assert h.svc.end_dropoff(d["id"], kiosk="k1")["status"] == "cancelled"
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.get_dropoff(d["id"])["status"] == "cancelled"


def test_the_sensor_reporting_after_the_door_still_stores_the_dropoff(h):
    """One status read sees the door closed and the dossier inside: the door's event comes first."""
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    cycle(h, "A01")
    h.item("A01", True)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"
    assert alarms(h, "unexpected_item") == []


def test_an_item_coming_is_proof_that_the_door_opened(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.outcome("A01", "unknown")  # the answer was lost: nothing known yet
    h.svc.handle_event(BoardAvailability(0, False))
    h.svc.handle_event(BoardAvailability(0, True))
    h.door("A01", True)  # back online with the door open and the dossier inside
    h.item("A01", True)
    assert h.svc.get_dropoff(d["id"])["status"] == "door_open"
    h.door("A01", False)
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"


def test_an_item_seen_with_the_door_shut_means_it_opened_and_closed_between_two_reads(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    h.item("A01", True)  # no latch change in that read: the door is shut again
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"
    assert h.bus.unlocks == [(0, 1)]


def test_a_result_load_closed_empty_is_cancelled_without_an_sms(h):
    r = h.svc.load_result("HS-1", "0987654321", "S", actor="clerk1")
    cycle(h, r["compartment"])
    assert h.svc.get_result(r["id"])["status"] == "closed_empty"
    h.clock.advance(WINDOW + 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_result(r["id"])["status"] == "cancelled"
    assert h.sms_texts() == [] and h.compartment(r["compartment"])["state"] == "free"
    assert "result_load_cancelled" in h.kinds()


def test_a_result_left_inside_stays_ready_its_code_opens_once_more_and_clerks_are_alarmed(h):
    r, code = ready_result(h)
    p = h.svc.start_pickup(dossier_code="HS-9", code=code, kiosk="k1")
    cycle(h, "A01")  # the citizen closed the door without taking the result
    assert h.svc.get_pickup(p["id"])["status"] == "left_inside"
    assert h.svc.get_result(r["id"])["status"] == "ready"
    assert h.svc.end_pickup(p["id"], kiosk="k1")["status"] == "uncollected"
    assert h.svc.get_result(r["id"])["status"] == "ready" and h.compartment("A01")["state"] == "holding_result"
    assert len(alarms(h, "item_left_inside")) == 1
    assert h.svc.start_dropoff("HS-2", "0912345678", "S", kiosk="k2")["compartment"] == "A02"  # never re-offered
    again = h.svc.start_pickup(dossier_code="HS-9", code=code, kiosk="k1")
    cycle(h, "A01", item=False)
    assert h.svc.get_pickup(again["id"])["status"] == "collected"
    assert h.compartment("A01")["state"] == "free"
    assert h.svc.list_alarms("open") == []  # the result is gone: the alarm clears itself


def test_a_pickup_left_inside_can_be_reopened_then_times_out(h):
    r, code = ready_result(h)
    p = h.svc.start_pickup(dossier_code="HS-9", code=code, kiosk="k1")
    cycle(h, "A01")
    assert h.svc.reopen_pickup(p["id"], kiosk="k1")["status"] == "opening"
    assert h.bus.unlocks[-2:] == [(0, 1), (0, 1)]
    cycle(h, "A01")
    assert h.svc.get_pickup(p["id"])["status"] == "left_inside"
    h.clock.advance(WINDOW + 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_pickup(p["id"])["status"] == "uncollected"
    assert h.svc.get_result(r["id"])["status"] == "ready" and len(alarms(h, "item_left_inside")) == 1


def test_a_result_taken_in_the_same_read_as_the_door_closing_is_collected(h):
    _, code = ready_result(h)
    p = h.svc.start_pickup(dossier_code="HS-9", code=code, kiosk="k1")
    cycle(h, "A01")
    h.item("A01", False)
    assert h.svc.get_pickup(p["id"])["status"] == "collected"
    assert alarms(h, "item_left_inside") == []


def test_a_collection_with_the_dossier_still_inside_keeps_it_recorded(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    cycle(h, "A01", item=True)
    c = h.svc.start_collection("A01", actor="clerk1")
    cycle(h, "A01")
    assert h.svc.get_collection(c["id"])["status"] == "left_inside"
    h.clock.advance(WINDOW + 1)
    h.svc.handle_event(Tick())
    assert h.svc.get_collection(c["id"])["status"] == "uncollected"
    assert h.svc.get_dropoff(d["id"])["status"] == "stored" and h.compartment("A01")["state"] == "holding_dropoff"
    assert len(alarms(h, "item_left_inside")) == 1
    again = h.svc.start_collection("A01", actor="clerk1")
    cycle(h, "A01", item=False)
    assert h.svc.get_collection(again["id"])["status"] == "collected" and h.svc.list_alarms("open") == []


def test_an_item_no_record_explains_takes_the_compartment_out_of_service(h):
    h.item("A01", True)
    assert h.compartment("A01")["state"] == "out_of_service"
    assert len(alarms(h, "unexpected_item")) == 1
    assert h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")["compartment"] == "A02"


def test_an_unexplained_item_at_start_is_found_by_reconciliation(h):
    h.svc = h.new_service()
    report = h.svc.reconcile(readings(h.layout, items={"A02"}))
    assert report["out_of_service"] == ["A02"] and len(alarms(h, "unexpected_item")) == 1
    for n in range(3):
        h.svc.start_dropoff(f"HS-{n}", "0912345678", "S", kiosk="k1")
    with pytest.raises(NoCompartmentAvailable):
        h.svc.start_dropoff("HS-X", "0912345678", "S", kiosk="k1")
    assert sorted(h.bus.unlocks) == [(0, 1), (0, 3), (1, 1)]


def test_a_flow_waiting_across_a_restart_takes_the_reading(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    cycle(h, "A01")
    h.svc = h.new_service()
    report = h.svc.reconcile(readings(h.layout, items={"A01"}))
    assert report["out_of_service"] == []
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"

"""Maintenance openings and the "open all" check, driven with a fake bus and a fake clock."""

from __future__ import annotations

import pytest

from locker.errors import Conflict, Forbidden, HardwareUnavailable, InvalidInput, NotFound
from locker.ports import ItemChanged
from tests.domain_support import Harness, readings


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def test_technician_opens_an_out_of_service_compartment_and_it_stays_out(h):
    h.svc.set_out_of_service("B01", actor="tech", reason="latch sticks")
    opened = h.svc.open_for_maintenance("B01", "inspect latch", actor="tech", role="technician")
    assert opened["compartment"] == "B01" and opened["status"] == "opening"
    assert h.bus.unlocks == [h.where("B01")]
    h.cycle("B01")
    shown = h.svc.get_maintenance_opening(opened["id"])
    assert shown["status"] == "closed" and shown["latch_released"] and shown["door_opened"]
    assert h.state_of("B01") == "out_of_service"
    event = next(e for e in h.svc.events_after(0, 1000) if e["kind"] == "maintenance_opening")
    assert event["actor"] == "tech" and event["data"]["reason"] == "inspect latch"
    assert event["data"]["state"] == "out_of_service"


def test_the_lock_fires_when_the_sensor_reads_open_and_the_released_latch_is_noted(h):
    h.svc.reconcile(readings(open_doors={"A02"}))  # a broken sensor: open without an operation
    assert h.state_of("A02") == "out_of_service" and h.compartment("A02")["door"] == "open"
    opened = h.svc.open_for_maintenance("A02", "sensor reads open", actor="tech", role="technician")
    assert h.bus.unlocks == [h.where("A02")]
    h.released("A02")
    shown = h.svc.get_maintenance_opening(opened["id"])
    assert shown["latch_released"] is True and shown["door_opened"] is False and shown["status"] == "door_open"


def test_a_stuck_open_maintenance_opening_is_ended_by_the_next_one_never_pulsed_twice_itself(h):
    first = h.svc.open_for_maintenance("A01", "look", actor="tech", role="technician")
    h.released("A01")
    h.door("A01", True)  # opened; the sensor never reports it closed again
    assert h.bus.unlocks == [h.where("A01")]
    h.released("A01")    # a late repeated outcome pulses nothing
    assert h.bus.unlocks == [h.where("A01")]
    second = h.svc.open_for_maintenance("A01", "look again", actor="tech", role="technician")
    assert h.bus.unlocks == [h.where("A01")] * 2
    ended = h.svc.get_maintenance_opening(first["id"])
    assert ended["status"] == "closed" and ended["outcome"] == "ended_by_next_opening"
    assert h.svc.get_maintenance_opening(second["id"])["status"] == "opening"


def test_an_opening_does_not_change_what_the_compartment_holds(h):
    d = h.dropoff("HS-9", "S")
    opened = h.svc.open_for_maintenance(d["compartment"], "citizen says the door rattles", actor="clerk1",
                                        role="clerk")
    h.cycle(d["compartment"])
    assert h.compartment(d["compartment"])["state"] == "holding_dropoff"
    assert h.compartment(d["compartment"])["dossier_code"] == "HS-9"
    assert h.svc.get_dropoff(d["id"])["status"] == "stored"
    assert h.svc.get_maintenance_opening(opened["id"])["status"] == "closed"


def test_a_clerk_may_not_open_a_free_compartment_and_nothing_changes(h):
    before = h.svc.events_after(0, 1000)
    with pytest.raises(Forbidden):
        h.svc.open_for_maintenance("A01", "curious", actor="clerk1", role="clerk")
    assert h.bus.unlocks == [] and h.svc.events_after(0, 1000) == before


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 201, 7])
def test_a_reason_is_required(h, reason):
    with pytest.raises(InvalidInput) as err:
        h.svc.open_for_maintenance("A01", reason, actor="tech", role="technician")
    assert err.value.field == "reason" and "lý do" in err.value.message_vi
    assert h.bus.unlocks == []


def test_an_opening_is_refused_while_another_flow_uses_the_compartment(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")
    with pytest.raises(Conflict):
        h.svc.open_for_maintenance(d["compartment"], "look", actor="tech", role="technician")
    assert h.bus.unlocks == [h.where(d["compartment"])]


def test_a_jammed_lock_fails_the_opening_and_notes_it(h):
    opened = h.svc.open_for_maintenance("C01", "lock test", actor="tech", role="technician")
    h.outcome("C01", "jammed")
    shown = h.svc.get_maintenance_opening(opened["id"])
    assert shown["status"] == "failed" and not shown["latch_released"]
    assert h.bus.unlocks == [h.where("C01")]


def test_a_refused_unlock_request_is_a_hardware_error(h):
    h.bus.fail = True
    with pytest.raises(HardwareUnavailable):
        h.svc.open_for_maintenance("A01", "look", actor="tech", role="technician")


def test_the_item_sensor_is_noted_when_the_door_closes(h):
    opened = h.svc.open_for_maintenance("A01", "lock test", actor="tech", role="technician")
    h.released("A01")
    h.door("A01", True)
    h.svc.handle_event(ItemChanged(*h.where("A01"), True))
    h.door("A01", False)
    assert h.svc.get_maintenance_opening(opened["id"])["item"] is True


# ---- out of service and back -----------------------------------------------------------------

def test_back_in_service_is_refused_while_something_unexplained_is_inside(h):
    h.svc.set_out_of_service("A01", actor="tech", reason="check")
    h.svc.handle_event(ItemChanged(*h.where("A01"), True))
    with pytest.raises(Conflict):
        h.svc.return_to_service("A01", actor="tech", reason="fixed")
    h.svc.handle_event(ItemChanged(*h.where("A01"), False))
    assert h.svc.return_to_service("A01", actor="tech", reason="fixed")["state"] == "free"


# ---- open all ----------------------------------------------------------------------------------

def test_open_all_goes_on_when_each_door_closes_and_keeps_the_checklist(h):
    run = h.svc.start_check_run(actor="tech")
    assert run["current"] == "A01" and h.bus.unlocks == [h.where("A01")]
    h.cycle("A01")
    assert h.svc.get_check_run(run["id"])["current"] == "A02"
    assert h.bus.unlocks == [h.where("A01"), h.where("A02")]
    checked = h.svc.record_check(run["id"], "A01", {"opened_ok": True, "latch_ok": True, "sensor_ok": False,
                                                    "note": "sensor slow"}, actor="tech")
    assert checked["sensor_ok"] is False and checked["note"] == "sensor slow"
    after_next = h.svc.next_in_check_run(run["id"], actor="tech")  # A02's door stays open
    assert after_next["current"] == "B01"
    finished = h.svc.finish_check_run(run["id"], actor="tech")
    by_label = {c["compartment"]: c for c in finished["checks"]}
    assert finished["status"] == "finished"
    assert [by_label[x]["status"] for x in ("A01", "A02", "B01", "C01")] == ["done", "done", "done", "skipped"]
    assert by_label["A01"]["opening"]["status"] == "closed" and by_label["A01"]["checked_by"] == "tech"
    with pytest.raises(Conflict):
        h.svc.next_in_check_run(run["id"], actor="tech")


def test_open_all_skips_a_compartment_in_use_and_allows_one_run_at_a_time(h):
    d = h.svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k1")  # A01, door not yet closed
    run = h.svc.start_check_run(actor="tech")
    assert run["checks"][0]["compartment"] == d["compartment"] and run["checks"][0]["status"] == "skipped"
    assert run["current"] == "A02"
    with pytest.raises(Conflict):
        h.svc.start_check_run(actor="tech")


def test_open_all_never_opens_a_door_on_its_own_during_the_start_up_reconciliation(h):
    run = h.svc.start_check_run(actor="tech")
    h.released("A01")
    h.door("A01", True)
    restarted = h.new_service()
    restarted.reconcile(readings())  # A01 reads closed: its opening completes here
    assert h.bus.unlocks == [h.where("A01")]
    assert restarted.get_check_run(run["id"])["current"] is None
    assert restarted.next_in_check_run(run["id"], actor="tech")["current"] == "A02"


def test_recent_openings_newest_first_by_compartment_and_reason(h):
    first = h.svc.open_for_maintenance("A01", "lock test", actor="tech", role="technician")
    h.cycle("A01")
    second = h.svc.open_for_maintenance("A02", "hinge", actor="tech", role="technician")
    assert [o["id"] for o in h.svc.maintenance_openings()] == [second["id"], first["id"]]
    assert [o["id"] for o in h.svc.maintenance_openings(label="A01")] == [first["id"]]
    assert [o["id"] for o in h.svc.maintenance_openings(reason="lock test")] == [first["id"]]


def test_a_checklist_needs_a_compartment_of_the_run_and_yes_no_answers(h):
    run = h.svc.start_check_run(actor="tech")
    with pytest.raises(InvalidInput):
        h.svc.record_check(run["id"], "A01", {"opened_ok": "yes"}, actor="tech")
    with pytest.raises(InvalidInput):
        h.svc.record_check(run["id"], "A01", {"note": "x" * 201}, actor="tech")
    with pytest.raises(NotFound):
        h.svc.record_check(run["id"], "Z99", {}, actor="tech")
    with pytest.raises(NotFound):
        h.svc.next_in_check_run(run["id"] + 1, actor="tech")

"""The alarms inbox in the domain: raised through one part, repeats folded, cleared by
the system where the cabinet can see the condition end, acknowledged and resolved by
people, and surviving a restart (the door-left-open count too)."""

from __future__ import annotations

import pytest

from locker.alarm_kinds import KIND_TEXT, AlarmKind
from locker.errors import Conflict, InvalidInput, NotFound
from locker.ports import BoardAvailability, SensorChanged, Tick
from tests.domain_support import Harness, readings

PHONE = "0912345678"


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def inbox(h, state=None):
    return h.svc.list_alarms(state)


def events(h, kind):
    return [e for e in h.svc.events_after(0, 1000) if e["kind"] == kind]


def test_every_kind_has_words_in_both_languages():
    assert set(KIND_TEXT) == set(AlarmKind)
    assert all(vi and en and vi != en for vi, en in KIND_TEXT.values())


def test_a_forced_door_is_an_alarm_with_its_place_and_its_audit_event(h):
    h.door("C01", True)
    [alarm] = inbox(h)
    assert (alarm["kind"], alarm["compartment"], alarm["board"], alarm["state"]) == ("forced_open", "C01", 1, "open")
    assert alarm["count"] == 1 and alarm["acknowledged_by"] is None and alarm["note"] is None
    [event] = events(h, "forced_open")
    assert event["data"]["alarm"] is True and event["data"]["alarm_id"] == alarm["id"]
    assert event["data"]["alarm_kind"] == "forced_open"


def test_repeats_of_an_open_alarm_are_folded_not_multiplied(h):
    for _ in range(3):
        h.door("A01", True)
        h.clock.advance(5)
        h.door("A01", False)
    h.door("A02", True)
    alarms = inbox(h)
    assert [(a["compartment"], a["count"]) for a in alarms] == [("A02", 1), ("A01", 3)]
    a01 = alarms[1]
    assert a01["last_time"] > a01["time"]
    assert len(events(h, "forced_open")) == 4, "every repeat is still in the audit log"


def test_a_repeat_after_acknowledgement_opens_a_new_alarm(h):
    h.door("A01", True)
    [first] = inbox(h)
    h.svc.acknowledge_alarm(first["id"], actor="clerk1", note="đã kiểm tra")
    h.door("A01", False)
    h.clock.advance(1)
    h.door("A01", True)
    newest, older = inbox(h)
    assert (newest["state"], newest["count"], older["state"]) == ("open", 1, "acknowledged")


def test_board_offline_resolves_itself_when_the_board_answers_again(h):
    h.svc.handle_event(BoardAvailability(1, False))
    h.svc.handle_event(BoardAvailability(1, False))
    [alarm] = inbox(h, "open")
    assert (alarm["kind"], alarm["board"], alarm["compartment"]) == ("board_offline", 1, None)
    h.clock.advance(30)
    h.svc.handle_event(BoardAvailability(1, True))
    assert inbox(h, "open") == []
    [resolved] = inbox(h, "resolved")
    assert resolved["resolved_by"] == "system" and resolved["resolved_at"]
    [event] = events(h, "alarm_resolved")
    assert event["data"]["cleared_by"] == "board_online" and event["actor"] == "system"


def test_power_battery_and_tamper_raise_and_clear(h):
    for name in ("power_fail", "battery_low", "tamper"):
        h.svc.handle_event(SensorChanged(name, True))
    assert sorted(a["kind"] for a in inbox(h, "open")) == ["battery_low", "on_battery", "tamper"]
    h.svc.handle_event(SensorChanged("tamper", False))
    assert sorted(a["kind"] for a in inbox(h, "open")) == ["battery_low", "on_battery"]
    h.svc.handle_event(SensorChanged("power_fail", False))
    h.svc.handle_event(SensorChanged("battery_low", False))
    assert inbox(h, "open") == [] and len(inbox(h, "resolved")) == 3
    assert events(h, "power_failure")[0]["data"]["alarm"] is True


def test_a_jam_stays_until_a_person_resolves_it(h):
    h.svc.start_dropoff("HS-J1", PHONE, "L", kiosk="k1")
    h.outcome("C01", "jammed")
    [jam] = inbox(h)
    assert (jam["kind"], jam["compartment"], jam["details"]["event"]) == ("jam", "C01", "lock_jammed")
    out = events(h, "compartment_out_of_service")
    assert out and "alarm" not in out[0]["data"], "out of service follows the jam; the jam is the alarm"
    with pytest.raises(InvalidInput) as err:
        h.svc.acknowledge_alarm(jam["id"], actor="clerk1", note="   ")
    assert err.value.field == "note"
    acked = h.svc.acknowledge_alarm(jam["id"], actor="clerk1", note="gọi kỹ thuật")
    assert (acked["state"], acked["acknowledged_by"], acked["note"]) == ("acknowledged", "clerk1", "gọi kỹ thuật")
    assert acked["acknowledged_at"]
    with pytest.raises(Conflict):
        h.svc.acknowledge_alarm(jam["id"], actor="clerk2", note="again")
    done = h.svc.resolve_alarm(jam["id"], actor="tech1", note="thay chốt")
    assert (done["state"], done["resolved_by"], done["note"]) == ("resolved", "tech1", "thay chốt")
    with pytest.raises(Conflict):
        h.svc.resolve_alarm(jam["id"], actor="tech1")
    with pytest.raises(Conflict):
        h.svc.acknowledge_alarm(jam["id"], actor="clerk1", note="late")
    assert [e["actor"] for e in events(h, "alarm_acknowledged")] == ["clerk1"]
    assert [e["actor"] for e in events(h, "alarm_resolved")] == ["tech1"]


def test_listing_filters_by_state_and_refuses_unknown_ones(h):
    h.door("A01", True)
    h.door("A02", True)
    first = inbox(h)[-1]
    h.svc.resolve_alarm(first["id"], actor="clerk1")
    assert [a["compartment"] for a in inbox(h, "open")] == ["A02"]
    assert [a["compartment"] for a in inbox(h, "resolved")] == ["A01"]
    assert inbox(h, "acknowledged") == []
    with pytest.raises(InvalidInput):
        inbox(h, "closed")
    with pytest.raises(NotFound):
        h.svc.resolve_alarm(999, actor="clerk1")


def test_alarms_and_the_door_left_open_count_survive_a_restart(h):
    alarm_after = h.config.doors.left_open_alarm_s
    h.svc.start_dropoff("HS-L1", PHONE, "S", kiosk="k1")
    h.released("A01")
    h.door("A01", True)
    h.clock.advance(alarm_after - 10)
    h.svc.handle_event(Tick())
    stages = [e["data"]["stage"] for e in events(h, "door_left_open")]
    assert stages == ["buzzer"]
    h.door("C01", True)  # an unrelated open alarm, to outlive the restart

    h.svc = h.new_service()  # a restart: nothing in memory survives
    h.svc.reconcile(readings(open_doors={"A01", "C01"}))
    assert [a["kind"] for a in inbox(h, "open")] == ["forced_open"]
    h.clock.advance(15)
    h.svc.handle_event(Tick())
    stages = [e["data"]["stage"] for e in events(h, "door_left_open")]
    assert stages == ["buzzer", "alarm"], "the count went on from before the restart; no second buzzer"
    left_open = [a for a in inbox(h, "open") if a["kind"] == "door_left_open"]
    assert [a["compartment"] for a in left_open] == ["A01"]
    h.door("A01", False)
    assert [a["kind"] for a in inbox(h, "open")] == ["forced_open"]
    assert [a["kind"] for a in inbox(h, "resolved")] == ["door_left_open"]


def test_a_door_closed_while_the_service_was_down_ends_its_count(h):
    h.door("A01", True)
    h.clock.advance(h.config.doors.left_open_alarm_s + 1)
    h.svc.handle_event(Tick())
    assert {a["kind"] for a in inbox(h, "open")} == {"forced_open", "door_left_open"}
    h.svc = h.new_service()
    h.svc.reconcile(readings())
    assert [a["kind"] for a in inbox(h, "open")] == ["forced_open"]

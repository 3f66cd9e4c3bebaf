"""A door left open: a prompt on the kiosk, then the buzzer, then an alarm; all
cleared when the door closes."""

from __future__ import annotations

from locker.config import config_from_dict
from locker.ports import BoardReading, DoorChanged, ItemChanged, LockReading, Tick, UnlockOutcome
from locker.service import LockerService
from tests.domain_support import FakeBus


class Panel:
    def __init__(self) -> None:
        self.buzzer: list[bool] = []

    def set_buzzer(self, on: bool) -> None:
        self.buzzer.append(on)


class Clock:
    def __init__(self) -> None:
        from datetime import datetime, timezone
        self.t = 1000.0
        self.wall = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)

    def now(self):
        return self.wall

    def monotonic(self) -> float:
        return self.t


def service(tmp_path, db_url, panel):
    from locker.db import Database
    cfg = config_from_dict({
        "bus": {"url": "loop://"},
        "security": {"secret_file": str(tmp_path / "secret")},
        "doors": {"left_open_prompt_s": 10, "left_open_buzzer_s": 20, "left_open_alarm_s": 30},
        "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "S"}],
    }, env={})
    db = Database(db_url)
    db.upgrade()
    clock = Clock()
    svc = LockerService(config=cfg, db=db, bus=FakeBus(), secret=bytes(32), clock=clock, panel=panel)
    svc.sync_compartments()
    svc.reconcile({0: BoardReading(0, {1: LockReading(door_open=False, item=False)})})
    return svc, clock


def kinds(svc):
    return [(e["kind"], e["data"].get("stage")) for e in svc.events_after(0) if e["kind"].startswith("door_left")]


def test_escalation_then_clearing(tmp_path, db_url):
    panel = Panel()
    svc, clock = service(tmp_path, db_url, panel)
    d = svc.start_dropoff("HS-1", "0912345678", "S", kiosk="k")
    svc.handle_event(UnlockOutcome(0, 1, "released"))
    svc.handle_event(DoorChanged(0, 1, open=True))
    svc.handle_event(ItemChanged(0, 1, present=True))  # the dossier goes in; the door stays open

    clock.t += 9
    svc.handle_event(Tick())
    assert svc.kiosk_activity()["doors_left_open"] == [] and kinds(svc) == []
    clock.t += 2
    svc.handle_event(Tick())
    assert svc.kiosk_activity()["doors_left_open"] == ["A01"]
    assert kinds(svc) == [("door_left_open", "prompt")] and panel.buzzer == []
    clock.t += 10
    svc.handle_event(Tick())
    assert panel.buzzer == [True]
    clock.t += 10
    svc.handle_event(Tick())
    alarms = [e for e in svc.events_after(0) if e["kind"] == "door_left_open" and e["data"].get("alarm")]
    assert len(alarms) == 1 and alarms[0]["compartment"] == "A01"
    svc.handle_event(Tick())
    assert len([e for e in svc.events_after(0) if e["kind"] == "door_left_open"]) == 3

    svc.handle_event(DoorChanged(0, 1, open=False))
    assert panel.buzzer == [True, False]
    assert svc.kiosk_activity()["doors_left_open"] == []
    assert kinds(svc)[-1] == ("door_left_open_cleared", None)
    assert svc.get_dropoff(d["id"])["status"] == "stored"


def test_a_door_closed_in_time_raises_nothing(tmp_path, db_url):
    panel = Panel()
    svc, clock = service(tmp_path, db_url, panel)
    svc.handle_event(DoorChanged(0, 1, open=True))  # forced open: its own alarm, and the watch starts
    clock.t += 5
    svc.handle_event(Tick())
    svc.handle_event(DoorChanged(0, 1, open=False))
    clock.t += 100
    svc.handle_event(Tick())
    assert kinds(svc) == [] and panel.buzzer == []

"""What the console's event stream says when a run, a weekly check, a maintenance opening or
the hardware changes: the pages following them read nothing until it does."""

from __future__ import annotations

import time

import pytest

from api.live_hardware import HardwareWatch
from locker.ports import BoardAvailability, DoorChanged
from tests.support.console import ConsoleBrowser, console_runtime

LAYOUT = [{"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "M"}]


@pytest.fixture
def live(tmp_path):
    runtime = console_runtime(tmp_path, bus={"url": "loop://"}, compartment=LAYOUT)
    runtime.service.sync_compartments()
    svc = runtime.service
    svc.handle_event(BoardAvailability(0, True))
    for lock in (1, 2):
        svc.handle_event(DoorChanged(0, lock, False))
    runtime.live.start()
    sub = runtime.hub.subscribe()
    yield runtime, sub
    runtime.hub.close()
    runtime.live.stop()
    runtime.db.dispose()


def heard(sub, event_type, match, timeout=5.0):
    """The first ``event_type`` event whose data ``match`` accepts, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = sub.next(timeout=0.1)
        if item is not None and item[0] == event_type and match(item[1]):
            return item[1]
    raise AssertionError(f"no {event_type} event")


def test_a_loading_batch_is_announced_when_it_changes_and_when_its_door_moves(live):
    runtime, sub = live
    svc = runtime.service
    run = svc.runs.load.start(actor="clerk")
    assert heard(sub, "run", lambda r: r["id"] == run["id"]) == {"kind": "load", "id": run["id"], "status": "open"}
    svc.runs.load.scan(run["id"], "HS-L1", actor="clerk")
    svc.runs.load.details(run["id"], "0912345678", "S", actor="clerk")
    heard(sub, "run", lambda r: r["kind"] == "load" and r["id"] == run["id"])
    while sub.next(timeout=0.3) is not None:  # what the loading itself said
        pass
    svc.handle_event(DoorChanged(0, 1, True))  # the clerk opens the door: only the result changes
    heard(sub, "run", lambda r: r["kind"] == "load" and r["id"] == run["id"])
    svc.runs.load.close(run["id"], actor="clerk")
    heard(sub, "run", lambda r: r["id"] == run["id"] and r["status"] == "closed")


def test_a_maintenance_opening_and_the_weekly_check_are_announced(live):
    runtime, sub = live
    svc = runtime.service
    opening = svc.open_for_maintenance("A02", "Kiểm tra khóa", actor="technician", role="technician")
    told = heard(sub, "opening", lambda o: o["id"] == opening["id"])
    assert told["compartment"] == "A02" and told == svc.get_maintenance_opening(opening["id"])
    svc.handle_event(DoorChanged(0, 2, True))
    heard(sub, "opening", lambda o: o["id"] == opening["id"] and o["door_opened"])
    svc.handle_event(DoorChanged(0, 2, False))
    check = svc.start_check_run(actor="technician")
    assert heard(sub, "run", lambda r: r["kind"] == "check") == {"kind": "check", "id": check["id"],
                                                                 "status": check["status"]}


def test_hardware_reports_go_only_to_the_pages_that_asked(live):
    runtime, sub = live
    watch = HardwareWatch(read=lambda: {"boards": [{"board": "0", "state": "online"}]}, hub=runtime.hub)
    assert watch.check() is False, "nobody asked: not even read"
    asked = runtime.hub.subscribe(["hardware", "nonsense"])
    assert asked.topics == frozenset({"hardware"})
    assert watch.check() is True and asked.next(timeout=1)[0] == "hardware"
    assert all(item[0] != "hardware" for item in iter(lambda: sub.next(timeout=0.1), None))
    asked.close()


def test_the_alarms_page_serves_one_row_for_the_stream_to_insert(live):
    runtime, _sub = live
    runtime.service.handle_event(DoorChanged(0, 1, True))  # latched and opened by hand: forced open
    [alarm] = runtime.service.list_alarms("open")
    browser = ConsoleBrowser(runtime)
    browser.sign_in("clerk")
    row = browser.get(f"/console/alarms/{alarm['id']}/row?state=open").get_data(as_text=True)
    assert row.lstrip().startswith("<tr") and f'data-alarm-id="{alarm["id"]}"' in row
    assert 'data-testid="ack"' in row and "state=open" in row
    assert browser.get("/console/alarms/99999/row").status_code == 404
    page = browser.get("/console/technician/")
    assert page.status_code == 403 or "topic=hardware" not in page.get_data(as_text=True)
    technician = ConsoleBrowser(runtime)
    technician.sign_in("technician")
    assert "/console/events/stream?topic=hardware" in technician.get("/console/technician/").get_data(as_text=True)

"""Crash safety: ``locker serve`` is killed with SIGKILL (a power cut of the controller)
while the simulated cabinet keeps running, then started again with the same
configuration. The journal and the sensors must explain every compartment."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e

PHONE = "0912345678"


def open_dropoff(cab: Cabinet, code: str, size: str = "M") -> dict:
    created = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": PHONE, "size": size})
    assert created.status_code == 201, created.text
    started = created.json()
    label = started["compartment"]
    cab.wait_door(label, "open")
    wait_for(lambda: cab.service_compartments()[label]["door"] == "open", message=f"service sees {label} open")
    return started


def inventory(cab: Cabinet) -> list[tuple]:
    return sorted((c["label"], c["size"], c["board"], c["lock"]) for c in cab.service_compartments().values())


def test_door_closed_while_the_service_was_down_completes_the_dropoff(sqlite_cabinet):
    cab = sqlite_cabinet
    before_crash = inventory(cab)
    started = open_dropoff(cab, "HS-CRASH-0001")
    label = started["compartment"]
    cab.kill_service()
    cab.put_item(label)
    cab.close_door(label)

    mark = cab.last_frame_number()
    cab.start_service()
    stored = cab.wait_status(f"/api/v1/dropoffs/{started['id']}", "stored")
    assert stored["compartment"] == label
    assert cab.unlock_frames_since(mark) == []
    compartment = cab.service_compartments()[label]
    assert (compartment["state"], compartment["door"], compartment["dossier_code"]) == \
        ("holding_dropoff", "closed", "HS-CRASH-0001")
    assert cab.events("reconcile_completed")[-1]["compartment"] == label
    assert not cab.alarms("reconcile_unexplained")
    assert inventory(cab) == before_crash


def test_door_still_open_after_a_restart_waits_for_it_to_close(sqlite_cabinet):
    cab = sqlite_cabinet
    started = open_dropoff(cab, "HS-CRASH-0002")
    label = started["compartment"]
    cab.kill_service()

    mark = cab.last_frame_number()
    cab.start_service()
    assert cab.get(f"/api/v1/dropoffs/{started['id']}").json()["status"] == "door_open"
    assert cab.service_compartments()[label]["door"] == "open"
    assert cab.events("reconcile_waiting")[-1]["compartment"] == label

    cab.close_door(label, item=True)
    cab.wait_status(f"/api/v1/dropoffs/{started['id']}", "stored")
    assert cab.unlock_frames_since(mark) == []
    assert cab.service_compartments()[label]["state"] == "holding_dropoff"


def test_a_door_forced_open_while_down_goes_out_of_service(sqlite_cabinet):
    cab = sqlite_cabinet
    label = "A03"
    assert cab.service_compartments()[label]["state"] == "free"
    cab.kill_service()
    assert cab.open_door(label)["forced"] is True

    cab.start_service()
    compartment = cab.service_compartments()[label]
    assert (compartment["state"], compartment["door"]) == ("out_of_service", "open")
    [alarm] = cab.alarms("reconcile_unexplained", label)
    assert alarm["data"]["door"] == "open"

    cab.close_door(label)
    wait_for(lambda: cab.service_compartments()[label]["door"] == "closed", message=f"{label} closed")
    assert cab.service_compartments()[label]["state"] == "out_of_service"  # never freed silently
    for n in range(6):
        created = cab.post("/api/v1/dropoffs", {"dossier_code": f"HS-CRASH-1{n:03d}", "phone": PHONE, "size": "S"})
        assert created.status_code == 201, created.text
        assert created.json()["compartment"] != label


def test_repeated_crashes_keep_the_inventory_and_the_audit_chain(sqlite_cabinet):
    cab = sqlite_cabinet
    before = inventory(cab)
    first = open_dropoff(cab, "HS-CRASH-0003")
    cab.kill_service()
    cab.close_door(first["compartment"], item=True)
    cab.start_service()
    cab.wait_status(f"/api/v1/dropoffs/{first['id']}", "stored")

    second = open_dropoff(cab, "HS-CRASH-0004", size="L")
    cab.kill_service()
    cab.start_service()
    cab.close_door(second["compartment"], item=True)
    cab.wait_status(f"/api/v1/dropoffs/{second['id']}", "stored")
    cab.kill_service()
    cab.start_service()

    assert inventory(cab) == before
    states = {label: c["state"] for label, c in cab.service_compartments().items()}
    assert states[first["compartment"]] == states[second["compartment"]] == "holding_dropoff"
    assert [s for s in states.values() if s != "free"] == ["holding_dropoff"] * 2
    assert len(cab.events("reconcile_done")) == 4
    verified = cab.locker("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout

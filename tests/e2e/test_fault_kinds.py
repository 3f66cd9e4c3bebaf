"""The rest of the fault vocabulary end to end (``locker sim`` and ``locker serve``
as separate processes over TCP), each with its documented outcome; one cabinet
for the module, every fault cleared between tests."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for
from tests.support.sms_gateway import SmsGateway

pytestmark = pytest.mark.e2e
B_LABELS = [f"B{n:02d}" for n in range(1, 17)]


@pytest.fixture(scope="module")
def cab(tmp_path_factory):
    gateway = SmsGateway()
    workdir = tmp_path_factory.mktemp("faults")
    try:
        with running_cabinet(workdir, f"sqlite:///{workdir / 'locker.db'}", gateway, open_timeout_ms=1500) as cabinet:
            yield cabinet
    finally:
        gateway.close()


@pytest.fixture(autouse=True)
def healthy_between_tests(cab):
    yield
    cab.sim_post("/sim/fault", {"kind": "clear"})
    wait_for(lambda: cab.health()["status"] == "ok", timeout=20, message="healthy again")


def doors(cab, labels):
    compartments = cab.service_compartments()
    return {compartments[label]["door"] for label in labels}


def store_a_dropoff(cab, code: str) -> str:
    before = cab.last_frame_number()
    created = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0912345678", "size": "S"})
    assert created.status_code == 201, created.text
    label = created.json()["compartment"]
    cab.wait_door(label, "open", timeout=15)
    # A person takes seconds at an open door; the service sees it open before it is shut. (A door
    # shut within milliseconds while the unlock's answer is lost cannot be told from a jam.)
    wait_for(lambda: cab.service_compartments()[label]["door"] == "open", timeout=15, message=f"{label} seen open")
    cab.close_door(label, item=True)
    cab.wait_status(f"/api/v1/dropoffs/{created.json()['id']}", "stored", timeout=15)
    assert cab.unlock_frames_since(before).count(
        bytes([0x02, (cab.lock_of(label)[0] << 4) | (cab.lock_of(label)[1] - 1), 0x31, 0x03,
               (0x02 + ((cab.lock_of(label)[0] << 4) | (cab.lock_of(label)[1] - 1)) + 0x31 + 0x03) & 0xFF])) == 1
    return label


def test_no_reply_makes_a_board_unknown_until_cleared(cab):
    cab.fault("no_reply", board=1)
    wait_for(lambda: doors(cab, B_LABELS) == {"unknown"}, timeout=15, message="board 1 unknown")
    assert cab.health()["status"] == "degraded"
    assert doors(cab, ["A01", "A16"]) == {"closed"}


def test_slow_answers_are_waited_out(cab):
    cab.fault("slow", count=2)
    store_a_dropoff(cab, "HS-SLOW-1")


def test_a_lost_unlock_answer_is_confirmed_by_reading_not_by_a_second_pulse(cab):
    cab.fault("lost_reply", count=1)
    store_a_dropoff(cab, "HS-LOST-1")


def test_power_failure_of_a_board_and_its_return(cab):
    cab.fault("power_failure", board=1)
    wait_for(lambda: doors(cab, B_LABELS) == {"unknown"}, timeout=15, message="board 1 without power")
    assert cab.health()["status"] == "degraded"
    cab.sim_post("/sim/fault", {"kind": "power_restore", "board": 1})
    wait_for(lambda: doors(cab, B_LABELS) == {"closed"}, timeout=15, message="board 1 back")


def test_usb_unplug_and_replug_of_the_bus(cab):
    cab.sim_post("/sim/fault", {"kind": "unplug", "target": "bus"})
    wait_for(lambda: doors(cab, ["A01", "B01"]) == {"unknown"}, timeout=20, message="every board unknown")
    assert cab.health()["status"] == "degraded"
    cab.sim_post("/sim/fault", {"kind": "replug", "target": "bus"})
    wait_for(lambda: cab.health()["status"] == "ok", timeout=30, message="the port reopened by itself")
    store_a_dropoff(cab, "HS-REPLUG-1")


def test_usb_unplug_and_replug_of_the_scanner(cab):
    cab.sim_post("/sim/fault", {"kind": "unplug", "target": "scanner"})
    wait_for(lambda: cab.health()["scanner"] == "down", timeout=20, message="scanner down")
    assert cab.health()["status"] == "degraded"
    cab.sim_post("/sim/fault", {"kind": "replug", "target": "scanner"})
    wait_for(lambda: cab.health()["scanner"] == "ok", timeout=30, message="scanner back")
    response = requests.post(cab.sim + "/sim/scan", json={"data": "not a pickup code"}, timeout=10)
    assert response.status_code == 200
    wait_for(lambda: any(e["kind"] == "scan_read" for e in cab.events()), timeout=10, message="the scan arrives")

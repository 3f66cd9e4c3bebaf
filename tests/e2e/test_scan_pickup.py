"""Scan to pick up: the QR link from the SMS, read by the simulated serial scanner over
TCP, opens the right compartment without any HTTP pickup call; garbage at the
scanner opens nothing and harms nothing."""

from __future__ import annotations

import random
import re

import pytest
import requests

from tests.e2e.conftest import Cabinet, kerong_unlock_frame
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


def ready_result(cab: Cabinet, code: str, size: str) -> tuple[dict, str]:
    """A loaded, ready result and the QR link from its SMS."""
    loaded = cab.post("/api/v1/results", {"dossier_code": code, "phone": "0987654321", "size": size}, clerk=True)
    assert loaded.status_code == 201, loaded.text
    result = loaded.json()
    cab.wait_door(result["compartment"], "open")
    cab.close_door(result["compartment"], item=True)
    cab.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)
    text = wait_for(lambda: cab.sms.link_texts(code), message="SMS")[-1]
    links = re.findall(re.escape(cab.api) + r"/q/\S+", text)
    assert len(links) == 1, text
    return result, links[0]


def scan(cab: Cabinet, data: str) -> None:
    answer = cab.sim_post("/sim/scan", {"data": data})
    assert answer["data"] == data and answer["t_first_ns"] <= answer["t_last_ns"]  # the scanner had a host


def last_scan(cab: Cabinet) -> dict | None:
    return cab.get("/api/v1/kiosk/activity").json()["last_scan"]


def test_scanning_the_sms_qr_opens_the_right_compartment(sqlite_cabinet):
    cab = sqlite_cabinet
    result, link = ready_result(cab, "KQ-SCAN-01", "M")
    label = result["compartment"]
    assert cab.health()["scanner"] == "ok"

    before = cab.last_frame_number()
    scan(cab, link)
    cab.wait_door(label, "open")
    assert cab.unlock_frames_since(before) == [kerong_unlock_frame(*cab.lock_of(label))]
    scanned = wait_for(lambda: last_scan(cab), message="the scan outcome")
    assert scanned["ok"] is True and scanned["pickup"]["compartment"] == label

    cab.close_door(label, item=False)
    cab.wait_status(f"/api/v1/results/{result['id']}", "collected", clerk=True)
    assert cab.service_compartments()[label]["state"] == "free"
    [attempt] = cab.events("pickup_attempt")
    assert attempt["data"]["method"] == "qr" and attempt["data"]["ok"] is True
    assert attempt["actor"] == "kiosk:scanner"

    before = cab.last_frame_number()
    bare_token = link.rsplit("/q/", 1)[1]
    scan(cab, bare_token)  # the used credential, without the link around it
    wait_for(lambda: len(cab.events("pickup_attempt")) == 2, message="the second attempt")
    assert cab.events("pickup_attempt")[-1]["data"]["reason"] == "used"
    assert cab.unlock_frames_since(before) == []
    assert last_scan(cab)["ok"] is False


def garbage_scans() -> list[str]:
    rng = random.Random(20260101)
    random_text = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))).decode("utf-8", "replace")
                   .replace("\r", " ").replace("\n", " ") for _ in range(20)]
    control = "".join(chr(c) for c in range(32) if c not in (10, 13)) + "\x7f\u200b\ufeff"
    return random_text + [
        "X" * 4096, "/q/" + "A" * 4000, control, "LK1." * 100, "http://evil.example/q/LK1.1.a.b",
        "/q/LK1.99999999999.aaaa.bbbb", "' OR 1=1 --", "\x1b[2J\x1b[H", "\u202e" + "mã QR",
        "{\"qr\": \"LK1.1.a.b\"}", " ", "\t",
    ]


def test_garbage_at_the_scanner_opens_nothing(sqlite_cabinet):
    cab = sqlite_cabinet
    result, link = ready_result(cab, "KQ-SCAN-02", "S")
    label = result["compartment"]
    events_before = len(cab.events())
    before = cab.last_frame_number()
    garbage = garbage_scans()
    for data in garbage:
        scan(cab, data)

    wait_for(lambda: len(cab.events("scan_read")) + len(cab.events("pickup_attempt")) >= len(garbage) // 2,
             timeout=15, message="the garbage to be read")
    assert cab.unlock_frames_since(before) == []
    sim_state = requests.get(cab.sim + "/sim/state", timeout=10).json()
    assert all(lock["door"] == "closed" for board in sim_state["boards"] for lock in board["locks"])
    assert all(c["door"] == "closed" for c in cab.service_compartments().values())
    assert cab.service.proc.poll() is None
    health = cab.health()
    assert health["status"] == "ok" and health["scanner"] == "ok"
    assert not [e for e in cab.events()[events_before:] if e["kind"].startswith("pickup_started")]
    assert cab.get(f"/api/v1/results/{result['id']}", clerk=True).json()["status"] == "ready"

    scan(cab, link)  # the scanner still works after all that
    cab.wait_door(label, "open")
    cab.close_door(label, item=False)
    cab.wait_status(f"/api/v1/results/{result['id']}", "collected", clerk=True)

"""The judged path: ``locker sim`` and ``locker serve`` as separate processes over TCP,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import kerong_unlock_frame
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


def test_dropoff_then_clerk_collection(cabinet):
    before = cabinet.last_frame_number()
    created = cabinet.post("/api/v1/dropoffs", {"dossier_code": "HS-2026-0001", "phone": "0912345678", "size": "M"})
    assert created.status_code == 201, created.text
    dropoff = created.json()
    assert dropoff["status"] == "opening"
    label = dropoff["compartment"]
    assert cabinet.compartments[label]["size"] in ("M", "L")

    cabinet.wait_door(label, "open")
    assert kerong_unlock_frame(*cabinet.lock_of(label)) in cabinet.host_frames_since(before)
    cabinet.sim_post("/sim/item", {"board": cabinet.lock_of(label)[0], "lock": cabinet.lock_of(label)[1],
                                   "present": True})
    cabinet.close_door(label)
    stored = cabinet.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")
    assert stored["dossier_code"] == "HS-2026-0001" and stored["compartment"] == label

    compartments = {c["label"]: c for c in cabinet.get("/api/v1/compartments", clerk=True).json()}
    assert compartments[label]["state"] == "holding_dropoff"
    assert compartments[label]["dossier_code"] == "HS-2026-0001"
    assert compartments[label]["door"] == "closed"

    collection = cabinet.post("/api/v1/collections", {"compartment": label}, clerk=True)
    assert collection.status_code == 201, collection.text
    assert collection.json()["status"] == "opening"
    cabinet.wait_door(label, "open")
    cabinet.close_door(label, item=False)
    cabinet.wait_status(f"/api/v1/collections/{collection.json()['id']}", "collected", clerk=True)
    compartments = {c["label"]: c for c in cabinet.get("/api/v1/compartments", clerk=True).json()}
    assert compartments[label]["state"] == "free"
    assert compartments[label]["dossier_code"] is None


def test_result_sms_pickup_and_single_use(cabinet):
    loaded = cabinet.post("/api/v1/results", {"dossier_code": "KQ-77/2026", "phone": "+84987654321", "size": "S"},
                          clerk=True)
    assert loaded.status_code == 201, loaded.text
    result = loaded.json()
    label = result["compartment"]
    cabinet.wait_door(label, "open")
    cabinet.close_door(label, item=True)
    cabinet.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)

    message = wait_for(lambda: [m for m in cabinet.sms.messages if m["text"] in cabinet.sms.code_texts("KQ-77/2026")],
                       message="SMS at the gateway")[-1]
    assert message["to"] == "+84987654321"
    assert "KQ-77/2026" in message["text"]
    codes = re.findall(r"(?<!\d)\d{8}(?!\d)", message["text"])
    assert len(codes) == 1, message["text"]
    code = codes[0]

    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for attempt in (wrong, "00000000"[: 8] if code != "00000000" else "11111111"):
        refused = cabinet.post("/api/v1/pickups", {"dossier_code": "KQ-77/2026", "code": attempt})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "invalid_credentials"
    refused = cabinet.post("/api/v1/pickups", {"dossier_code": "KQ-OTHER", "code": code})
    assert refused.status_code == 403

    before = cabinet.last_frame_number()
    picked = cabinet.post("/api/v1/pickups", {"dossier_code": "KQ-77/2026", "code": code})
    assert picked.status_code == 201, picked.text
    pickup = picked.json()
    assert pickup["compartment"] == label and pickup["status"] == "opening"
    cabinet.wait_door(label, "open")
    unlocks = [f for f in cabinet.host_frames_since(before) if len(f) == 5 and f[2] == 0x31]
    assert unlocks and set(unlocks) == {kerong_unlock_frame(*cabinet.lock_of(label))}

    cabinet.close_door(label, item=False)
    cabinet.wait_status(f"/api/v1/pickups/{pickup['id']}", "collected")
    assert cabinet.get(f"/api/v1/results/{result['id']}", clerk=True).json()["status"] == "collected"

    again = cabinet.post("/api/v1/pickups", {"dossier_code": "KQ-77/2026", "code": code})
    assert again.status_code == 403
    assert again.json()["error"] == "invalid_credentials"

    kinds = [e["kind"] for e in cabinet.get("/api/v1/events?after=0", clerk=True).json()]
    assert kinds.count("pickup_attempt") >= 5

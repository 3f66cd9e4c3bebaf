"""Item sensors decide, across processes (``locker sim`` and ``locker serve``): a door
closed on an empty compartment stores nothing, a result left inside after a pickup is
not collected and its compartment is offered to nobody else, and a lost unlock answer
leaves the dossier recorded where it is."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Cabinet, kerong_unlock_frame
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e

PHONE = "0912345678"


def open_and_seen(cab: Cabinet, answer) -> dict:
    """A 201 answer whose door the simulator opened and the service saw open."""
    assert answer.status_code in (200, 201), answer.text
    started = answer.json()
    label = started["compartment"]
    cab.wait_door(label, "open")
    wait_for(lambda: cab.service_compartments()[label]["door"] == "open", message=f"{label} seen open")
    return started


def test_an_empty_dropoff_is_not_stored_until_the_dossier_is_seen(sqlite_cabinet):
    cab = sqlite_cabinet
    started = open_and_seen(cab, cab.post("/api/v1/dropoffs", {"dossier_code": "HS-EMPTY-1", "phone": PHONE,
                                                               "size": "S"}))
    label, path = started["compartment"], f"/api/v1/dropoffs/{started['id']}"
    cab.close_door(label, item=False)
    cab.wait_status(path, "closed_empty")
    assert cab.service_compartments()[label]["state"] == "reserved"
    assert not [e for e in cab.events() if e["kind"] in ("dropoff_stored", "sms_queued")]

    again = open_and_seen(cab, cab.post(path + "/reopen", {}))
    assert again == {"id": started["id"], "compartment": label, "status": "opening"}
    cab.close_door(label, item=True)
    assert cab.wait_status(path, "stored")["compartment"] == label

    left = open_and_seen(cab, cab.post("/api/v1/dropoffs", {"dossier_code": "HS-EMPTY-2", "phone": PHONE,
                                                            "size": "S"}))
    cab.close_door(left["compartment"], item=False)
    cab.wait_status(f"/api/v1/dropoffs/{left['id']}", "closed_empty")
    ended = cab.post(f"/api/v1/dropoffs/{left['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["status"] == "cancelled"
    assert cab.service_compartments()[left["compartment"]]["state"] == "free"


def test_a_result_left_inside_is_not_collected_and_its_compartment_not_reused(sqlite_cabinet):
    cab = sqlite_cabinet
    loaded = open_and_seen(cab, cab.post("/api/v1/results", {"dossier_code": "KQ-LEFT-1", "phone": PHONE,
                                                             "size": "S"}, clerk=True))
    label = loaded["compartment"]
    cab.close_door(label, item=True)
    cab.wait_status(f"/api/v1/results/{loaded['id']}", "ready", clerk=True)
    text = wait_for(lambda: cab.sms.code_texts("KQ-LEFT-1"), message="SMS")[-1]
    code = re.findall(r"(?<!\d)\d{8}(?!\d)", text)[0]

    pickup = open_and_seen(cab, cab.post("/api/v1/pickups", {"dossier_code": "KQ-LEFT-1", "code": code}))
    cab.close_door(label)  # the citizen walks away with the result still inside
    cab.wait_status(f"/api/v1/pickups/{pickup['id']}", "left_inside")
    ended = cab.post(f"/api/v1/pickups/{pickup['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["status"] == "uncollected"
    assert cab.get(f"/api/v1/results/{loaded['id']}", clerk=True).json()["status"] == "ready"
    assert cab.service_compartments()[label]["state"] == "holding_result"
    assert [a["compartment"] for a in cab.alarms("item_left_inside")] == [label]

    free_small = [c for c, info in cab.service_compartments().items() if info["state"] == "free"
                  and cab.compartments[c]["size"] == "S"]
    for n in range(len(free_small) + 1):  # a clerk fills every other small compartment, and one more
        created = cab.post("/api/v1/results", {"dossier_code": f"KQ-FILL-{n}", "phone": PHONE, "size": "S"},
                           clerk=True)
        assert created.status_code == 201, created.text
        assert created.json()["compartment"] != label

    again = open_and_seen(cab, cab.post("/api/v1/pickups", {"dossier_code": "KQ-LEFT-1", "code": code}))
    assert again["compartment"] == label  # the code opens it once more
    cab.close_door(label, item=False)
    cab.wait_status(f"/api/v1/pickups/{again['id']}", "collected")


def test_a_lost_unlock_answer_leaves_the_dossier_recorded_where_it_is(sqlite_cabinet):
    """The board acts on the unlock but none of its answers arrive: the door opens, the
    person puts the dossier in and shuts it while the service is blind. When the board
    answers again, the dossier is recorded in that compartment, pulsed once, never moved."""
    cab = sqlite_cabinet
    label = next(c for c, info in cab.service_compartments().items()
                 if info["state"] == "free" and cab.compartments[c]["size"] == "S")
    board, _ = cab.lock_of(label)
    before = cab.last_frame_number()
    cab.fault("lost_reply", board=board)
    created = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-BLIND-1", "phone": PHONE, "size": "S"})
    assert created.status_code == 201, created.text
    started = created.json()
    assert started["compartment"] == label
    cab.wait_door(label, "open")
    cab.close_door(label, item=True)
    wait_for(lambda: cab.events("unlock_unknown"), timeout=15, message="the unlock's outcome unknown")
    path = f"/api/v1/dropoffs/{started['id']}"
    assert cab.get(path).json()["compartment"] == label

    cab.fault("clear")
    stored = cab.wait_status(path, "stored", timeout=20)
    assert stored["compartment"] == label
    assert cab.unlock_frames_since(before) == [kerong_unlock_frame(*cab.lock_of(label))]
    assert not cab.events("dropoff_moved")
    assert cab.service_compartments()[label]["state"] == "holding_dropoff"

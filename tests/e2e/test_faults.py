"""Hardware faults against ``locker sim`` and ``locker serve`` as separate processes:
jammed latches, an offline board, a noisy bus, forced doors, a failing SMS gateway.

SQLite only (the ``sqlite_cabinet`` fixture): the database does not change how a
fault is handled, and these tests wait on hardware timeouts."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Cabinet, kerong_unlock_frame, running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e

PHONE = "0912345678"


def labels_of(cab: Cabinet, size: str) -> list[str]:
    return sorted(label for label, c in cab.compartments.items() if c["size"] == size)


def jam(cab: Cabinet, label: str) -> None:
    board, lock = cab.lock_of(label)
    cab.fault("jam", board, lock)
    assert cab.sim_lock(label)["jammed"] is True


def dropoff(cab: Cabinet, code: str, size: str) -> dict:
    created = cab.post("/api/v1/dropoffs", {"dossier_code": code, "phone": PHONE, "size": size})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "opening"
    return created.json()


def store(cab: Cabinet, dropoff_id: int, label: str) -> None:
    """The citizen puts the dossier in and closes the door once it has opened (as the
    service sees it: a person takes longer than one bus poll)."""
    cab.wait_door(label, "open")
    wait_for(lambda: cab.service_compartments()[label]["door"] == "open", message=f"{label} seen open")
    cab.put_item(label)
    cab.close_door(label)
    cab.wait_status(f"/api/v1/dropoffs/{dropoff_id}", "stored")


def load_ready_result(cab: Cabinet, code: str, size: str = "S") -> tuple[dict, str]:
    """A result loaded by a clerk and ready; returns it and the SMS text."""
    loaded = cab.post("/api/v1/results", {"dossier_code": code, "phone": PHONE, "size": size}, clerk=True)
    assert loaded.status_code == 201, loaded.text
    result = loaded.json()
    cab.wait_door(result["compartment"], "open")
    cab.close_door(result["compartment"], item=True)
    cab.wait_status(f"/api/v1/results/{result['id']}", "ready", clerk=True)
    return result, wait_for(lambda: cab.sms.code_texts(code), message="SMS")[-1]


def pickup_code(text: str) -> str:
    [code] = re.findall(r"(?<!\d)\d{8}(?!\d)", text)
    return code


def test_every_large_compartment_jammed_fails_the_dropoff_cleanly(sqlite_cabinet):
    cab = sqlite_cabinet
    large = labels_of(cab, "L")
    for label in large:
        jam(cab, label)
    before = cab.last_frame_number()
    started = dropoff(cab, "HS-JAM-0001", "L")

    failed = cab.wait_status(f"/api/v1/dropoffs/{started['id']}", "failed", timeout=40)
    assert failed["dossier_code"] == "HS-JAM-0001"
    assert {kerong_unlock_frame(*cab.lock_of(label)) for label in large} <= set(cab.unlock_frames_since(before))
    compartments = cab.service_compartments()
    assert {label: compartments[label]["state"] for label in large} == {label: "out_of_service" for label in large}
    assert all(compartments[label]["door"] == "closed" for label in large)
    assert {e["compartment"] for e in cab.alarms("lock_jammed")} == set(large)
    # Out of service because of the jam: the jam is the alarm, the move an audit event.
    assert {e["compartment"] for e in cab.events("compartment_out_of_service")} == set(large)
    jams = [a for a in cab.inbox("open") if a["kind"] == "jam"]
    assert {a["compartment"] for a in jams} == set(large)
    assert [e["dossier_code"] for e in cab.events("dropoff_failed")] == ["HS-JAM-0001"]

    refused = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-JAM-0002", "phone": PHONE, "size": "L"})
    assert refused.status_code in (409, 503), refused.text
    assert refused.json()["error"] and refused.json()["message"]
    assert all(cab.sim_lock(label)["door"] == "closed" for label in large)
    small = dropoff(cab, "HS-JAM-0003", "S")
    store(cab, small["id"], small["compartment"])


def test_a_jammed_compartment_moves_the_dropoff_to_another(sqlite_cabinet):
    cab = sqlite_cabinet
    first, second = labels_of(cab, "M")[:2]
    jam(cab, first)
    before = cab.last_frame_number()
    started = dropoff(cab, "HS-MOVE-0001", "M")
    assert started["compartment"] == first

    moved = wait_for(lambda: (d := cab.get(f"/api/v1/dropoffs/{started['id']}").json())["compartment"] != first
                     and d, timeout=15, message="the drop-off to move")
    assert moved["compartment"] == second and moved["status"] in ("opening", "door_open")
    cab.wait_door(second, "open")
    cab.wait_status(f"/api/v1/dropoffs/{started['id']}", "door_open")
    unlocks = cab.unlock_frames_since(before)
    assert unlocks.index(kerong_unlock_frame(*cab.lock_of(first))) < \
        unlocks.index(kerong_unlock_frame(*cab.lock_of(second)))
    assert cab.sim_lock(first)["door"] == "closed"

    store(cab, started["id"], second)
    compartments = cab.service_compartments()
    assert compartments[first]["state"] == "out_of_service"
    assert compartments[second]["state"] == "holding_dropoff"
    assert compartments[second]["dossier_code"] == "HS-MOVE-0001"
    assert [(e["data"]["from"], e["data"]["to"]) for e in cab.events("dropoff_moved")] == [(first, second)]
    assert cab.alarms("lock_jammed", first)


def test_a_jammed_pickup_keeps_the_credential_valid(sqlite_cabinet):
    cab = sqlite_cabinet
    result, text = load_ready_result(cab, "KQ-JAM-01")
    label, code = result["compartment"], pickup_code(text)
    jam(cab, label)

    picked = cab.post("/api/v1/pickups", {"dossier_code": "KQ-JAM-01", "code": code})
    assert picked.status_code == 201, picked.text
    cab.wait_status(f"/api/v1/pickups/{picked.json()['id']}", "failed", timeout=15)
    assert cab.service_compartments()[label]["state"] == "out_of_service"
    assert cab.get(f"/api/v1/results/{result['id']}", clerk=True).json()["status"] == "ready"
    assert cab.alarms("lock_jammed", label)

    refused = cab.post("/api/v1/pickups", {"dossier_code": "KQ-JAM-01", "code": code})
    assert refused.status_code == 503, refused.text  # the code is right; the compartment needs a technician

    cab.fault("clear")
    assert cab.sim_lock(label)["jammed"] is False
    service = f"/api/v1/compartments/{label}/service"
    assert cab.post(service, {"in_service": True}).status_code == 401
    returned = cab.post(service, {"in_service": True, "reason": "latch replaced"}, clerk=True)
    assert returned.status_code == 200, returned.text
    assert returned.json()["state"] == "holding_result"
    assert returned.json()["dossier_code"] == "KQ-JAM-01"
    assert cab.events("compartment_returned")[-1]["compartment"] == label

    picked = cab.post("/api/v1/pickups", {"dossier_code": "KQ-JAM-01", "code": code})
    assert picked.status_code == 201, picked.text
    cab.wait_door(label, "open")
    cab.close_door(label, item=False)
    cab.wait_status(f"/api/v1/pickups/{picked.json()['id']}", "collected")
    assert cab.service_compartments()[label]["state"] == "free"
    again = cab.post("/api/v1/pickups", {"dossier_code": "KQ-JAM-01", "code": code})
    assert again.status_code == 403


def test_clerk_takes_a_compartment_out_of_service_and_back(sqlite_cabinet):
    cab = sqlite_cabinet
    label = labels_of(cab, "S")[0]
    path = f"/api/v1/compartments/{label}/service"
    for bad in ({}, {"in_service": "yes"}, {"in_service": False, "reason": 7}, {"in_service": True, "x": 1}):
        answer = cab.post(path, bad, clerk=True)
        assert answer.status_code == 400, (bad, answer.text)
        assert answer.json()["error"]
    assert cab.post("/api/v1/compartments/Z99/service", {"in_service": False}, clerk=True).status_code == 404
    assert cab.service_compartments()[label]["state"] == "free"

    out = cab.post(path, {"in_service": False, "reason": "bản lề hỏng"}, clerk=True)
    assert out.status_code == 200, out.text
    assert out.json()["state"] == "out_of_service"
    assert cab.post(path, {"in_service": False}, clerk=True).status_code == 409
    assert dropoff(cab, "HS-OOS-0001", "S")["compartment"] != label
    taken_out = [e for e in cab.events("compartment_out_of_service") if e["compartment"] == label][-1]
    assert taken_out["actor"] == "clerk1" and taken_out["data"]["reason"] == "bản lề hỏng"

    back = cab.post(path, {"in_service": True}, clerk=True)
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "free"
    assert cab.post(path, {"in_service": True}, clerk=True).status_code == 409


def test_an_offline_board_is_unknown_and_never_offered(sqlite_cabinet):
    cab = sqlite_cabinet
    board_b = sorted(label for label, c in cab.compartments.items() if c["board"] == 1)
    assert cab.health()["status"] == "ok"
    cab.fault("offline", 1)

    wait_for(lambda: all(cab.service_compartments()[label]["door"] == "unknown" for label in board_b),
             timeout=10, message="board 1 doors unknown")
    health = wait_for(lambda: (h := cab.health())["status"] == "degraded" and h, timeout=10, message="degraded")
    assert health["bus"]["boards"] == {"0": "online", "1": "offline"}
    assert cab.alarms("board_offline")

    taken = [dropoff(cab, f"HS-OFF-{i:04d}", "L")["compartment"] for i in range(4)]
    assert sorted(taken) == [label for label in labels_of(cab, "L") if label.startswith("A")]
    refused = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-OFF-0099", "phone": PHONE, "size": "L"})
    assert refused.status_code in (409, 503), refused.text
    assert all(cab.sim_lock(label)["door"] == "closed" for label in board_b)

    cab.fault("clear")
    wait_for(lambda: all(cab.service_compartments()[label]["door"] == "closed" for label in board_b),
             timeout=10, message="board 1 doors closed again")
    wait_for(lambda: cab.health()["status"] == "ok", timeout=10, message="healthz ok")
    assert all(cab.service_compartments()[label]["state"] == "free" for label in board_b)
    assert dropoff(cab, "HS-OFF-0100", "L")["compartment"].startswith("B")


def test_a_noisy_bus_still_stores_dropoffs(sqlite_cabinet):
    cab = sqlite_cabinet
    noise = [("bad_checksum", 4), ("junk", 0), ("drop_bytes", 4)]  # 0: until cleared
    for n, (kind, count) in enumerate(noise):
        assert cab.fault(kind, count=count)["faults"], kind
        started = dropoff(cab, f"HS-NOISE-{n:04d}", "M")
        store(cab, started["id"], started["compartment"])
        cab.fault("clear")
    compartments = cab.service_compartments()
    assert [c["state"] for c in compartments.values()].count("holding_dropoff") == len(noise)
    assert not [c for c in compartments.values() if c["state"] == "out_of_service"]
    assert not cab.alarms("lock_jammed")
    wait_for(lambda: cab.health()["status"] == "ok", timeout=10, message="healthz ok")


def test_a_forced_door_raises_an_alarm_and_is_not_offered(sqlite_cabinet):
    cab = sqlite_cabinet
    forced_label = labels_of(cab, "S")[0]
    answer = cab.open_door(forced_label)
    assert answer["forced"] is True

    alarm = wait_for(lambda: cab.alarms("forced_open", forced_label), timeout=10, message="forced_open alarm")[0]
    assert alarm["data"]["alarm"] is True
    wait_for(lambda: cab.service_compartments()[forced_label]["door"] == "open", message="door open")
    started = dropoff(cab, "HS-FORCE-0001", "S")
    assert started["compartment"] != forced_label
    assert cab.service_compartments()[forced_label]["state"] == "free"

    cab.close_door(forced_label)
    wait_for(lambda: cab.service_compartments()[forced_label]["door"] == "closed", message="door closed")
    assert dropoff(cab, "HS-FORCE-0002", "S")["compartment"] == forced_label


# Retry delays 0.5 s, 1 s, 2 s, then 2 s again (the longest wait).
QUICK_RETRIES = {"retry_base_s": 0.5, "retry_max_s": 2}


def test_the_sms_arrives_after_the_gateway_recovers(tmp_path, sms_gateway):
    # No public URL: the code's SMS alone (no QR link SMS), so the gateway sees one message's attempts.
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway,
                         open_timeout_ms=1000, sms=QUICK_RETRIES, public_url=False) as cab:
        cab.sms.fail_next = 4
        loaded = cab.post("/api/v1/results", {"dossier_code": "KQ-SMS-01", "phone": "+84987654321",
                                              "size": "S"}, clerk=True)
        assert loaded.status_code == 201, loaded.text
        label = loaded.json()["compartment"]
        cab.wait_door(label, "open")
        cab.close_door(label, item=True)
        cab.wait_status(f"/api/v1/results/{loaded.json()['id']}", "ready", clerk=True)
        message = wait_for(lambda: cab.sms.messages and cab.sms.messages[-1], timeout=20, interval=0.05,
                           message="the SMS after four gateway failures")
        assert cab.sms.fail_next == 0
        assert message["to"] == "+84987654321" and "KQ-SMS-01" in message["text"]
        assert len(cab.sms.messages) == 1
        assert [e["data"]["attempts"] for e in cab.events("sms_sent")] == [5]

    times = [moment for moment, _ in cab.sms.attempts]
    assert [answer for _, answer in cab.sms.attempts] == [503, 503, 503, 503, 200]
    assert len(times) == 5, times
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    for gap, delay in zip(gaps, (0.5, 1.0, 2.0, 2.0)):
        assert gap >= delay - 0.05, gaps  # never sooner than the back-off
    assert gaps[0] < gaps[1] < gaps[2], gaps  # the wait grows...
    assert gaps[3] < gaps[2] + 1.0, gaps  # ...up to retry_max_s (4 s without it)

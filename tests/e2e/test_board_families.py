"""Every board family end to end: ``locker sim --board-type T`` and ``locker serve``
with ``protocol = "T"`` go through drop-off, collection, result and pickup, and the
simulator's frame log shows the vendor's exact unlock frame each time. A
``gpio-relay`` cabinet has no frames: there the relay of that lock, and no other,
is energised exactly once (its pins reach the service through the simulator's
pigpio daemon)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


def vendor_unlock_frame(protocol: str, board: int, lock: int) -> bytes:
    """The unlock frame as PROTOCOLS.md gives it, checksums recomputed here."""
    if protocol == "kerong-cu16":
        body = bytes([0x02, (board << 4) | (lock - 1), 0x31, 0x03])
        return body + bytes([sum(body) & 0xFF])
    if protocol == "kerong-cu48":
        body = bytes([0x02, board, lock - 1, 0x51, 0x03])
        return body + bytes([sum(body) & 0xFF])
    if protocol == "8a":
        body = bytes([0x8A, board, lock, 0x11])
        bcc = 0
        for byte in body:
            bcc ^= byte
        return body + bytes([bcc])
    if protocol == "winnsen":  # station byte = board + station_base (1 by default)
        return bytes([0x90, 0x06, 0x05, board + 1, lock, 0x03])
    raise AssertionError(protocol)


@pytest.fixture(params=["kerong-cu16", "kerong-cu48", "8a", "winnsen", "gpio-relay"])
def family_cabinet(request, tmp_path, sms_gateway):
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway,
                         board_type=request.param) as cab:
        cab.protocol = request.param
        yield cab


def unlock_mark(cab):
    """Where to look for the next unlock from: the frame log's end, or the relays' pulse counts."""
    return cab.relay_pulses() if cab.protocol == "gpio-relay" else cab.last_frame_number()


def expect_unlock(cab, label: str, before) -> None:
    board, lock = cab.lock_of(label)
    if cab.protocol == "gpio-relay":
        wait_for(lambda: cab.relay_pulses()[board, lock] > before[board, lock], timeout=10,
                 message=f"the relay of {label} energised")
        return
    frame = vendor_unlock_frame(cab.protocol, board, lock)
    wait_for(lambda: frame in cab.host_frames_since(before), timeout=10,
             message=f"{cab.protocol} unlock frame {frame.hex(' ')} for {label}")


def expect_one_pulse(cab, label: str, before) -> None:
    """On relay locks: once the door is open, that relay clicked once and no other relay did.

    The service learns of the door only from its switch (debounced), so the door is
    closed only after the service has seen it open, as a person would.
    """
    if cab.protocol == "gpio-relay":
        expected = {**before, cab.lock_of(label): before[cab.lock_of(label)] + 1}
        assert cab.relay_pulses() == expected
        wait_for(lambda: cab.service_compartments()[label]["door"] == "open", message=f"the service saw {label} open")
        assert cab.relay_pulses() == expected


def test_every_flow_on_every_board_family(family_cabinet):
    cab = family_cabinet
    # What the person puts in or takes out, where the boards can sense it (relay locks cannot).
    put, take = (None, None) if cab.protocol == "gpio-relay" else (True, False)

    before = unlock_mark(cab)
    dropoff = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-F-1", "phone": "0912345678", "size": "S"})
    assert dropoff.status_code == 201, dropoff.text
    label = dropoff.json()["compartment"]
    expect_unlock(cab, label, before)
    cab.wait_door(label, "open")
    expect_one_pulse(cab, label, before)
    cab.close_door(label, item=put)
    cab.wait_status(f"/api/v1/dropoffs/{dropoff.json()['id']}", "stored")

    before = unlock_mark(cab)
    collection = cab.post("/api/v1/collections", {"compartment": label}, clerk=True)
    assert collection.status_code == 201, collection.text
    expect_unlock(cab, label, before)
    cab.wait_door(label, "open")
    expect_one_pulse(cab, label, before)
    cab.close_door(label, item=take)
    cab.wait_status(f"/api/v1/collections/{collection.json()['id']}", "collected", clerk=True)

    before = unlock_mark(cab)
    result = cab.post("/api/v1/results", {"dossier_code": "KQ-F-1", "phone": "0987654321", "size": "M"}, clerk=True)
    assert result.status_code == 201, result.text
    label = result.json()["compartment"]
    expect_unlock(cab, label, before)
    cab.wait_door(label, "open")
    expect_one_pulse(cab, label, before)
    cab.close_door(label, item=put)
    cab.wait_status(f"/api/v1/results/{result.json()['id']}", "ready", clerk=True)
    # The drop-off above sent its own SMS: the code is in the one about this result.
    text = wait_for(lambda: cab.sms.code_texts("KQ-F-1"), message="the SMS")[-1]
    code = re.findall(r"(?<!\d)\d{8}(?!\d)", text)[0]

    before = unlock_mark(cab)
    pickup = cab.post("/api/v1/pickups", {"dossier_code": "KQ-F-1", "code": code})
    assert pickup.status_code == 201, pickup.text
    assert pickup.json()["compartment"] == label
    expect_unlock(cab, label, before)
    cab.wait_door(label, "open")
    expect_one_pulse(cab, label, before)
    cab.close_door(label, item=take)
    cab.wait_status(f"/api/v1/pickups/{pickup.json()['id']}", "collected")

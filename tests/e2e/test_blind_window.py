"""A door opened and shut during a burst of corrupted answers (issue 8, points 2 and 3),
with ``locker sim`` and ``locker serve`` as separate processes.

Every answer on the bus has a bad checksum while the drop-off's door springs open,
takes the dossier and is shut again within half a second: the driver must not take
the engaged latch it reads afterwards for a jam and pulse again (the door would spring
open with the dossier inside). The dossier seen by the item sensor is the proof that
the door opened, so the drop-off is stored, in the compartment that was pulsed.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import kerong_unlock_frame, running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e


def test_a_door_opened_and_shut_in_a_burst_of_bad_checksums_is_pulsed_once_and_stored(tmp_path, sms_gateway):
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway) as cab:
        wait_for(lambda: cab.health()["status"] == "ok", timeout=10, message="healthz ok")
        before = cab.last_frame_number()
        assert cab.fault("bad_checksum")["faults"]  # every answer on the bus, until cleared
        created = cab.post("/api/v1/dropoffs", {"dossier_code": "HS-BLIND-0001", "phone": "0912345678",
                                                "size": "M"})
        assert created.status_code == 201, created.text
        label = created.json()["compartment"]
        cab.wait_door(label, "open", timeout=5)
        opened = time.monotonic()
        cab.put_item(label)
        cab.close_door(label)
        shut_within = time.monotonic() - opened
        cab.fault("clear")

        stored = cab.wait_status(f"/api/v1/dropoffs/{created.json()['id']}", "stored", timeout=15)
        assert stored["compartment"] == label
        time.sleep(1.5)  # past the open timeout (2.5 s from the pulse) and any resend it allowed
        assert cab.unlock_frames_since(before) == [kerong_unlock_frame(*cab.lock_of(label))]
        assert cab.sim_lock(label)["door"] == "closed" and cab.sim_lock(label)["item"] is True
        assert cab.service_compartments()[label]["state"] == "holding_dropoff"
        assert not cab.alarms("lock_jammed")
    assert shut_within < 0.5

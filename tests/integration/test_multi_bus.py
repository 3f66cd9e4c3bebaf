"""A cabinet with two lock buses: the same board and lock number on each are two
different compartments, and every event lands on the right one."""

from __future__ import annotations

import pytest

from api.runtime import Runtime
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from tests.support.net import wait_for


@pytest.fixture
def two_bus_cabinet(tmp_path, db_url):
    left, right = Simulator(boards=1), Simulator(boards=1, board_type="8a")
    config = config_from_dict({
        "database": {"url": db_url},
        "bus": [{"name": "left", "url": left.serve_bus("inprocess"), "poll_interval_ms": 50},
                {"name": "right", "url": right.serve_bus("inprocess"), "protocol": "8a", "poll_interval_ms": 50,
                 "answer_timeout_ms": 600}],
        "security": {"secret_file": str(tmp_path / "secret")},
        "compartment": [{"label": "L01", "bus": "left", "board": 0, "lock": 1, "size": "S"},
                        {"label": "R01", "bus": "right", "board": 1, "lock": 1, "size": "M"}],
    }, env={})
    runtime = Runtime.from_config(config)
    runtime.db.upgrade()
    runtime.start()
    try:
        yield runtime, left, right
    finally:
        runtime.stop()
        left.close()
        right.close()


def compartment(runtime, label):
    return {c["label"]: c for c in runtime.service.list_compartments()}[label]


def test_each_bus_drives_its_own_compartments(two_bus_cabinet):
    runtime, left, right = two_bus_cabinet
    assert compartment(runtime, "R01")["bus"] == "right"
    wait_for(lambda: compartment(runtime, "R01")["door"] == "closed", message="R01 read")

    dropoff = runtime.service.start_dropoff("HS-BUS-1", "0912345678", "M", kiosk="k")
    assert dropoff["compartment"] == "R01"
    wait_for(lambda: right.lock_state(1, 1)["door"] == "open", message="the right bus's door")
    assert left.lock_state(0, 1)["door"] == "closed"
    right.door(1, 1, "close")
    wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")

    dropoff = runtime.service.start_dropoff("HS-BUS-2", "0912345678", "S", kiosk="k")
    assert dropoff["compartment"] == "L01"
    wait_for(lambda: left.lock_state(0, 1)["door"] == "open", message="the left bus's door")
    left.item(0, 1, True)  # Kerong boards sense the dossier (the 8A bus has no item sensors)
    left.door(0, 1, "close")
    wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")
    assert compartment(runtime, "R01")["state"] == "holding_dropoff"


def test_a_board_offline_on_one_bus_leaves_the_other_alone(two_bus_cabinet):
    runtime, left, right = two_bus_cabinet
    wait_for(lambda: compartment(runtime, "L01")["door"] == "closed", message="L01 read")
    right.fault("offline")
    wait_for(lambda: compartment(runtime, "R01")["door"] == "unknown", timeout=15, message="R01 unknown")
    assert compartment(runtime, "L01")["door"] == "closed"
    health = runtime.health()
    assert health["status"] == "degraded"
    assert health["bus"]["boards"] == {"0": "online", "right/1": "offline"}
    right.fault("clear")
    wait_for(lambda: compartment(runtime, "R01")["door"] == "closed", timeout=15, message="R01 back")
    assert runtime.health()["status"] == "ok"

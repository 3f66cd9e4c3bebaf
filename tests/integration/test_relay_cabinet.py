"""A small cabinet without lock boards: locks on relay outputs, door switches on
inputs, configured as a ``gpio-relay`` bus and driven through the whole service."""

from __future__ import annotations

import pytest

from api.runtime import Runtime
from firmware_sim.gpio import SimGpio
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from tests.support.net import wait_for

RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}]


@pytest.fixture
def relay_cabinet(tmp_path):
    """R1 (S) and R2 (M) on relays; the simulator's mock pins shared with the service."""
    sim = Simulator(boards=1, gpio=SimGpio(relay_locks=RELAYS, relay_board=0, spring_delay=0.05))
    config = config_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "bus": {"protocol": "gpio-relay", "relay_locks": RELAYS, "open_timeout_ms": 800, "pulse_ms": 100},
        "security": {"secret_file": str(tmp_path / "secret")},
        "compartment": [{"label": "R1", "board": 0, "lock": 1, "size": "S"},
                        {"label": "R2", "board": 0, "lock": 2, "size": "M"}],
    }, env={})
    runtime = Runtime.from_config(config, simulator=sim)
    runtime.db.upgrade()
    runtime.start()
    try:
        wait_for(lambda: all(c["door"] == "closed" for c in runtime.service.list_compartments()), message="doors read")
        yield runtime, sim
    finally:
        runtime.stop()
        sim.close()


def door_seen(runtime, label):
    return {c["label"]: c["door"] for c in runtime.service.list_compartments()}[label]


def test_dropoff_and_collection_on_relay_locks(relay_cabinet):
    runtime, sim = relay_cabinet
    dropoff = runtime.service.start_dropoff("HS-R-1", "0912345678", "M", kiosk="k")
    assert dropoff["compartment"] == "R2"
    wait_for(lambda: sim.lock_state(0, 2)["door"] == "open", message="relay 2 opened its door")
    assert sim.lock_state(0, 1)["door"] == "closed"
    wait_for(lambda: door_seen(runtime, "R2") == "open", message="the service saw it open")
    sim.door(0, 2, "close")
    wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["status"] == "stored", message="stored")
    collection = runtime.service.start_collection("R2", actor="clerk1")
    wait_for(lambda: door_seen(runtime, "R2") == "open", message="opened for the clerk")
    sim.door(0, 2, "close")
    wait_for(lambda: runtime.service.get_collection(collection["id"])["status"] == "collected", message="collected")


def test_a_jam_on_the_relay_board_through_the_fault_vocabulary(relay_cabinet):
    runtime, sim = relay_cabinet
    sim.fault("jam", board=0, lock=1)
    dropoff = runtime.service.start_dropoff("HS-R-2", "0912345678", "S", kiosk="k")
    assert dropoff["compartment"] == "R1"
    wait_for(lambda: runtime.service.get_dropoff(dropoff["id"])["compartment"] == "R2", message="moved to R2")
    states = {c["label"]: c["state"] for c in runtime.service.list_compartments()}
    assert states["R1"] == "out_of_service"
    sim.fault("clear")
    assert sim.lock_state(0, 1)["jammed"] is False

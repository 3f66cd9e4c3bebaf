"""A simulated relay-lock cabinet driven through its GPIO pins: the control API shows the
relay locks as board 0, and jams, clearing and the scanner plug still work."""

from __future__ import annotations

import pytest
from flask import Flask

from firmware_sim.control import create_control_blueprint
from firmware_sim.gpio import SimGpio
from firmware_sim.simulator import Simulator
from tests.support.net import wait_for

RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}, {"relay": 18, "switch": 25}]


@pytest.fixture
def sim():
    simulator = Simulator(board_type="gpio-relay", gpio=SimGpio(relay_locks=RELAYS, spring_delay=0.02),
                          labels={(0, 1): "R1"})
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim):
    app = Flask("test")
    app.register_blueprint(create_control_blueprint(sim))
    return app.test_client()


def energise(sim: Simulator, lock: int) -> None:
    """What the service's RelayLockBus does: the relay on, then off."""
    pin = sim.gpio.factory.pin(RELAYS[lock - 1]["relay"])
    pin.function = "output"
    pin.state = True
    pin.state = False


def test_state_shows_the_relay_locks_as_board_0(client, sim):
    boards = client.get("/sim/state").get_json()["boards"]
    closed = {"door": "closed", "latched": True, "item": False, "jammed": False, "pulses": 0}
    assert boards == [{"address": 0, "locks": [{"lock": 1, **closed, "label": "R1"},
                                               {"lock": 2, **closed}, {"lock": 3, **closed}]}]
    energise(sim, 2)
    wait_for(lambda: sim.lock_state(0, 2)["door"] == "open", message="lock 2 sprang open")
    assert [lock["pulses"] for lock in sim.state()["boards"][0]["locks"]] == [0, 1, 0]
    closed = client.post("/sim/door", json={"board": 0, "lock": 2, "action": "close"}).get_json()
    assert closed == {"board": 0, "lock": 2, "door": "closed", "latched": True, "item": False, "jammed": False,
                      "pulses": 1, "forced": False}
    forced = client.post("/sim/door", json={"board": 0, "lock": 3, "action": "open"}).get_json()
    assert forced["forced"] is True and forced["door"] == "open" and sim.gpio.forced_openings == 1
    assert client.get("/sim/frames").get_json() == []


def test_jam_clear_and_the_scanner_plug_still_work(client, sim):
    sim.serve_scanner("tcp")
    faults = client.post("/sim/fault", json={"kind": "jam", "board": 0, "lock": 2}).get_json()["faults"]
    assert faults == [{"kind": "jam", "board": 0, "lock": 2}]
    energise(sim, 2)
    assert sim.lock_state(0, 2)["latched"] is True and sim.lock_state(0, 2)["pulses"] == 1
    faults = client.post("/sim/fault", json={"kind": "jam"}).get_json()["faults"]  # every relay lock
    assert [f["lock"] for f in faults] == [1, 2, 3]
    unplugged = client.post("/sim/fault", json={"kind": "unplug", "target": "scanner"})
    assert unplugged.status_code == 200 and not sim.plugged("scanner")
    assert client.post("/sim/fault", json={"kind": "clear"}).get_json()["faults"] == []
    assert sim.plugged("scanner") and not any(lk["jammed"] for lk in sim.state()["boards"][0]["locks"])

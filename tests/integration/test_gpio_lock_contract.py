"""The production CabinetIO and RelayLockBus against the simulator's SimGpio, on one MockFactory."""

from __future__ import annotations

import pytest
from flask import Flask

from drivers.events import BoardOnline, LatchChanged, UnlockDone
from drivers.gpio import CabinetIO, InputChanged
from drivers.gpio_locks import RelayLockBus
from firmware_sim import Simulator
from firmware_sim.control import create_control_blueprint
from firmware_sim.gpio import SimGpio
from tests.support.net import wait_for

LAYOUT = {"service_door": {"pin": 4, "invert": True, "bounce_time": 0.01}, "tamper": {"pin": 17, "bounce_time": 0.01},
          "power_fail": {"pin": 27, "bounce_time": 0.01}, "battery_low": {"pin": 22, "bounce_time": 0.01},
          "presence": {"pin": 26, "bounce_time": 0.01},
          "led_green": 5, "led_amber": 6, "led_red": 13, "buzzer": 19}
RELAY_LOCKS = [{"relay": 20, "switch": 21, "bounce_time": 0.01}, {"relay": 16, "switch": 12, "bounce_time": 0.01},
               {"relay": 24, "switch": 25, "bounce_time": 0.01}]


@pytest.fixture
def sim():
    simulator = Simulator(boards=1, gpio=SimGpio(LAYOUT, relay_locks=RELAY_LOCKS, spring_delay=0.05))
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim):
    app = Flask("contract")
    app.register_blueprint(create_control_blueprint(sim))
    return app.test_client()


@pytest.fixture
def io(sim):
    heard: list = []
    cabinet = CabinetIO(LAYOUT, listener=heard.append, pin_factory=sim.gpio.factory, beep_time=0.01)
    cabinet.heard = heard
    yield cabinet
    cabinet.close()


@pytest.fixture
def bus(sim):
    heard: list = []
    relay_bus = RelayLockBus(locks=RELAY_LOCKS, listener=heard.append, pin_factory=sim.gpio.factory,
                             pulse_time=0.05, open_timeout=0.5, pulse_gap=0.02, resend_after=0.1)
    relay_bus.heard = heard
    relay_bus.start()
    yield relay_bus
    relay_bus.stop()


def test_the_driver_starts_with_every_input_inactive(io):
    assert io.inputs() == dict.fromkeys(["service_door", "tamper", "power_fail", "battery_low", "presence"], False)


def test_inputs_driven_through_the_control_api_reach_the_listener(client, io):
    for name in ("tamper", "power_fail", "battery_low", "presence"):
        assert client.post("/sim/gpio", json={"name": name, "value": False}).status_code == 200
    assert client.post("/sim/gpio", json={"name": "service_door", "value": 1}).status_code == 200
    assert wait_for(lambda: len(io.heard) == 5)
    assert set(io.heard) == {InputChanged(name, True) for name in
                             ("tamper", "power_fail", "battery_low", "presence", "service_door")}
    client.post("/sim/gpio", json={"name": "power_fail", "value": True})
    assert wait_for(lambda: io.heard[-1] == InputChanged("power_fail", False))


def test_tower_and_buzzer_show_in_the_simulator_state(client, io):
    io.show("degraded")
    gpio = client.get("/sim/state").get_json()["gpio"]
    assert [gpio[n]["active"] for n in ("led_green", "led_amber", "led_red")] == [False, True, False]
    io.buzz("on")
    assert client.get("/sim/state").get_json()["gpio"]["buzzer"]["active"] is True
    io.buzz("off")
    io.show("ready")
    gpio = client.get("/sim/state").get_json()["gpio"]
    assert [gpio[n]["active"] for n in ("led_green", "led_amber", "led_red", "buzzer")] == [True, False, False, False]


def test_the_relay_bus_reads_the_simulated_doors_shut(bus):
    assert bus.heard == [BoardOnline(0)] + [LatchChanged(0, n, True) for n in (1, 2, 3)]
    assert bus.read_all(timeout=1)[0].latched == (True, True, True)


def test_an_unlock_springs_the_door_open_and_a_close_latches_it(client, sim, bus):
    assert bus.unlock(0, 2).result(timeout=2) == "released"
    assert bus.heard[-2:] == [LatchChanged(0, 2, False), UnlockDone(0, 2, "released")]
    assert sim.lock_state(0, 2)["door"] == "open"
    assert client.post("/sim/door", json={"board": 0, "lock": 2, "action": "close"}).status_code == 200
    assert wait_for(lambda: bus.heard[-1] == LatchChanged(0, 2, True))
    assert bus.statuses()[0].latched == (True, True, True)
    assert bus.stats()[0]["pulses"] == 1


def test_a_jammed_lock_is_pulsed_twice_then_reported_jammed(sim, bus):
    sim.gpio.jam(3)
    assert bus.unlock(0, 3).result(timeout=2) == "jammed"
    assert bus.stats()[0]["retries"] == 1
    assert sim.lock_state(0, 3) == {"lock": 3, "door": "closed", "latched": True, "item": False, "jammed": True}


def test_a_jam_that_clears_before_the_resend_is_released(sim, bus):
    sim.gpio.jam(1, count=1)
    assert bus.unlock(0, 1).result(timeout=2) == "released"
    assert bus.stats()[0]["retries"] == 1


def test_queued_unlocks_all_open_one_relay_at_a_time(sim, bus):
    futures = [bus.unlock(0, n) for n in (1, 2, 3)]
    assert [f.result(timeout=3) for f in futures] == ["released"] * 3
    assert [sim.lock_state(0, n)["door"] for n in (1, 2, 3)] == ["open"] * 3
    assert not any(sim.gpio.state()[f"relay_{n}"]["active"] for n in (1, 2, 3))


def test_a_forced_door_is_reported_without_an_unlock(client, sim, bus):
    assert client.post("/sim/door", json={"board": 0, "lock": 1, "action": "open"}).get_json()["forced"] is True
    assert wait_for(lambda: bus.heard[-1] == LatchChanged(0, 1, False))
    assert sim.gpio.forced_openings == 1

"""The simulator's GPIO part: SimGpio and POST /sim/gpio, GET /sim/state through Flask's test client."""

from __future__ import annotations

import doctest

import pytest
from flask import Flask

from firmware_sim import Simulator, SimulatorError
from firmware_sim.control import create_control_blueprint
import firmware_sim.gpio
from firmware_sim.gpio import SimGpio
from tests.support.net import wait_for

LAYOUT = {"service_door": {"pin": 4, "invert": True}, "tamper": 17, "power_fail": {"pin": 27, "pull_up": False},
          "led_green": 5, "led_red": {"pin": 13, "active_high": False}, "buzzer": 19}
RELAY_LOCKS = [{"relay": 20, "switch": 21}, {"relay": 22, "switch": 23}]


@pytest.fixture
def sim():
    simulator = Simulator(boards=1, spring_delay=0.02,
                          gpio=SimGpio(LAYOUT, relay_locks=RELAY_LOCKS, spring_delay=0.02))
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim):
    app = Flask("test")
    app.register_blueprint(create_control_blueprint(sim))
    return app.test_client()


def test_state_shows_every_pin_with_inputs_inactive_and_doors_shut(client):
    gpio = client.get("/sim/state").get_json()["gpio"]
    assert set(gpio) == {*LAYOUT, "relay_1", "switch_1", "relay_2", "switch_2"}
    assert gpio["tamper"] == {"pin": 17, "kind": "input", "value": True, "active": False}
    assert gpio["service_door"] == {"pin": 4, "kind": "input", "value": False, "active": False}
    assert gpio["power_fail"] == {"pin": 27, "kind": "input", "value": False, "active": False}
    assert gpio["led_red"] == {"pin": 13, "kind": "output", "value": False, "active": True}
    assert gpio["switch_1"]["active"] is True and gpio["relay_1"]["active"] is False


@pytest.mark.parametrize("value, level", [(True, True), (False, False), (1, True), (0, False)])
def test_post_gpio_drives_an_input(client, sim, value, level):
    answer = client.post("/sim/gpio", json={"name": "tamper", "value": value})
    assert answer.status_code == 200
    assert answer.get_json() == {"name": "tamper", "pin": 17, "kind": "input", "value": level, "active": not level}
    assert sim.gpio.factory.pin(17).state is level
    assert client.get("/sim/state").get_json()["gpio"]["tamper"]["value"] is level


@pytest.mark.parametrize("body, error", [
    ({"name": "doorbell", "value": True}, "unknown_pin"),
    ({"name": "led_green", "value": True}, "not_an_input"),
    ({"name": "relay_1", "value": 1}, "not_an_input"),
    ({"name": "tamper", "value": "high"}, "invalid_field"),
    ({"name": "tamper", "value": 2}, "invalid_field"),
    ({"name": "tamper", "value": 1.0}, "invalid_field"),
    ({"name": "tamper", "value": None}, "invalid_field"),
    ({"name": ["tamper"], "value": True}, "unknown_pin"),
    ({"name": {"a": 1}, "value": True}, "unknown_pin"),
    ({"value": True}, "missing_field"),
    ([1, 2], "invalid_json"),
])
def test_bad_gpio_requests_get_a_bilingual_400_and_change_nothing(client, sim, body, error):
    before = sim.gpio.state()
    answer = client.post("/sim/gpio", json=body)
    assert answer.status_code == 400
    payload = answer.get_json()
    assert payload["error"] == error and " / " in payload["message"]
    assert sim.gpio.state() == before


def test_outputs_set_by_a_driver_show_in_the_state(client, sim):
    from gpiozero import LED

    led = LED(5, pin_factory=sim.gpio.factory)
    try:
        led.on()
        assert client.get("/sim/state").get_json()["gpio"]["led_green"]["value"] is True
    finally:
        led.close()


def test_an_energised_relay_springs_its_door_open_and_a_close_shuts_it(client, sim):
    from gpiozero import DigitalOutputDevice

    relay = DigitalOutputDevice(20, pin_factory=sim.gpio.factory)
    try:
        relay.on(); relay.off()
        assert sim.gpio.lock_state(1)["latched"] is False
        assert wait_for(lambda: sim.gpio.lock_state(1)["door"] == "open")
        assert client.get("/sim/state").get_json()["gpio"]["switch_1"]["active"] is False
        answer = client.post("/sim/door", json={"board": 0, "lock": 1, "action": "close"})
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["door"] == "closed" and body["latched"] is True and body["forced"] is False
        assert sim.gpio.state()["switch_1"]["active"] is True
    finally:
        relay.close()


def test_a_jammed_relay_lock_stays_shut(sim):
    from gpiozero import DigitalOutputDevice

    sim.gpio.jam(2, count=1)
    relay = DigitalOutputDevice(22, pin_factory=sim.gpio.factory)
    try:
        relay.on(); relay.off()
        assert sim.gpio.lock_state(2)["latched"] is True and sim.gpio.lock_state(2)["jammed"] is False
        relay.on(); relay.off()                        # the jam used up, the next pulse works
        assert wait_for(lambda: sim.gpio.lock_state(2)["door"] == "open")
    finally:
        relay.close()


def test_forcing_a_relay_door_is_counted(client, sim):
    answer = client.post("/sim/door", json={"board": 0, "lock": 2, "action": "open"})
    assert answer.get_json()["forced"] is True and sim.gpio.forced_openings == 1
    bad = client.post("/sim/door", json={"board": 0, "lock": 3, "action": "open"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "unknown_lock"


def test_without_gpio_the_state_has_an_empty_gpio_part_and_board_doors_work():
    simulator = Simulator(boards=1)
    try:
        app = Flask("test")
        app.register_blueprint(create_control_blueprint(simulator))
        client = app.test_client()
        assert client.get("/sim/state").get_json()["gpio"] == {}
        assert client.post("/sim/gpio", json={"name": "tamper", "value": 1}).status_code == 400
        assert client.post("/sim/door", json={"board": 0, "lock": 1, "action": "open"}).get_json()["forced"] is True
    finally:
        simulator.close()


@pytest.mark.parametrize("layout, relay_locks, code", [
    ({"doorbell": 4}, (), "unknown_pin"),
    ({"tamper": 4, "presence": "GPIO4"}, (), "pin_in_use"),
    ({"tamper": 99}, (), "invalid_pin"),
    ({"tamper": {"pin": 4, "colour": 1}}, (), "invalid_field"),
    ({}, [{"relay": 20}], "invalid_field"),
    ({}, "20", "invalid_field"),
])
def test_bad_layouts_are_refused(layout, relay_locks, code):
    with pytest.raises(SimulatorError) as caught:
        SimGpio(layout, relay_locks=relay_locks)
    assert caught.value.code == code


def test_the_docstring_examples_run():
    assert doctest.testmod(firmware_sim.gpio).failed == 0


def test_inputs_can_be_set_by_their_meaning_whatever_the_wiring():
    from flask import Flask

    from firmware_sim.control import create_control_blueprint
    from firmware_sim.gpio import SimGpio
    from firmware_sim.simulator import Simulator

    sim = Simulator(boards=1, gpio=SimGpio({"power_fail": {"pin": 22, "pull_up": True},
                                            "tamper": {"pin": 4, "pull_up": False}}))
    try:
        app = Flask("t")
        app.register_blueprint(create_control_blueprint(sim))
        client = app.test_client()
        on = client.post("/sim/gpio", json={"name": "power_fail", "active": True}).get_json()
        assert on["active"] is True and on["value"] is False  # pulled up: active means low
        on = client.post("/sim/gpio", json={"name": "tamper", "active": True}).get_json()
        assert on["active"] is True and on["value"] is True
        bad = client.post("/sim/gpio", json={"name": "tamper", "active": "yes"})
        assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_field"
    finally:
        sim.close()

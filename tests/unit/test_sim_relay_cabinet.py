"""A simulated relay-lock cabinet: its options and its control API, without serving anything."""

from __future__ import annotations

import pytest
from flask import Flask

from firmware_sim.control import create_control_blueprint
from firmware_sim.faults import KINDS, PLUG_KINDS
from firmware_sim.gpio import SimGpio
from firmware_sim.layout import DEMO_GPIO
from firmware_sim.runner import SimulatorSetupError, run_standalone
from firmware_sim.simulator import Simulator, SimulatorError


RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}, {"relay": 18, "switch": 25}]


LINE_FAULTS = sorted(set(KINDS) - {"jam", "clear"})


def test_gpio_none_is_refused_with_a_bilingual_message():
    printed: list[str] = []
    with pytest.raises(SimulatorSetupError) as caught:
        run_standalone(board_type="gpio-relay", gpio="none", scanner="tcp://127.0.0.1:0", control="127.0.0.1:0",
                       out=printed.append)
    assert caught.value.code == "gpio_required" and printed == []
    vietnamese, english = str(caught.value).split(" / ", 1)
    assert "GPIO" in vietnamese and "--gpio none" in english


def test_relay_pins_on_the_demo_gpio_pins_are_refused():
    with pytest.raises(SimulatorSetupError) as caught:
        run_standalone(board_type="gpio-relay", gpio="tcp://127.0.0.1:0", scanner="tcp://127.0.0.1:0",
                       control="127.0.0.1:0", relay_locks=[{"relay": DEMO_GPIO["buzzer"], "switch": 21}],
                       out=lambda line: None)
    assert caught.value.code == "pin_in_use"


def test_a_relay_cabinet_needs_relay_locks_and_has_no_bus():
    with pytest.raises(SimulatorError) as caught:
        Simulator(board_type="gpio-relay", gpio=SimGpio(DEMO_GPIO))
    assert caught.value.code == "no_relay_locks"
    sim = Simulator(board_type="gpio-relay", gpio=SimGpio(relay_locks=RELAYS))
    try:
        with pytest.raises(SimulatorError) as caught:
            sim.serve_bus("tcp")
        assert caught.value.code == "no_bus" and sim.plugged("bus")
    finally:
        sim.close()


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


@pytest.mark.parametrize("path, body, code", [
    ("/sim/door", {"board": 1, "lock": 1, "action": "open"}, "unknown_board"),
    ("/sim/door", {"board": 0, "lock": 4, "action": "open"}, "unknown_lock"),
    ("/sim/door", {"board": 0, "lock": 1, "action": "slam"}, "unknown_action"),
    ("/sim/item", {"board": 0, "lock": 1, "present": True}, "no_item_sensor"),
    ("/sim/item", {"board": 0, "lock": 9, "present": True}, "unknown_lock"),
    ("/sim/fault", {"kind": "jam", "board": 2}, "unknown_board"),
    ("/sim/fault", {"kind": "jam", "lock": 1}, "unknown_lock"),
])
def test_bad_requests_change_nothing(client, sim, path, body, code):
    before = sim.state()
    response = client.post(path, json=body)
    assert response.status_code == 400 and response.get_json()["error"] == code
    assert " / " in response.get_json()["message"]
    assert sim.state() == before and sim.faults_active() == []


@pytest.mark.parametrize("kind", LINE_FAULTS)
def test_line_faults_have_no_meaning_for_relay_locks(client, sim, kind):
    for board in (None, 0):
        response = client.post("/sim/fault", json={"kind": kind, "board": board})
        assert response.status_code == 400, (kind, board)
        body = response.get_json()
        assert body["error"] in ("not_for_relay_locks", "invalid_field"), body
        if kind not in PLUG_KINDS or board is None:
            vietnamese, english = body["message"].split(" / ", 1)
            assert body["error"] == "not_for_relay_locks" and kind in english and "rơ-le" in vietnamese
    assert sim.faults_active() == [] and sim.plugged("bus") and sim.plugged("scanner")


def test_index_counts_the_relay_board_and_offers_only_relay_faults(client):
    body = client.get("/sim/").get_json()
    assert body["simulator"] == "gpio-relay" and body["boards"] == 1
    assert body["fault_kinds"] == ["jam", "clear", "unplug", "replug"]

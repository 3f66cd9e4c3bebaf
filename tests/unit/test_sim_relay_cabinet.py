"""``locker sim --board-type gpio-relay``: a cabinet of relay locks on GPIO pins, no
RS485 board and no lock bus, whose printed locker.toml snippet the service accepts
and whose control API shows the relay locks as board 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from drivers.pin_factories import open_pin_factory
from firmware_sim.control import create_control_blueprint
from firmware_sim.faults import KINDS, PLUG_KINDS
from firmware_sim.gpio import SimGpio
from firmware_sim.layout import DEMO_GPIO, DEMO_RELAY_LOCKS
from firmware_sim.runner import SimulatorSetupError, run_standalone
from firmware_sim.simulator import Simulator, SimulatorError
from locker.config import load_config
from tests.support.net import wait_for

ROOT = Path(__file__).resolve().parents[2]
LOCKER = Path(sys.executable).with_name("locker")
RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}, {"relay": 18, "switch": 25}]
LOCK_KEYS = {"lock", "door", "latched", "item", "jammed", "pulses"}
LINE_FAULTS = sorted(set(KINDS) - {"jam", "clear"})


def start_sim(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(LOCKER), "sim", "--board-type", "gpio-relay", "--scanner", "tcp://127.0.0.1:0",
                             "--gpio", "tcp://127.0.0.1:0", "--control", "127.0.0.1:0", *args],
                            cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def read_announcement(proc: subprocess.Popen, locks: int, timeout: float = 20) -> tuple[str, str]:
    """(everything printed before the snippet, the snippet), once ``locks`` compartments are printed."""
    deadline, seen = time.monotonic() + timeout, ""
    while seen.count("\nsize = ") < locks and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    head, _, snippet = seen.partition("Paste into locker.toml:\n")
    assert snippet.count("\nsize = ") == locks, seen
    return head, snippet


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()


def service_config(tmp_path: Path, snippet: str):
    path = tmp_path / "service.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "l.db"}"\n\n{snippet}', encoding="utf-8")
    return load_config(path)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.timeout(60)
def test_the_demo_relay_cabinet_snippet_is_accepted_and_its_relays_work(tmp_path):
    proc = start_sim(tmp_path, "--boards", "3", "--serial", "pty")  # neither applies to relay locks
    try:
        head, snippet = read_announcement(proc, len(DEMO_RELAY_LOCKS))
        assert "RS485" not in head and "Relay locks (GPIO): 6" in head
        config = service_config(tmp_path, snippet)
        [bus] = config.buses
        assert (bus.protocol, bus.url, bus.relay_locks) == ("gpio-relay", "", DEMO_RELAY_LOCKS)
        assert [(c.board, c.lock, c.size) for c in config.compartments] == [
            (0, n, size) for n, size in enumerate("SSMMLL", start=1)]
        assert {key: value for key, value in config.gpio.items()} == DEMO_GPIO
        control = next(word for word in head.split() if word.endswith("/sim/state")).removesuffix("/state")
        [board] = get_json(control + "/state")["boards"]
        assert board["address"] == 0 and [lock["lock"] for lock in board["locks"]] == [1, 2, 3, 4, 5, 6]
        assert all(set(lock) == LOCK_KEYS | {"label"} and lock["pulses"] == 0 for lock in board["locks"])

        factory = open_pin_factory(config.gpio_pin_factory)  # what the service's RelayLockBus drives
        try:
            factory.connection.write(DEMO_RELAY_LOCKS[2]["relay"], 1)
            factory.connection.write(DEMO_RELAY_LOCKS[2]["relay"], 0)
        finally:
            factory.close()
        locks = wait_for(lambda: [lk for lk in get_json(control + "/state")["boards"][0]["locks"]
                                  if lk["door"] == "open"], message="lock 3 sprang open")
        assert [(lk["lock"], lk["pulses"], lk["label"]) for lk in locks] == [(3, 1, "A03")]
        assert get_json(control + "/frames") == []
    finally:
        stop(proc)


@pytest.mark.timeout(60)
def test_relay_locks_come_from_the_config_file(tmp_path):
    locks = [{"relay": 20, "switch": 21, "pull_up": False}, {"relay": 12, "switch": 16}]
    given = tmp_path / "locker.toml"
    given.write_text('[bus]\nprotocol = "gpio-relay"\nrelay_locks = [{ relay = 20, switch = 21, pull_up = false },'
                     ' { relay = 12, switch = 16 }]\n\n[gpio]\ntamper = 4\n', encoding="utf-8")
    proc = start_sim(tmp_path, "--config", str(given))
    try:
        _, snippet = read_announcement(proc, len(locks))
        config = service_config(tmp_path, snippet)
        assert config.buses[0].relay_locks == tuple(locks) and config.gpio == {"tamper": 4}
        assert [c.label for c in config.compartments] == ["A01", "A02"]
    finally:
        stop(proc)


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


def test_index_counts_the_relay_board_and_offers_only_relay_faults(client):
    body = client.get("/sim/").get_json()
    assert body["simulator"] == "gpio-relay" and body["boards"] == 1
    assert body["fault_kinds"] == ["jam", "clear", "unplug", "replug"]

"""The simulator's transport and power faults, seeded replay, and their bad input."""

from __future__ import annotations

import os
import time

import pytest
import serial

from firmware_sim.control import create_control_app
from firmware_sim.simulator import Simulator, SimulatorError
from tests.support.kerong import read_cmd, unlock_cmd
from tests.support.net import wait_for

TRANSPORTS = ("tcp", "pty", "inprocess")


def answers(port, request: bytes, wait: float = 0.3) -> bytes:
    port.reset_input_buffer()
    port.write(request)
    port.timeout = wait
    return port.read(9)


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, seed=5, spring_delay=0.2)
    yield simulator
    simulator.close()


def open_port(url: str):
    return serial.serial_for_url(url, timeout=0.3)


# ---- unplug and replug -----------------------------------------------------------------

@pytest.mark.parametrize("kind", TRANSPORTS)
def test_unplug_kills_the_open_port_and_replug_serves_the_same_url(sim, kind):
    url = sim.serve_bus(kind)
    port = open_port(url)
    assert len(answers(port, read_cmd(0))) == 9

    sim.fault("unplug")
    assert not sim.plugged("bus") and sim.plugged("scanner")
    assert {"kind": "unplug", "target": "bus", "board": None, "lock": None, "count": 0} in sim.faults_active()
    with pytest.raises(serial.SerialException):
        for _ in range(3):  # TCP may accept one write into the dead socket; the read then fails
            port.write(read_cmd(0))
            port.read(9)
    port.close()
    with pytest.raises(serial.SerialException):
        open_port(url)
    if kind == "pty":
        assert not os.path.exists(url)

    sim.fault("replug")
    assert sim.plugged("bus") and sim.faults_active() == []
    again = open_port(url)
    try:
        assert answers(again, read_cmd(1))[1] == 0x10
    finally:
        again.close()


@pytest.mark.parametrize("kind", ("pty", "inprocess"))
def test_a_port_opened_before_the_unplug_stays_dead_after_replug(sim, kind):
    url = sim.serve_bus(kind)
    port = open_port(url)
    sim.fault("unplug")
    sim.fault("replug")
    with pytest.raises(serial.SerialException):
        port.write(read_cmd(0))
        port.read(9)
    port.close()


def test_pty_url_is_a_stable_link_to_the_current_pty(sim):
    url = sim.serve_bus("pty")
    assert os.path.islink(url) and os.path.realpath(url).startswith("/dev/pts/")
    sim.fault("unplug")
    sim.fault("replug")
    assert os.path.islink(url) and os.path.realpath(url).startswith("/dev/pts/")
    sim.close()
    assert not os.path.exists(os.path.dirname(url))


def test_unplug_and_replug_are_idempotent_and_clear_replugs(sim):
    url = sim.serve_bus("inprocess")
    sim.fault("replug")  # already plugged in: nothing happens
    sim.fault("unplug")
    sim.fault("unplug")
    sim.fault("clear")
    assert sim.plugged("bus")
    port = open_port(url)
    try:
        assert len(answers(port, read_cmd(0))) == 9
    finally:
        port.close()


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_scanner_unplug_leaves_the_bus_alone(sim, kind):
    bus = open_port(sim.serve_bus(kind))
    scanner_url = sim.serve_scanner(kind)
    scanner = open_port(scanner_url)
    try:
        sim.fault("unplug", target="scanner")
        assert sim.plugged("bus") and not sim.plugged("scanner")
        assert len(answers(bus, read_cmd(0))) == 9
        with pytest.raises(serial.SerialException):
            for _ in range(3):
                scanner.write(b"x")
                scanner.read(1)
        sim.fault("replug", target="scanner")
        fresh = open_port(scanner_url)
        sim.scan("HS-2024-000123")
        assert fresh.read(16) == b"HS-2024-000123\r\n"
        fresh.close()
    finally:
        bus.close()
        scanner.close()


# ---- power ------------------------------------------------------------------------------

def test_power_failure_silences_every_board_and_every_latch_holds(sim):
    port = open_port(sim.serve_bus("inprocess"))
    sim.fault("power_failure")
    for board in (0, 1):
        assert answers(port, read_cmd(board), wait=0.05) == b""
    assert answers(port, unlock_cmd(1, 3), wait=0.05) == b""
    assert sim.lock_state(1, 3)["latched"] is True
    sim.fault("power_restore")
    assert answers(port, unlock_cmd(1, 3))[1] == 0x10
    assert sim.lock_state(1, 3)["latched"] is False
    port.close()


def test_power_failure_drops_the_pulse_in_progress_but_not_open_doors(sim):
    port = open_port(sim.serve_bus("inprocess"))
    sim.door(0, 1, "open")
    assert len(answers(port, unlock_cmd(0, 2))) == 9  # the door springs open 0.2 s later
    sim.fault("power_failure", board=0)
    assert sim.lock_state(0, 2)["latched"] is True
    time.sleep(0.25)
    assert sim.lock_state(0, 2)["door"] == "closed"
    assert sim.lock_state(0, 1)["door"] == "open"
    assert len(answers(port, read_cmd(1))) == 9  # board 1 still has power
    port.close()


def test_power_restore_of_one_board_and_count_limited_power_failure(sim):
    port = open_port(sim.serve_bus("inprocess"))
    sim.fault("power_failure", board=0)
    sim.fault("power_failure", board=1)
    sim.fault("power_restore", board=1)
    assert [f["board"] for f in sim.faults_active()] == [0]
    assert len(answers(port, read_cmd(1))) == 9
    sim.fault("clear")
    sim.fault("power_failure", count=2)  # dark for two frames, then power comes back
    assert answers(port, read_cmd(0), wait=0.05) == b""
    assert answers(port, read_cmd(1), wait=0.05) == b""
    assert len(answers(port, read_cmd(0))) == 9
    assert sim.faults_active() == []
    port.close()


def test_a_door_left_open_stays_open_until_closed(sim):
    port = open_port(sim.serve_bus("inprocess"))
    assert len(answers(port, unlock_cmd(0, 7))) == 9
    assert wait_for(lambda: sim.lock_state(0, 7)["door"] == "open", timeout=3.0)
    time.sleep(0.3)
    reply = answers(port, read_cmd(0))
    assert not reply[3] & 0x40  # lock 7 still reads released
    sim.door(0, 7, "close")
    assert answers(port, read_cmd(0))[3] & 0x40
    port.close()


# ---- seeded replay ----------------------------------------------------------------------

def seeded_run(seed: int) -> list[tuple[str, str]]:
    simulator = Simulator(boards=2, seed=seed, spring_delay=0.0)
    port = open_port(simulator.serve_bus("inprocess"))
    try:
        for kind in ("junk", "drop_bytes", "bad_checksum", "junk", "drop_bytes"):
            simulator.fault(kind, board=1, count=1)
            answers(port, read_cmd(1), wait=0.05)
            answers(port, unlock_cmd(0, 4), wait=0.05)
        return [(f["dir"], f["hex"]) for f in simulator.frames()]
    finally:
        port.close()
        simulator.close()


def test_a_seeded_run_replays_byte_for_byte():
    first, again, other = seeded_run(42), seeded_run(42), seeded_run(43)
    assert first == again
    assert len(first) == 20
    assert first != other


# ---- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    dict(kind="unplug", board=0),
    dict(kind="replug", count=3),
    dict(kind="power_restore", count=1),
    dict(kind="unplug", target="printer"),
    dict(kind="unplug", target=["bus"]),
    dict(kind="jam", board=0, target="scanner"),
    dict(kind="power_failure", board=9),
])
def test_bad_fault_input_is_refused_and_changes_nothing(sim, call):
    sim.serve_bus("inprocess")
    sim.fault("offline", board=1)
    before = sim.faults_active()
    with pytest.raises(SimulatorError) as raised:
        sim.fault(**call)
    assert raised.value.code in ("invalid_field", "unknown_board")
    assert sim.faults_active() == before and sim.plugged("bus")


def test_control_api_speaks_the_new_kinds(sim):
    sim.serve_bus("inprocess")
    sim.serve_scanner("inprocess")
    client = create_control_app(sim).test_client()
    kinds = client.get("/sim/").get_json()["fault_kinds"]
    assert {"unplug", "replug", "power_failure", "power_restore"} <= set(kinds)
    body = client.post("/sim/fault", json={"kind": "unplug", "target": "scanner"}).get_json()
    assert body == {"faults": [{"kind": "unplug", "target": "scanner", "board": None, "lock": None, "count": 0}]}
    wrong = client.post("/sim/fault", json={"kind": "unplug", "board": 1})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_field"
    assert client.post("/sim/fault", json={"kind": "power_failure", "board": 0}).status_code == 200
    assert client.post("/sim/fault", json={"kind": "clear"}).get_json() == {"faults": []}
    assert sim.plugged("scanner")


# ---- faults armed for the next unlock frame (the fault matrix's "unlock answer" step) -------

def test_a_fault_armed_for_unlock_frames_spares_reads_and_strikes_the_unlock(sim):
    port = open_port(sim.serve_bus("inprocess"))
    sim.fault("lost_reply", count=1, frames="unlock")
    assert sim.faults_active() == [{"kind": "lost_reply", "board": None, "lock": None, "count": 1, "frames": "unlock"}]
    assert len(answers(port, read_cmd(1))) == 9 and len(answers(port, read_cmd(0))) == 9
    assert answers(port, unlock_cmd(0, 3)) == b""  # the board acted; its answer is lost
    assert sim.lock_state(0, 3)["latched"] is False
    assert sim.faults_active() == []
    assert len(answers(port, read_cmd(0))) == 9


def test_no_reply_armed_for_an_unlock_ignores_it_and_then_everything(sim):
    port = open_port(sim.serve_bus("inprocess"))
    sim.fault("no_reply", board=1, frames="unlock")
    assert answers(port, unlock_cmd(0, 2)) != b""  # another board's unlock does not wake it
    assert len(answers(port, read_cmd(1))) == 9
    assert answers(port, unlock_cmd(1, 2)) == b""
    assert sim.lock_state(1, 2)["latched"] is True  # ignored: no pulse
    assert answers(port, read_cmd(1)) == b""  # and from then on, until cleared
    sim.fault("clear")
    assert len(answers(port, read_cmd(1))) == 9


def test_frames_is_only_for_line_faults(sim):
    for kind, frames in (("jam", "unlock"), ("unplug", "unlock"), ("offline", "reads")):
        with pytest.raises(SimulatorError) as refused:
            sim.fault(kind, frames=frames)
        assert refused.value.code == "invalid_field"
    assert sim.faults_active() == []

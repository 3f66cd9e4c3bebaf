"""Evidence of opening, and an unreadable answer as an unknown outcome (issue 8, points 2-3).

The scenario to kill: a status answer with a bad checksum blinds the bus; the
person opens and closes the door inside that window; the driver sees the engaged
latch, takes it for a jam and pulses again, and the door springs open with the
dossier inside. Against the in-process simulator with its fault injection.
"""

from __future__ import annotations

import time

import pytest

from drivers.bus import LockBusDriver
from drivers.events import BoardOffline, ItemSensed, LatchChanged, UnlockDone
from firmware_sim.framelog import HOST_TO_BOARD
from firmware_sim.simulator import Simulator
from tests.support.kerong import read_cmd, unlock_cmd
from tests.support.net import wait_for


def host_frames(sim: Simulator, after: int, frame: bytes) -> list[dict]:
    wanted = frame.hex(" ").upper()
    return [f for f in sim.frames(after=after) if f["dir"] == HOST_TO_BOARD and f["hex"] == wanted]


@pytest.fixture
def sim():
    simulator = Simulator(boards=1, spring_delay=0.0, seed=7)
    yield simulator
    simulator.close()


def start_driver(sim: Simulator, events: list, **options) -> LockBusDriver:
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), boards=[0], listener=events.append, **options)
    driver.start()
    wait_for(lambda: driver.online(0), timeout=5, interval=0.01, message="board 0 online")
    return driver


def open_and_shut_while_blind(sim: Simulator, *, put_item: bool) -> None:
    """The person at the door: it springs open, (a dossier goes in,) it is shut again."""
    wait_for(lambda: sim.state()["boards"][0]["locks"][0]["door"] == "open", timeout=5, interval=0.002,
             message="the door springs open")
    if put_item:
        sim.item(0, 1, True)
    sim.door(0, 1, "close")


@pytest.mark.parametrize("item_sensors", [True, False])
def test_a_door_opened_and_shut_in_a_burst_of_bad_checksums_is_pulsed_once(sim, item_sensors):
    events: list = []
    driver = start_driver(sim, events, open_timeout=1.2, item_sensors=item_sensors)
    try:
        first = sim.log.last_n
        sim.fault("bad_checksum", board=0)  # every answer of board 0, the unlock's included
        outcome = driver.unlock(0, 1)
        open_and_shut_while_blind(sim, put_item=True)
        sim.fault("clear")
        result = outcome.result(timeout=5)
        time.sleep(0.8)  # well past the moment a resend used to go (pulse + poll interval)
        assert len(host_frames(sim, first, unlock_cmd(0, 1))) == 1
    finally:
        driver.stop()
    if item_sensors:  # the dossier appeared: proof that the door opened, and it is shut again
        assert result == "released"
        tail = [e for e in events if isinstance(e, (ItemSensed, UnlockDone, LatchChanged)) and e.lock == 1]
        assert tail[-3:] == [ItemSensed(0, 1, True), UnlockDone(0, 1, "released"), LatchChanged(0, 1, True)]
    else:  # no proof either way, and answers were lost: unknown, never a jam
        assert result == "unknown"


def test_a_latch_seen_engaged_on_every_answer_still_earns_its_one_resend(sim):
    events: list = []
    driver = start_driver(sim, events, open_timeout=1.2)
    try:
        first = sim.log.last_n
        sim.fault("jam", board=0, lock=1, count=1)  # the first pulse fails, the second works
        assert driver.unlock(0, 1).result(timeout=5) == "released"
        assert len(host_frames(sim, first, unlock_cmd(0, 1))) == 2
    finally:
        driver.stop()


def test_an_item_change_alone_is_proof_of_opening(sim):
    events: list = []
    driver = start_driver(sim, events, open_timeout=1.2)
    try:
        sim.fault("bad_checksum", board=0)
        outcome = driver.unlock(0, 1)
        open_and_shut_while_blind(sim, put_item=True)
        sim.fault("clear")
        assert outcome.result(timeout=5) == "released"
    finally:
        driver.stop()
    assert not [e for e in events if isinstance(e, LatchChanged) and e.lock == 1 and not e.latched]


@pytest.mark.parametrize("kind", ["bad_checksum", "drop_bytes"])
def test_an_unreadable_answer_costs_the_line_not_the_answer_timeout(sim, kind):
    events: list = []
    driver = start_driver(sim, events, answer_timeout=5.0, poll_interval=30.0)
    try:
        first = sim.log.last_n
        sim.fault(kind, board=0, count=1)
        started = time.monotonic()
        status = driver.read_all(timeout=10)[0]
        elapsed = time.monotonic() - started
        assert status is not None and elapsed < 2.5, elapsed  # waiting out the answer would take 5 s
        assert len(host_frames(sim, first, read_cmd(0))) == 2  # read again, once
        errors = driver.stats()[0]["errors"]
        assert errors["checksum"] + errors["frame"] + errors["junk"] >= 1 and errors["no_answer"] == 0
    finally:
        driver.stop()


def test_quick_rereads_of_a_noisy_board_do_not_take_it_offline_sooner(sim):
    events: list = []
    driver = start_driver(sim, events, poll_interval=0.1, answer_timeout=0.3, offline_after=3)
    try:
        started = time.monotonic()
        sim.fault("bad_checksum", board=0)
        wait_for(lambda: BoardOffline(0) in events, timeout=5, interval=0.005, message="offline")
        # no sooner than three polls missing their answers would: two gaps of 0.3 s + 0.1 s
        assert time.monotonic() - started >= 0.8 - 0.02
    finally:
        driver.stop()

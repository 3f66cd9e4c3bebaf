"""An unlock whose answer never comes is an unknown outcome: read, never resend.

The fault matrix once saw, under heavy load, a second unlock frame after the unlock's
answer was lost: the next read of the board happened to succeed, showed the latch
engaged, and the driver took that for a jam and pulsed again. Whether the board
acted on the frame cannot be told from a latch read (the door may have opened and
shut meanwhile), so a lost answer ends the resend for good. Deterministic: the
fault swallows exactly the unlock frame and every later read is answered.
"""

from __future__ import annotations

import time

import pytest

from drivers.bus import LockBusDriver
from firmware_sim.framelog import HOST_TO_BOARD
from firmware_sim.simulator import Simulator
from tests.support.kerong import read_cmd, unlock_cmd
from tests.support.net import wait_for

OPEN_TIMEOUT = 1.2
#: When the driver used to resend: the pulse time plus one poll interval after the pulse.
RESEND_WAS_DUE = 0.5 + 0.15


@pytest.fixture
def sim():
    simulator = Simulator(boards=1, spring_delay=0.0, seed=5)
    yield simulator
    simulator.close()


def start_driver(sim: Simulator, **options) -> LockBusDriver:
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), boards=[0], listener=lambda event: None,
                           open_timeout=OPEN_TIMEOUT, **options)
    driver.start()
    wait_for(lambda: driver.online(0), timeout=5, interval=0.01, message="board 0 online")
    return driver


def unlock_frames(sim: Simulator, after: int, lock: int) -> list[dict]:
    wanted = unlock_cmd(0, lock).hex(" ").upper()
    return [f for f in sim.frames(after=after) if f["dir"] == HOST_TO_BOARD and f["hex"] == wanted]


def reads_after(sim: Simulator, after: int) -> int:
    wanted = read_cmd(0).hex(" ").upper()
    return sum(1 for f in sim.frames(after=after) if f["dir"] == HOST_TO_BOARD and f["hex"] == wanted)


@pytest.mark.parametrize("kind", ["no_reply", "offline", "power_failure"])
def test_an_unlock_frame_the_board_never_answered_is_not_pulsed_again(sim, kind):
    driver = start_driver(sim)
    try:
        first = sim.log.last_n
        sim.fault(kind, board=0, count=1, frames="unlock")  # only the unlock frame is lost
        outcome = driver.unlock(0, 1)
        assert outcome.result(timeout=OPEN_TIMEOUT + 3) == "unknown"
        time.sleep(RESEND_WAS_DUE)  # nothing is pulsed after the end either
        assert len(unlock_frames(sim, first, 1)) == 1
        assert reads_after(sim, first) >= 3  # the board answered reads all along: latch engaged
        assert sim.lock_state(0, 1)["door"] == "closed"
    finally:
        driver.stop()


def test_the_resend_rule_does_not_depend_on_how_fast_the_reads_come(sim):
    """The reads that follow the lost answer come as soon as the line allows: still one pulse."""
    driver = start_driver(sim, poll_interval=0.02)
    try:
        first = sim.log.last_n
        sim.fault("no_reply", board=0, count=1, frames="unlock")
        assert driver.unlock(0, 2).result(timeout=OPEN_TIMEOUT + 3) == "unknown"
        assert len(unlock_frames(sim, first, 2)) == 1
    finally:
        driver.stop()


@pytest.mark.parametrize("kind", ["lost_reply", "slow"])
def test_a_lost_or_late_answer_of_a_pulse_that_worked_is_read_as_released(sim, kind):
    driver = start_driver(sim)
    try:
        first = sim.log.last_n
        sim.fault(kind, board=0, count=1, frames="unlock")
        assert driver.unlock(0, 3).result(timeout=OPEN_TIMEOUT + 3) == "released"
        assert len(unlock_frames(sim, first, 3)) == 1
    finally:
        driver.stop()


def test_an_answered_unlock_whose_latch_stays_engaged_still_earns_its_one_resend(sim):
    driver = start_driver(sim)
    try:
        first = sim.log.last_n
        sim.fault("jam", board=0, lock=4, count=1)  # answered, latch engaged: the first pulse failed
        assert driver.unlock(0, 4).result(timeout=OPEN_TIMEOUT + 3) == "released"
        assert len(unlock_frames(sim, first, 4)) == 2
    finally:
        driver.stop()

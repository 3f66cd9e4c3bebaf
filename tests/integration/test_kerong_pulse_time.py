"""Kerong CU16 ``0x37`` (set unlock pulse time): the frame, the setting, the driver, the simulator."""

from __future__ import annotations

import time

import pytest
import serial

from drivers.bus import LockBusDriver
from drivers.events import BoardOffline, BoardOnline, UnlockDone
from firmware_sim import Simulator
from tests.support.kerong import cu16_frame, pulse_frame
from tests.support.net import wait_for
from tests.support.recorder import Recorder


# ---- the driver against the simulator ---------------------------------------------


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, spring_delay=0.0, slow_delay=0.15)
    yield simulator
    simulator.close()


def start_bus(sim: Simulator, heard: Recorder, **options) -> LockBusDriver:
    defaults = dict(boards=[0, 1], listener=heard, answer_timeout=0.1, poll_interval=0.02, offline_after=2)
    bus = LockBusDriver(url=sim.serve_bus("inprocess"), **{**defaults, **options})
    bus.start()
    return bus


def sent(sim: Simulator, frame: bytes) -> int:
    wanted = frame.hex(" ").upper()
    return sum(1 for entry in sim.frames() if entry["dir"] == "host>board" and entry["hex"] == wanted)


def board_pulse_ms(sim: Simulator, board: int) -> int:
    return next(entry["pulse_ms"] for entry in sim.state()["boards"] if entry["address"] == board)


def test_the_simulated_board_starts_at_500_ms(sim):
    assert [entry["pulse_ms"] for entry in sim.state()["boards"]] == [500, 500]


def test_each_board_is_set_once_when_it_comes_online_and_again_when_it_comes_back(sim):
    heard = Recorder()
    bus = start_bus(sim, heard, pulse_ms_on_board=1000)
    try:
        wait_for(lambda: all(board["setups"] == 1 for board in bus.stats().values()),
                 timeout=5, interval=0.01, message="both boards set up")
        assert board_pulse_ms(sim, 0) == 1000 and board_pulse_ms(sim, 1) == 1000
        wait_for(lambda: heard.count(BoardOnline(1)) == 1, timeout=5, interval=0.01)
        polls = sent(sim, cu16_frame(0x10, 0x30))
        wait_for(lambda: sent(sim, cu16_frame(0x10, 0x30)) >= polls + 5, timeout=5, interval=0.01)
        assert sent(sim, pulse_frame(0, 100)) == 1 and sent(sim, pulse_frame(1, 100)) == 1
        assert bus.stats()[0]["setups"] == 1 and bus.stats()[1]["setups"] == 1

        sim.fault("offline", board=1)
        wait_for(lambda: heard.count(BoardOffline(1)) == 1, timeout=5, interval=0.01)
        sim.cabinet.set_pulse_ms(1, 500)  # the board lost its setting while it was off
        sim.fault("clear")
        wait_for(lambda: board_pulse_ms(sim, 1) == 1000, timeout=5, interval=0.01, message="board 1 set again")
        wait_for(lambda: bus.stats()[1]["setups"] == 2, timeout=5, interval=0.01)
        assert sent(sim, pulse_frame(1, 100)) == 2 and sent(sim, pulse_frame(0, 100)) == 1
        assert heard.count(BoardOnline(1)) == 2 and heard.count(BoardOffline(0)) == 0
        assert bus.stats()[1]["setups"] == 2 and bus.stats()[0]["setups"] == 1
    finally:
        bus.stop()


def test_nothing_is_sent_when_set_pulse_time_is_off(sim):
    heard = Recorder()
    bus = start_bus(sim, heard)
    try:
        assert all(status is not None for status in bus.read_all(timeout=5).values())
        wait_for(lambda: sent(sim, cu16_frame(0x10, 0x30)) >= 5, timeout=5, interval=0.01)
        commands = {bytes.fromhex(entry["hex"])[2] for entry in sim.frames() if entry["dir"] == "host>board"}
        assert commands == {0x30}
        assert [board_pulse_ms(sim, 0), board_pulse_ms(sim, 1)] == [500, 500]
        assert bus.stats()[0]["setups"] == 0
    finally:
        bus.stop()


class HookedPort:
    """A real simulator port that calls ``on_setup(frame)`` just before a ``0x37`` frame goes out."""

    def __init__(self, port, on_setup) -> None:
        self._port = port
        self._on_setup = on_setup

    def write(self, data: bytes) -> int:
        if len(data) == 7 and data[2] == 0x37:
            self._on_setup(bytes(data))
        return self._port.write(data)

    def __getattr__(self, name):
        return getattr(self._port, name)


def hooked_bus(sim: Simulator, heard: Recorder, on_setup, **options) -> LockBusDriver:
    return start_bus(sim, heard, boards=[0], pulse_ms_on_board=800,
                     serial_for_url=lambda url, **kw: HookedPort(serial.serial_for_url(url, **kw), on_setup),
                     **options)


@pytest.mark.parametrize("trouble", ["lost_reply", "bad_checksum", "drop_bytes", "junk", "slow"])
def test_an_unlock_queued_during_setup_goes_out_soon_whatever_the_board_answers(sim, trouble):
    heard = Recorder()
    queued: list = []
    bus: LockBusDriver | None = None

    def on_setup(frame: bytes) -> None:
        sim.fault(trouble, board=0, count=1)
        queued.append((time.monotonic(), bus.unlock(0, 3)))

    bus = hooked_bus(sim, heard, on_setup)
    try:
        wait_for(lambda: queued, timeout=5, interval=0.01, message="the setup frame")
        queued_at, future = queued[0]
        assert future.result(timeout=5) == "released"
        fired = next(entry for entry in sim.frames() if entry["hex"] == cu16_frame(0x02, 0x31).hex(" ").upper())
        assert fired["t_ns"] / 1e9 - queued_at < bus.answer_timeout + 0.2
        assert sim.lock_state(0, 3)["door"] == "open"
        assert board_pulse_ms(sim, 0) == 800
        assert heard.count(UnlockDone(0, 3, "released")) == 1 and heard.count(BoardOffline(0)) == 0
        assert bus.online(0) and sent(sim, pulse_frame(0, 80)) == 1
    finally:
        bus.stop()


def test_a_board_that_never_answers_the_setup_is_still_polled_and_unlocked(sim):
    heard = Recorder()
    bus = hooked_bus(sim, heard, lambda frame: sim.fault("no_reply", board=0, count=1))
    try:
        wait_for(lambda: bus.stats()[0]["setups"] == 1, timeout=5, interval=0.01)
        assert bus.unlock(0, 5).result(timeout=5) == "released"
        assert board_pulse_ms(sim, 0) == 500  # the board ignored the frame: nothing is resent
        assert bus.online(0) and bus.stats()[0]["errors"]["no_answer"] == 0
        assert sent(sim, pulse_frame(0, 80)) == 1
    finally:
        bus.stop()


# ---- the simulated firmware ---------------------------------------------------------


def test_malformed_pulse_frames_change_nothing_and_get_no_answer(sim):
    port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=0.1)
    try:
        good = pulse_frame(1, 120)
        for bad in (good[:-1] + bytes([good[-1] ^ 0xFF]),        # checksum
                    good[:5] + b"\x04" + good[6:],                # trailer
                    pulse_frame(1, 0),                            # zero length
                    cu16_frame(0x10, 0x37)):                      # no data bytes
            port.reset_input_buffer()
            port.write(bad)
            time.sleep(0.06)  # longer than the line's 50 ms frame gap: a partial frame is dropped
            assert port.read(9) == b"" and board_pulse_ms(sim, 1) == 500
        port.write(good)
        answer = port.read(9)
        assert answer[:3] == bytes([0x02, 0x10, 0x35]) and answer[-1] == sum(answer[:-1]) & 0xFF
        assert board_pulse_ms(sim, 1) == 1200 and board_pulse_ms(sim, 0) == 500
    finally:
        port.close()


def test_other_families_show_no_pulse_time():
    simulator = Simulator(boards=1, board_type="8a")
    try:
        assert "pulse_ms" not in simulator.state()["boards"][0]
    finally:
        simulator.close()

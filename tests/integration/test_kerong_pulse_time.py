"""Kerong CU16 ``0x37`` (set unlock pulse time): the frame, the setting, the driver, the simulator."""

from __future__ import annotations

import threading
import time

import pytest
import serial

from api.hardware import DriverLockBus
from drivers.bus import LockBusDriver
from drivers.events import BoardOffline, BoardOnline, UnlockDone
from drivers.kerong import KerongFrameDecoder
from drivers.protocol import get_protocol
from firmware_sim import Simulator
from locker.config import config_from_dict
from locker.errors import ConfigError
from tests.support.net import wait_for


def cu16_frame(address: int, command: int, data: bytes = b"") -> bytes:
    """PROTOCOLS.md: ``02 ADDR CMD DATA 03 SUM``, SUM = sum of all preceding bytes & 0xFF."""
    body = bytes([0x02, address, command]) + data + bytes([0x03])
    return body + bytes([sum(body) & 0xFF])


def pulse_frame(board: int, units: int) -> bytes:
    return cu16_frame(board << 4, 0x37, bytes([units >> 8, units & 0xFF]))


# ---- the frame ----------------------------------------------------------------------


def test_board_0_500_ms_is_50_units_with_the_sum_checksum():
    frame = get_protocol("kerong-cu16").setup_frames(0, pulse_ms=500)
    assert frame == [bytes([0x02, 0x00, 0x37, 0x00, 0x32, 0x03, (0x02 + 0x37 + 0x32 + 0x03) & 0xFF])]
    assert frame[0].hex(" ") == "02 00 37 00 32 03 6e"


@pytest.mark.parametrize("board, pulse_ms, units", [
    (1, 1000, 100), (15, 10, 1), (9, 2560, 256), (3, 655350, 0xFFFF),
    (0, 504, 50), (0, 505, 51), (0, 15, 2), (0, 25, 3),  # rounded to the nearest 10 ms, halves up
])
def test_pulse_time_frames_follow_the_protocol(board, pulse_ms, units):
    frame = get_protocol("kerong-cu16").setup_frames(board, pulse_ms=pulse_ms)[0]
    assert frame == pulse_frame(board, units)
    assert len(frame) == 7 and frame[1] == board << 4
    assert KerongFrameDecoder().feed(b"\xff" + frame) == [frame]


@pytest.mark.parametrize("pulse_ms", [0, 4, -10, 655355, 10**9, 500.0, True, "500"])
def test_pulse_times_the_command_cannot_carry_are_refused(pulse_ms):
    with pytest.raises(ValueError):
        get_protocol("kerong-cu16").setup_frames(0, pulse_ms=pulse_ms)


@pytest.mark.parametrize("family", ["kerong-cu48", "8a", "winnsen"])
def test_other_families_have_no_setup_frames(family):
    protocol = get_protocol(family)
    assert protocol.sets_pulse_time is False
    assert protocol.setup_frames(protocol.board_addresses[0], pulse_ms=500) == []


def test_no_pulse_time_means_no_setup_frame():
    assert get_protocol("kerong-cu16").setup_frames(0) == []


# ---- the setting --------------------------------------------------------------------


def bus_config(bus: dict | list, env: dict | None = None):
    return config_from_dict({"bus": bus}, env=env or {})


def test_set_pulse_time_is_off_by_default():
    assert bus_config({"url": "loop://"}).bus.set_pulse_time is False


def test_set_pulse_time_on_a_kerong_cu16_bus():
    cfg = bus_config({"url": "loop://", "set_pulse_time": True, "pulse_ms": 1000})
    assert cfg.bus.set_pulse_time is True and cfg.bus.pulse_ms == 1000
    assert bus_config({"url": "loop://"}, env={"LOCKER_BUS_SET_PULSE_TIME": "yes"}).bus.set_pulse_time is True


@pytest.mark.parametrize("family", ["kerong-cu48", "8a", "winnsen", "gpio-relay"])
def test_set_pulse_time_on_a_family_without_the_command_names_the_key(family):
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "protocol": family, "set_pulse_time": True})
    assert caught.value.key == "bus.set_pulse_time"


def test_the_error_names_the_bus_among_several():
    with pytest.raises(ConfigError) as caught:
        bus_config([{"name": "a", "url": "loop://", "set_pulse_time": True},
                    {"name": "b", "url": "loop://", "protocol": "8a", "set_pulse_time": True}])
    assert caught.value.key == "bus[1].set_pulse_time"


@pytest.mark.parametrize("pulse_ms", [5, 655351, 10**7])
def test_pulse_ms_must_fit_the_command_when_it_is_sent(pulse_ms):
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "set_pulse_time": True, "pulse_ms": pulse_ms})
    assert caught.value.key == "bus.pulse_ms"
    assert bus_config({"url": "loop://", "pulse_ms": pulse_ms}).bus.pulse_ms == pulse_ms


def test_set_pulse_time_must_be_a_boolean():
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "set_pulse_time": "sometimes"})
    assert caught.value.key == "bus.set_pulse_time"


def test_the_service_passes_the_setting_to_the_driver():
    def driver_of(bus: dict) -> LockBusDriver:
        return DriverLockBus(bus_config(bus).bus, boards=(0,), sink=lambda event: None).driver

    assert driver_of({"url": "loop://", "set_pulse_time": True, "pulse_ms": 700}).pulse_ms_on_board == 700
    assert driver_of({"url": "loop://", "pulse_ms": 700}).pulse_ms_on_board is None


# ---- the driver against the simulator ---------------------------------------------


class Heard:
    def __init__(self) -> None:
        self.events: list = []
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        with self._lock:
            self.events.append(event)

    def count(self, event) -> int:
        with self._lock:
            return self.events.count(event)


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, spring_delay=0.0, slow_delay=0.15)
    yield simulator
    simulator.close()


def start_bus(sim: Simulator, heard: Heard, **options) -> LockBusDriver:
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
    heard = Heard()
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
    heard = Heard()
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


def hooked_bus(sim: Simulator, heard: Heard, on_setup, **options) -> LockBusDriver:
    return start_bus(sim, heard, boards=[0], pulse_ms_on_board=800,
                     serial_for_url=lambda url, **kw: HookedPort(serial.serial_for_url(url, **kw), on_setup),
                     **options)


@pytest.mark.parametrize("trouble", ["lost_reply", "bad_checksum", "drop_bytes", "junk", "slow"])
def test_an_unlock_queued_during_setup_goes_out_soon_whatever_the_board_answers(sim, trouble):
    heard = Heard()
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
    heard = Heard()
    bus = hooked_bus(sim, heard, lambda frame: sim.fault("no_reply", board=0, count=1))
    try:
        wait_for(lambda: bus.stats()[0]["setups"] == 1, timeout=5, interval=0.01)
        assert bus.unlock(0, 5).result(timeout=5) == "released"
        assert board_pulse_ms(sim, 0) == 500  # the board ignored the frame: nothing is resent
        assert bus.online(0) and bus.stats()[0]["errors"]["no_answer"] == 0
        assert sent(sim, pulse_frame(0, 80)) == 1
    finally:
        bus.stop()


@pytest.mark.parametrize("family, options", [("8a", {}), ("kerong-cu48", {}), ("winnsen", {})])
def test_the_driver_refuses_pulse_time_for_families_without_the_command(family, options):
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", protocol=family, boards=[1], listener=lambda e: None,
                      pulse_ms_on_board=500, **options)


@pytest.mark.parametrize("pulse_ms", [0, 700000])
def test_the_driver_refuses_pulse_times_the_command_cannot_carry(pulse_ms):
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", boards=[0], listener=lambda e: None, pulse_ms_on_board=pulse_ms)


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

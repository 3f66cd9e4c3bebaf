"""LockBusDriver against a scripted fake bus of Kerong CU16 boards."""

from __future__ import annotations

import time

import pytest

from drivers.bus import LockBusDriver
from drivers.errors import DriverError
from drivers.events import BoardOffline, BoardOnline, ItemSensed, LatchChanged, UnlockDone
from tests.support.net import wait_for
from tests.support.serial_port import FakeSerialPort
from tests.support.recorder import Recorder


@pytest.fixture
def fake_bus_port():
    return FakeSerialPort(boards=(0, 1))


@pytest.fixture
def make_bus(fake_bus_port):
    started = []

    def make(**options):
        heard = options.pop("listener", None) or Recorder()
        settings = dict(url="fake://bus", boards=[0, 1], listener=heard, answer_timeout=0.05,
                        poll_interval=0.02, open_timeout=0.6, pulse_time=0.05, offline_after=3,
                        pulse_gap=0.05, reopen_backoff=(0.01, 0.05), serial_for_url=fake_bus_port.open_for)
        settings.update(options)
        bus = LockBusDriver(**settings)
        started.append(bus)
        bus.start()
        return bus, heard

    yield make
    for bus in started:
        bus.stop()


def test_first_read_announces_board_and_every_lock(make_bus):
    bus, heard = make_bus()
    assert wait_for(lambda: BoardOnline(0) in heard and BoardOnline(1) in heard)
    assert wait_for(lambda: len(heard.of(ItemSensed)) == 32)
    board0 = [event for event in heard if getattr(event, "board", None) == 0]
    assert board0[0] == BoardOnline(0)
    assert board0[1:17] == [LatchChanged(0, lock, True) for lock in range(1, 17)]
    assert board0[17:] == [ItemSensed(0, lock, False) for lock in range(1, 17)]
    assert bus.online(0) and bus.statuses()[0].is_latched(1)


def test_polling_reports_only_what_changed(make_bus, fake_bus_port):
    bus, heard = make_bus()
    assert wait_for(lambda: len(heard.of(ItemSensed)) == 32)
    fake_bus_port.boards[1].latched[4] = False
    fake_bus_port.boards[0].items[15] = True
    assert wait_for(lambda: LatchChanged(1, 5, False) in heard and ItemSensed(0, 16, True) in heard)
    time.sleep(0.1)
    assert len(heard.of(LatchChanged)) == 33
    assert len(heard.of(ItemSensed)) == 33


def test_unlock_is_confirmed_released_by_a_read(make_bus, fake_bus_port):
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0))
    assert bus.unlock(0, 7).result(timeout=2) == "released"
    assert fake_bus_port.unlock_frames(0, 7) == 1
    assert heard.index(LatchChanged(0, 7, False)) < heard.index(UnlockDone(0, 7, "released"))


def test_unlock_reply_with_status_is_used(make_bus, fake_bus_port):
    fake_bus_port.boards[0].replies_to_unlock = True
    bus, heard = make_bus()
    assert bus.unlock(0, 2).result(timeout=2) == "released"
    assert fake_bus_port.unlock_frames(0, 2) == 1


def test_unlock_fires_even_when_the_latch_already_reads_released(make_bus, fake_bus_port):
    fake_bus_port.boards[0].latched[0] = False
    bus, _ = make_bus()
    assert wait_for(lambda: bus.online(0))
    assert bus.unlock(0, 1).result(timeout=2) == "released"
    assert fake_bus_port.unlock_frames(0, 1) == 1


def test_jammed_lock_is_pulsed_exactly_twice(make_bus, fake_bus_port):
    fake_bus_port.boards[0].jammed.add(3)
    fake_bus_port.boards[0].replies_to_unlock = True  # the answer proves the pulse was heard
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0))
    started = time.monotonic()
    assert bus.unlock(0, 3).result(timeout=3) == "jammed"
    assert time.monotonic() - started >= 0.55
    assert fake_bus_port.unlock_frames(0, 3) == 2
    assert heard.of(UnlockDone) == [UnlockDone(0, 3, "jammed")]


def test_a_jam_on_a_board_that_does_not_answer_unlocks_is_unknown_and_never_resent(make_bus, fake_bus_port):
    fake_bus_port.boards[0].jammed.add(3)  # every read answers, the latch stays engaged
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0))
    assert bus.unlock(0, 3).result(timeout=3) == "unknown"
    assert fake_bus_port.unlock_frames(0, 3) == 1
    assert heard.of(UnlockDone) == [UnlockDone(0, 3, "unknown")]


def test_unlock_without_any_answer_is_unknown_and_never_resent(make_bus, fake_bus_port):
    bus, heard = make_bus(offline_after=50)
    assert wait_for(lambda: bus.online(0))
    fake_bus_port.boards[0].silent = True
    assert bus.unlock(0, 9).result(timeout=3) == "unknown"
    assert fake_bus_port.unlock_frames(0, 9) == 1
    assert heard.of(UnlockDone) == [UnlockDone(0, 9, "unknown")]
    assert bus.stats()[0]["errors"]["no_answer"] > 0


def test_board_goes_offline_once_and_comes_back(make_bus, fake_bus_port):
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(1))
    fake_bus_port.boards[1].silent = True
    assert wait_for(lambda: BoardOffline(1) in heard)
    reads_when_offline = fake_bus_port.reads_of(1)
    assert wait_for(lambda: fake_bus_port.reads_of(1) >= reads_when_offline + 3)
    assert heard.of(BoardOffline) == [BoardOffline(1)]
    assert not bus.online(1) and bus.online(0)
    fake_bus_port.boards[1].latched[10] = False
    fake_bus_port.boards[1].silent = False
    assert wait_for(lambda: bus.online(1))
    assert wait_for(lambda: LatchChanged(1, 11, False) in heard)
    assert heard.of(BoardOnline).count(BoardOnline(1)) == 2
    assert heard.index(LatchChanged(1, 11, False)) > heard.index(BoardOffline(1))


def test_reply_from_another_board_is_counted_and_ignored(make_bus, fake_bus_port):
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0))
    fake_bus_port.boards[0].answer_as = 1
    fake_bus_port.boards[0].latched[0] = False
    assert wait_for(lambda: BoardOffline(0) in heard)
    assert bus.stats()[0]["errors"]["frame"] >= 3
    assert bus.statuses()[0].is_latched(1)
    assert LatchChanged(0, 1, False) not in heard
    assert LatchChanged(1, 1, False) not in heard


def test_junk_before_frames_is_tolerated(make_bus, fake_bus_port):
    fake_bus_port.junk = b"\xff\x13\x00"
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0) and bus.online(1))
    fake_bus_port.boards[0].latched[1] = False
    assert wait_for(lambda: LatchChanged(0, 2, False) in heard)
    assert bus.stats()[0]["errors"]["junk"] >= 3
    assert BoardOffline(0) not in heard


def test_echo_of_our_own_frames_is_ignored(make_bus, fake_bus_port):
    fake_bus_port.echo = True
    bus, heard = make_bus()
    assert bus.unlock(0, 8).result(timeout=2) == "released"
    assert fake_bus_port.unlock_frames(0, 8) == 1
    assert bus.stats()[0]["errors"]["frame"] == 0


def test_port_that_fails_on_read_is_reopened(make_bus, fake_bus_port):
    bus, heard = make_bus()
    assert wait_for(lambda: bus.online(0))
    fake_bus_port.fail_reads = 1
    assert wait_for(lambda: fake_bus_port.opens == 2)
    assert wait_for(lambda: bus.stats()[0]["port_reopens"] == 1)
    fake_bus_port.boards[0].latched[5] = False
    assert wait_for(lambda: LatchChanged(0, 6, False) in heard)


def test_port_that_cannot_open_takes_boards_offline_and_unlocks_unknown(make_bus, fake_bus_port):
    fake_bus_port.fail_opens = 1000
    bus, heard = make_bus(offline_after=2, open_timeout=0.2)
    assert bus.unlock(1, 1).result(timeout=2) == "unknown"
    assert wait_for(lambda: BoardOffline(0) in heard and BoardOffline(1) in heard)
    assert bus.read_all(timeout=1) == {0: None, 1: None}
    assert fake_bus_port.unlock_frames(1, 1) == 0
    fake_bus_port.fail_opens = 0
    assert wait_for(lambda: bus.online(0) and bus.online(1))


def test_read_all_reads_every_board(make_bus, fake_bus_port):
    fake_bus_port.boards[1].silent = True
    fake_bus_port.boards[0].items[2] = True
    bus, _ = make_bus()
    readings = bus.read_all(timeout=2)
    assert set(readings) == {0, 1}
    assert readings[0].has_item(3) and readings[1] is None
    assert bus.stats()[1]["retries"] >= 1


def test_pulses_are_spaced_and_go_before_polls(make_bus, fake_bus_port):
    bus, _ = make_bus(pulse_gap=0.1)
    assert wait_for(lambda: bus.online(0) and bus.online(1))
    futures = [bus.unlock(board, lock) for board, lock in ((0, 1), (1, 1), (0, 2))]
    assert [future.result(timeout=3) for future in futures] == ["released"] * 3
    pulses = [stamp for stamp, data in list(fake_bus_port.writes) if data[2] == 0x31]
    assert len(pulses) == 3
    assert all(later - earlier >= 0.1 for earlier, later in zip(pulses, pulses[1:]))


def test_listener_failure_does_not_stop_the_bus(make_bus, fake_bus_port):
    heard = Recorder()

    def fragile(event):
        heard(event)
        raise RuntimeError("listener bug")

    bus, _ = make_bus(listener=fragile)
    assert wait_for(lambda: bus.online(0))
    assert bus.unlock(0, 4).result(timeout=2) == "released"
    assert UnlockDone(0, 4, "released") in heard


def test_statistics_are_counted(make_bus):
    bus, _ = make_bus()
    assert wait_for(lambda: bus.stats()[0]["frames_received"] >= 3)
    board = bus.stats()[0]
    assert board["frames_sent"] >= board["frames_received"]
    assert board["last_seen"] is not None and board["latencies"]
    assert board["latency_count"] >= len(board["latencies"]) > 0
    assert board["errors"] == {"no_answer": 0, "checksum": 0, "frame": 0, "junk": 0}


def test_bad_arguments_and_stopped_bus(make_bus):
    bus, heard = make_bus()
    for board, lock in ((2, 1), (0, 0), (0, 17), (-1, 1), ("0", 1)):
        with pytest.raises(ValueError):
            bus.unlock(board, lock)
    bus.stop()
    with pytest.raises(DriverError):
        bus.unlock(0, 1)
    with pytest.raises(DriverError):
        bus.read_all(timeout=0.1)


def test_stop_ends_pending_unlocks_as_unknown(fake_bus_port):
    heard = Recorder()
    bus = LockBusDriver(url="fake://bus", boards=[0], listener=heard, serial_for_url=fake_bus_port.open_for)
    future = bus.unlock(0, 1)
    bus.stop()
    assert future.result(timeout=0) == "unknown"
    assert heard == [UnlockDone(0, 1, "unknown")]
    assert fake_bus_port.unlock_frames(0, 1) == 0


def test_unknown_protocol_and_bad_settings_are_refused():
    with pytest.raises(DriverError):
        LockBusDriver(url="loop://", protocol="nope", boards=[0], listener=print)
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", boards=[16], listener=print)
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", boards=[], listener=print)
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", boards=[0], listener=print, answer_timeout=0)

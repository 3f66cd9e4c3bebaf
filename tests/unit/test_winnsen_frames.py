"""Winnsen frames (no checksum) in the driver codec, the simulated firmware and the bus."""

from __future__ import annotations

import pytest

from drivers.errors import DriverError, FrameError
from drivers.protocol import LockReading, get_protocol
from drivers.winnsen import Winnsen
from firmware_sim.layout import FamilyCabinet
from firmware_sim.simulator import Simulator, SimulatorError
from firmware_sim.winnsen import WinnsenFirmware


def command(function: int, station: int, lock: int) -> bytes:
    return bytes([0x90, 0x06, function, station, lock, 0x03])


def unlock_answer(station: int, lock: int, outcome: int) -> bytes:
    return bytes([0x90, 0x07, 0x85, station, lock, outcome, 0x03])


def status_answer(station: int, state: int, lock: int) -> bytes:
    return bytes([0x90, 0x07, 0x92, station, state, lock, 0x03])


@pytest.mark.parametrize("base", [0, 1])
def test_reference_frames_with_either_station_base(base):
    winnsen = get_protocol("winnsen", station_base=base)
    assert winnsen.unlock_request(0, 1) == command(0x05, base, 1)
    assert winnsen.unlock_request(3, 16) == command(0x05, 3 + base, 16)
    assert winnsen.read_requests(2) == [command(0x12, 2 + base, lock) for lock in range(1, 17)]
    assert (winnsen.board_addresses, winnsen.locks_per_board) == (range(4), 16)


def test_status_answers_are_merged_into_one_board_status():
    winnsen = Winnsen()
    requests = winnsen.read_requests(1)
    answers = [winnsen.parse_read(status_answer(2, 0x01 if lock == 7 else 0x00, lock), 1, request)
               for lock, request in enumerate(requests, start=1)]
    status = winnsen.merge_reads(1, answers)
    assert [n for n in range(1, 17) if not status.is_latched(n)] == [7]
    assert status.items == (False,) * 16
    with pytest.raises(FrameError):
        winnsen.merge_reads(1, answers[:-1])


def test_latch_polarity_is_configurable():
    request = Winnsen(latched_bit=1).read_requests(0)[0]
    assert Winnsen(latched_bit=1).parse_read(status_answer(1, 0x01, 1), 0, request).latched is True
    assert Winnsen().parse_read(status_answer(1, 0x01, 1), 0, request).latched is False


def test_unlock_answers_never_mean_success():
    winnsen = Winnsen()
    assert winnsen.parse_unlock_reply(unlock_answer(1, 4, 0x01), 0, 4) == LockReading(0, 4, None)
    assert winnsen.parse_unlock_reply(unlock_answer(1, 4, 0x00), 0, 4) == LockReading(0, 4, None)
    assert winnsen.parse_unlock_reply(unlock_answer(1, 4, 0x02), 0, 4) == LockReading(0, 4, True, refused=True)


@pytest.mark.parametrize("frame", [
    status_answer(2, 0x00, 1),                    # another station
    status_answer(1, 0x00, 2),                    # another lock
    status_answer(1, 0x05, 1),                    # unknown state
    unlock_answer(1, 1, 0x01),                    # an unlock answer to a status request
    status_answer(1, 0x00, 1)[:-1] + b"\x04",     # no 03 trailer
    b"\x90\x07",
])
def test_wrong_status_answers_are_refused(frame):
    winnsen = Winnsen()
    with pytest.raises(FrameError):
        winnsen.parse_read(frame, 0, winnsen.read_requests(0)[0])


def test_bad_options_and_arguments():
    for options in ({"station_base": 2}, {"latched_bit": -1}, {"channels": 8}):
        with pytest.raises(DriverError):
            get_protocol("winnsen", **options)
    for board, lock in ((4, 1), (0, 17), (0, 0)):
        with pytest.raises(ValueError):
            Winnsen().unlock_request(board, lock)
    with pytest.raises(DriverError):
        Winnsen().read_request(0)


def test_decoder_frames_by_header_and_length_byte():
    decoder = Winnsen().decoder()
    good = status_answer(1, 0x00, 3)
    assert decoder.feed(b"\x90\x33\x01" + good[:4]) == []
    assert decoder.feed(good[4:] + status_answer(1, 0x00, 4)) == [good, status_answer(1, 0x00, 4)]
    assert decoder.junk_bytes == 2 and decoder.bad_frames == 1
    damaged = good[:-1] + b"\xfc"
    assert decoder.feed(damaged) == [] and decoder.bad_frames == 2


def test_firmware_status_unlock_and_cooldown():
    cabinet = FamilyCabinet(range(4), spring_delay=0.0)
    fw = WinnsenFirmware(2, cabinet, station_base=0, cooldown=60.0)
    assert fw.handle(command(0x12, 2, 9)) == status_answer(2, 0x00, 9)
    assert fw.handle(command(0x05, 2, 9)) == unlock_answer(2, 9, 0x01)
    assert fw.handle(command(0x12, 2, 9)) == status_answer(2, 0x01, 9)
    cabinet.close_door(2, 9)
    assert fw.handle(command(0x05, 2, 9)) == unlock_answer(2, 9, 0x02)
    assert cabinet.lock(2, 9).latched is True
    cabinet.jam(2, 10)
    assert fw.handle(command(0x05, 2, 10)) == unlock_answer(2, 10, 0x00)


@pytest.mark.parametrize("frame", [
    command(0x05, 3, 1),                           # another station
    command(0x05, 2, 17),                          # no lock 17
    command(0x33, 2, 1),                           # unknown function
    bytes([0x90, 0x06, 0x05, 2, 1, 0x04]),         # no trailer
])
def test_firmware_ignores_bad_frames(frame):
    cabinet = FamilyCabinet(range(4))
    assert WinnsenFirmware(2, cabinet, station_base=0).handle(frame) is None
    assert all(lock.latched for lock in cabinet.locks(2))


def test_simulator_rejects_options_of_other_families():
    with pytest.raises(SimulatorError) as caught:
        Simulator(board_type="winnsen", board_options={"channels": 12})
    assert caught.value.code == "invalid_board_option"
    with pytest.raises(SimulatorError) as caught:
        Simulator(board_type="winnsen", boards=5)
    assert caught.value.code == "invalid_boards"

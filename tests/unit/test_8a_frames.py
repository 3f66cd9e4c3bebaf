"""Generic "8A/80" board frames in the driver codec, the simulated firmware and the bus.

BCCs are recomputed here (XOR of all preceding bytes), never copied.
"""

from __future__ import annotations

import pytest

from drivers.board8a import Board8A, Board8AFrameDecoder
from drivers.errors import ChecksumError, DriverError, FrameError
from drivers.protocol import BoardStatus, LockReading, get_protocol
from firmware_sim.board8a import Board8AFirmware
from firmware_sim.layout import FamilyCabinet


def bcc(*body: int) -> bytes:
    value = 0
    for byte in body:
        value ^= byte
    return bytes(body) + bytes([value])


def read_all_reply(board: int, *status: int) -> bytes:
    return bcc(0x80, board, *status, 0x33)


def test_reference_frames_from_protocols_md():
    board = get_protocol("8a")
    assert bcc(0x8A, 0x01, 0x01, 0x11) == bytes.fromhex("8A 01 01 11 9B")
    assert bcc(0x8A, 0x01, 0x00, 0x11) == bytes.fromhex("8A 01 00 11 9A")
    assert bcc(0x80, 0x01, 0x01, 0x33) == bytes.fromhex("80 01 01 33 B3")
    assert bcc(0x80, 0x01, 0x00, 0x33) == bytes.fromhex("80 01 00 33 B2")
    assert board.unlock_request(1, 1) == bcc(0x8A, 0x01, 0x01, 0x11)
    assert board.unlock_all_request(1) == bcc(0x8A, 0x01, 0x00, 0x11)
    assert board.read_one_request(1, 1) == bcc(0x80, 0x01, 0x01, 0x33)
    assert board.read_request(1) == bcc(0x80, 0x01, 0x00, 0x33)
    assert board.unlock_request(32, 24) == bcc(0x8A, 32, 24, 0x11)
    assert (board.board_addresses, board.locks_per_board, board.answer_timeout) == (range(1, 33), 24, 1.5)


def test_read_all_highest_channels_first_by_default():
    reply = read_all_reply(1, 0b1000_0000, 0x00, 0b0000_0001)  # channels 24 and 1
    status = Board8A().parse_status(reply, 1)
    assert [n for n in range(1, 25) if status.is_latched(n)] == [1, 24]
    low_first = Board8A(status_order="low-first").parse_status(reply, 1)
    assert [n for n in range(1, 25) if low_first.is_latched(n)] == [8, 17]


@pytest.mark.parametrize("channels, length", [(2, 5), (8, 5), (9, 6), (24, 7), (50, 11)])
def test_read_all_length_follows_the_channel_count(channels, length):
    board = Board8A(channels=channels)
    status = BoardStatus(3, tuple(n % 2 == 0 for n in range(channels)), (False,) * channels)
    frame = board.encode_status(status)
    assert len(frame) == length and frame[-1] == bcc(*frame[:-1])[-1]
    assert board.parse_status(frame, 3) == status
    assert board.decoder().feed(b"\x00\x33" + frame) == [frame]


def test_latch_polarity_and_feedback_readings():
    assert Board8A(latched_bit=0).parse_status(read_all_reply(1, 0, 0, 0), 1).latched == (True,) * 24
    assert Board8A().parse_unlock_reply(bcc(0x8A, 1, 5, 0x11), 1, 5) == LockReading(1, 5, True)
    assert Board8A().parse_read_one(bcc(0x80, 1, 5, 0x00), 1, 5) == LockReading(1, 5, False)
    assert Board8A(latched_bit=0).parse_unlock_reply(bcc(0x8A, 1, 5, 0x00), 1, 5).latched is True


@pytest.mark.parametrize("frame, error", [
    (bytes.fromhex("80 01 ff ff ff 33 00"), ChecksumError),
    (read_all_reply(2, 0, 0, 0), FrameError),      # another board
    (read_all_reply(1, 0, 0), FrameError),         # too few status bytes for 24 channels
    (bcc(0x8A, 1, 1, 0x11), FrameError),           # an unlock answer
    (b"\x80", FrameError),
])
def test_bad_read_all_answers_are_refused(frame, error):
    with pytest.raises(error):
        Board8A().parse_status(frame, 1)


def test_unlock_answer_must_match_the_channel():
    with pytest.raises(FrameError):
        Board8A().parse_unlock_reply(bcc(0x8A, 1, 2, 0x11), 1, 3)
    with pytest.raises(FrameError):
        Board8A().parse_unlock_reply(bcc(0x8A, 1, 3, 0x55), 1, 3)


def test_bad_options_and_arguments():
    for options in ({"channels": 1}, {"channels": 51}, {"status_order": "random"}, {"latched_bit": 3},
                    {"answer_timeout": 0}):
        with pytest.raises(DriverError):
            get_protocol("8a", **options)
    board = Board8A(channels=12)
    for address, channel in ((0, 1), (33, 1), (1, 0), (1, 13)):
        with pytest.raises(ValueError):
            board.unlock_request(address, channel)


def test_decoder_syncs_on_the_header_after_junk_and_false_headers():
    frame = read_all_reply(1, 0xFF, 0xFF, 0xFF)
    decoder = Board8AFrameDecoder(expected=(7, 5))
    assert decoder.feed(bytes([0x80, 0x8A, 0x13]) + frame[:3]) == []
    assert decoder.feed(frame[3:]) == [frame]
    assert decoder.junk_bytes == 3
    assert decoder.feed(bcc(0x8A, 1, 1, 0x11) + bcc(0x80, 1, 2, 0x00)) == [bcc(0x8A, 1, 1, 0x11), bcc(0x80, 1, 2, 0x00)]


def test_firmware_answers_every_command():
    cabinet = FamilyCabinet(range(1, 3), locks_per_board=12, spring_delay=0.0)
    fw = Board8AFirmware(2, cabinet, channels=12, unlock_reply_delay=0.2)
    assert fw.handle(bcc(0x80, 2, 0, 0x33)) == read_all_reply(2, 0x0F, 0xFF)
    assert fw.handle(bcc(0x8A, 2, 12, 0x11)) == bcc(0x8A, 2, 12, 0x00)
    assert fw.reply_delay(bcc(0x8A, 2, 12, 0x11)) == 0.2 and fw.reply_delay(bcc(0x80, 2, 0, 0x33)) == 0.0
    assert fw.handle(bcc(0x80, 2, 12, 0x33)) == bcc(0x80, 2, 12, 0x00)
    assert fw.handle(bcc(0x80, 2, 0, 0x33)) == read_all_reply(2, 0x07, 0xFF)
    assert fw.handle(bcc(0x8A, 2, 0, 0x11)) is not None
    assert not any(lock.latched for lock in cabinet.locks(2))
    assert all(lock.latched for lock in cabinet.locks(1))


@pytest.mark.parametrize("frame", [
    bytes.fromhex("8A 02 01 11 00"),     # bad BCC
    bcc(0x8A, 2, 13, 0x11),              # channel 13 of 12
    bcc(0x8A, 1, 1, 0x11),               # another board
    bcc(0x80, 2, 1, 0x11),               # unknown command
])
def test_firmware_ignores_bad_frames(frame):
    cabinet = FamilyCabinet(range(1, 3), locks_per_board=12)
    assert Board8AFirmware(2, cabinet, channels=12).handle(frame) is None
    assert all(lock.latched for b in (1, 2) for lock in cabinet.locks(b))

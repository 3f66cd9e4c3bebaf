"""Kerong KR-CU48 frames, byte for byte, in the driver codec and the simulated firmware.

Checksums are recomputed here (sum of the preceding bytes & 0xFF), never copied.
"""

from __future__ import annotations

import pytest

from drivers.errors import ChecksumError, DriverError, FrameError
from drivers.kerong_cu48 import KerongCU48
from drivers.protocol import BoardStatus, get_protocol
from firmware_sim.kerong_cu48 import KerongCU48Firmware
from firmware_sim.layout import FamilyCabinet


def summed(*body: int) -> bytes:
    return bytes(body) + bytes([sum(body) & 0xFF])


def status_reply(board: int, data: bytes) -> bytes:
    return summed(0x02, board, 0x00, 0x65, *data, 0x03)


@pytest.fixture
def firmware():
    cabinet = FamilyCabinet(range(2), locks_per_board=48, spring_delay=0.0)
    return KerongCU48Firmware(1, cabinet), cabinet


def test_reference_frames_from_protocols_md():
    cu48 = get_protocol("kerong-cu48")
    assert summed(0x02, 0x00, 0x00, 0x50, 0x03) == bytes.fromhex("02 00 00 50 03 55")
    assert summed(0x02, 0x00, 0x00, 0x51, 0x03) == bytes.fromhex("02 00 00 51 03 56")
    assert cu48.read_request(0) == summed(0x02, 0x00, 0x00, 0x50, 0x03)
    assert cu48.unlock_request(0, 1) == summed(0x02, 0x00, 0x00, 0x51, 0x03)
    assert cu48.unlock_request(3, 48) == summed(0x02, 0x03, 47, 0x51, 0x03)
    assert cu48.read_requests(5) == [summed(0x02, 0x05, 0x00, 0x50, 0x03)]
    assert (cu48.locks_per_board, cu48.board_addresses) == (48, range(16))


def test_status_reply_bit_order_and_polarity():
    data = bytes([0b0000_0010, 0, 0, 0, 0, 0b1000_0000])  # lock 2 and lock 48 bits set
    status = KerongCU48().parse_status(status_reply(2, data), 2)
    assert status.locks == 48 and status.items == (False,) * 48
    assert [n for n in range(1, 49) if status.is_latched(n)] == [2, 48]
    inverted = KerongCU48(latched_bit=0).parse_status(status_reply(2, data), 2)
    assert [n for n in range(1, 49) if not inverted.is_latched(n)] == [2, 48]


@pytest.mark.parametrize("frame, error", [
    (bytes.fromhex("02 02 00 65 00 00 00 00 00 00 03 00"), ChecksumError),
    (status_reply(3, bytes(6)), FrameError),                        # another board
    (summed(0x02, 0x02, 0x00, 0x65, *bytes(6), 0x04), FrameError),  # no 03 trailer
    (summed(0x02, 0x02, 0x00, 0x50, 0x03), FrameError),             # a request, not a reply
    (b"", FrameError),
])
def test_bad_status_frames_are_refused(frame, error):
    with pytest.raises(error):
        KerongCU48().parse_status(frame, 2)


def test_bad_arguments_are_refused():
    cu48 = KerongCU48()
    for board, lock in ((16, 1), (-1, 1), (0, 0), (0, 49), (True, 1)):
        with pytest.raises(ValueError):
            cu48.unlock_request(board, lock)
    with pytest.raises(DriverError):
        get_protocol("kerong-cu48", latched_bit=2)


def test_decoder_skips_junk_and_reassembles_split_frames():
    decoder = KerongCU48().decoder()
    reply = status_reply(1, bytes([0xFF] * 6))
    assert decoder.feed(b"\x11\x22" + reply[:5]) == []
    assert decoder.feed(reply[5:] + b"\x02\x01\x00") == [reply]
    assert decoder.junk_bytes == 2
    broken = bytearray(status_reply(1, bytes(6)))
    broken[-1] ^= 0xFF
    decoder.reset()
    assert decoder.feed(bytes(broken)) == [] and decoder.bad_checksums == 1


def test_encode_parse_round_trip():
    cu48 = KerongCU48()
    status = BoardStatus(4, tuple(n % 3 == 0 for n in range(48)), (False,) * 48)
    assert cu48.parse_status(cu48.encode_status(status), 4) == status


def test_firmware_reads_and_unlocks(firmware):
    fw, cabinet = firmware
    assert fw.handle(summed(0x02, 0x01, 0x00, 0x50, 0x03)) == status_reply(1, bytes([0xFF] * 6))
    reply = fw.handle(summed(0x02, 0x01, 47, 0x51, 0x03))
    assert reply == status_reply(1, bytes([0xFF] * 5 + [0x7F]))
    assert cabinet.lock(1, 48).latched is False
    assert KerongCU48().parse_status(reply, 1).is_latched(48) is False


@pytest.mark.parametrize("frame", [
    bytes.fromhex("02 01 00 50 03 00"),          # wrong checksum
    summed(0x02, 0x01, 48, 0x51, 0x03),          # lock 49 does not exist
    summed(0x02, 0x00, 0x00, 0x50, 0x03),        # another board
    summed(0x02, 0x01, 0x00, 0x30, 0x03),        # a CU16 command
])
def test_firmware_ignores_bad_frames(firmware, frame):
    fw, cabinet = firmware
    assert fw.handle(frame) is None
    assert all(lock.latched for lock in cabinet.locks(1))

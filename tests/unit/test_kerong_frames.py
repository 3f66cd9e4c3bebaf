"""Kerong CU16 frames byte for byte, status parsing and the stream decoder."""

from __future__ import annotations

import pytest

from drivers.errors import ChecksumError, DriverError, FrameError
from drivers.kerong import KerongCU16, KerongFrameDecoder, checksum
from drivers.protocol import BoardStatus, get_protocol


def frame(hex_text: str) -> bytes:
    """A frame from its bytes without the checksum; the checksum is summed here."""
    body = bytes.fromhex(hex_text)
    return body + bytes([sum(body) & 0xFF])


def status_frame(board: int, h1: int, h2: int, i1: int, i2: int) -> bytes:
    return frame(f"02 {board << 4:02x} 35 {h1:02x} {h2:02x} {i1:02x} {i2:02x} 03")


cu16 = KerongCU16()


@pytest.mark.parametrize(
    "board, documented",
    [(0, "02 00 30 03 35"), (1, "02 10 30 03 45"), (9, "02 90 30 03 c5"), (15, "02 f0 30 03 25")],
)
def test_read_board_frames(board, documented):
    assert frame(documented[:-3]) == bytes.fromhex(documented)
    assert cu16.read_request(board) == bytes.fromhex(documented)


@pytest.mark.parametrize(
    "board, lock, documented",
    [
        (0, 1, "02 00 31 03 36"),
        (0, 16, "02 0f 31 03 45"),
        (1, 1, "02 10 31 03 46"),
        (0, 3, "02 02 31 03 38"),
        (15, 16, "02 ff 31 03 35"),
    ],
)
def test_unlock_frames(board, lock, documented):
    assert frame(documented[:-3]) == bytes.fromhex(documented)
    assert cu16.unlock_request(board, lock) == bytes.fromhex(documented)


def test_unlock_all_and_pulse_time_frames():
    assert cu16.unlock_all_request(2) == frame("02 20 33 03")
    assert cu16.pulse_time_request(1, 500) == frame("02 10 37 00 32 03")
    assert cu16.pulse_time_request(0, 1000) == frame("02 00 37 00 64 03")
    assert len(cu16.pulse_time_request(0, 5000)) == 7


def test_checksum_is_the_low_byte_of_the_sum():
    assert checksum(b"") == 0
    assert checksum(bytes([0xFF, 0x02])) == 0x01
    assert checksum(bytes.fromhex("02 f0 35 ff ff ff ff 03")) == sum(bytes.fromhex("02 f0 35 ff ff ff ff 03")) & 0xFF


@pytest.mark.parametrize("board", [-1, 16, 1.0, "0", True, None])
def test_invalid_board_is_refused(board):
    with pytest.raises(ValueError, match="board must be 0-15"):
        cu16.read_request(board)


@pytest.mark.parametrize("lock", [0, 17, -3, 2.5, "1", None])
def test_invalid_lock_is_refused(lock):
    with pytest.raises(ValueError, match="lock must be 1-16"):
        cu16.unlock_request(0, lock)


@pytest.mark.parametrize("milliseconds", [0, 4, 655351 * 10])
def test_invalid_pulse_time_is_refused(milliseconds):
    with pytest.raises(ValueError):
        cu16.pulse_time_request(0, milliseconds)


def test_latched_bit_must_be_a_bit():
    with pytest.raises(ValueError):
        KerongCU16(latched_bit=2)


def test_status_with_one_meaning_latched():
    status = cu16.parse_status(status_frame(3, 0b0000_0101, 0b1000_0000, 0b0000_0010, 0x00), board=3)
    assert status.board == 3
    assert [lock for lock in range(1, 17) if status.is_latched(lock)] == [1, 3, 16]
    assert [lock for lock in range(1, 17) if status.has_item(lock)] == [2]


def test_status_with_zero_meaning_latched():
    inverted = KerongCU16(latched_bit=0)
    status = inverted.parse_status(status_frame(0, 0b0000_0101, 0xFF, 0x00, 0x01), board=0)
    assert [lock for lock in range(1, 17) if status.is_latched(lock)] == [2, 4, 5, 6, 7, 8]
    assert status.has_item(9) and not status.has_item(1)


def test_get_protocol_passes_the_polarity():
    status = get_protocol("kerong-cu16", latched_bit=0).parse_status(status_frame(0, 0, 0, 0, 0), 0)
    assert all(status.latched)


def test_unknown_protocol_lists_the_known_ones():
    with pytest.raises(DriverError, match="kerong-cu16"):
        get_protocol("winnsen-x")


def test_status_from_another_board_is_a_frame_error():
    with pytest.raises(FrameError, match="board 1"):
        cu16.parse_status(status_frame(1, 0, 0, 0, 0), board=0)


def test_status_with_a_bad_checksum():
    bad = bytearray(status_frame(0, 1, 0, 0, 0))
    bad[-1] ^= 0x01
    with pytest.raises(ChecksumError):
        cu16.parse_status(bytes(bad), board=0)


@pytest.mark.parametrize(
    "not_status",
    [frame("02 00 30 03"), status_frame(0, 0, 0, 0, 0)[:-1], b"", frame("02 00 36 00 00 00 00 03")],
)
def test_other_frames_are_not_status(not_status):
    with pytest.raises(FrameError):
        cu16.parse_status(not_status, board=0)


def test_status_round_trip_for_both_polarities():
    status = BoardStatus(4, tuple(lock % 3 == 0 for lock in range(16)), tuple(lock % 5 == 0 for lock in range(16)))
    for latched_bit in (0, 1):
        codec = KerongCU16(latched_bit=latched_bit)
        assert codec.parse_status(codec.encode_status(status), 4) == status


def test_board_status_helpers_check_the_lock():
    status = BoardStatus(0, (True,) * 16, (False,) * 16)
    with pytest.raises(ValueError):
        status.is_latched(0)
    with pytest.raises(ValueError):
        status.has_item(17)


# ---- the decoder ------------------------------------------------------------------

def test_decoder_returns_each_frame_once():
    decoder = KerongFrameDecoder()
    stream = status_frame(0, 1, 0, 0, 0) + frame("02 00 31 03") + frame("02 10 37 00 32 03")
    assert decoder.feed(stream) == [status_frame(0, 1, 0, 0, 0), frame("02 00 31 03"), frame("02 10 37 00 32 03")]
    assert decoder.feed(b"") == []
    assert (decoder.junk_bytes, decoder.bad_checksums, decoder.bad_frames) == (0, 0, 0)


def test_decoder_skips_junk_before_the_header():
    decoder = KerongFrameDecoder()
    assert decoder.feed(b"\xff\x00\x13" + status_frame(2, 0, 0, 0, 0) + b"\x7f") == [status_frame(2, 0, 0, 0, 0)]
    assert decoder.junk_bytes == 4


def test_decoder_joins_split_chunks():
    decoder = KerongFrameDecoder()
    whole = status_frame(1, 0xAA, 0x55, 0x0F, 0xF0)
    out = []
    for byte in whole:
        out += decoder.feed(bytes([byte]))
    assert out == [whole]


def test_decoder_drops_a_bad_checksum_and_resynchronises():
    decoder = KerongFrameDecoder()
    bad = bytearray(status_frame(0, 1, 0, 0, 0))
    bad[-1] ^= 0xFF
    good = status_frame(0, 2, 0, 0, 0)
    assert decoder.feed(bytes(bad) + good) == [good]
    assert decoder.bad_checksums == 1


def test_decoder_resynchronises_after_a_truncated_frame():
    decoder = KerongFrameDecoder()
    truncated = status_frame(0, 1, 0, 0, 0)[:4]
    good = frame("02 00 30 03")
    assert decoder.feed(truncated + good + good) == [good, good]
    assert decoder.bad_checksums + decoder.bad_frames >= 1


def test_decoder_unknown_command_is_a_bad_frame():
    decoder = KerongFrameDecoder()
    good = frame("02 00 30 03")
    assert decoder.feed(b"\x02\x00\x99" + good) == [good]
    assert decoder.bad_frames == 1


def test_decoder_waits_for_the_rest_of_a_frame():
    decoder = KerongFrameDecoder()
    whole = status_frame(0, 0, 0, 0, 0)
    assert decoder.feed(whole[:8]) == []
    assert decoder.feed(whole[8:]) == [whole]


def test_decoder_reset_forgets_a_partial_frame():
    decoder = KerongFrameDecoder()
    decoder.feed(status_frame(0, 0, 0, 0, 0)[:6])
    decoder.reset()
    assert decoder.feed(frame("02 00 30 03")) == [frame("02 00 30 03")]


def test_decoder_survives_oversized_garbage_with_a_bounded_buffer():
    decoder = KerongFrameDecoder()
    garbage = bytes(range(256)) * 4000
    decoder.feed(garbage)
    assert decoder.buffered < 9
    good = status_frame(5, 1, 2, 3, 4)
    assert decoder.feed(good) == [good]
    assert decoder.junk_bytes > 0


def test_decoder_finds_a_frame_hidden_behind_a_false_header():
    decoder = KerongFrameDecoder()
    good = status_frame(0, 0x02, 0, 0, 0)
    assert decoder.feed(b"\x02\x02" + good) == [good]

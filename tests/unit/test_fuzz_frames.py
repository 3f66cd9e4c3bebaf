"""Fuzzing the lock-board frame decoders and parsers of every board family (issue 12,
"What must be proven", 4): random bytes, random splits of the reads, valid answers
buried in junk. ``FUZZ_PROFILE=long`` runs thousands of examples (docs/RELIABILITY.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DriverError
from drivers.protocol import FAMILIES, BoardStatus, get_protocol
from tests.support.fuzz import examples

CODECS = sorted(FAMILIES)
ENCODING = [name for name in CODECS if hasattr(get_protocol(name), "encode_status")]


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def feed_all(decoder, chunks: list[bytes]) -> list[bytes]:
    return [frame for chunk in chunks for frame in decoder.feed(chunk)]


def parse_every_way(codec, frame: bytes) -> None:
    """Whatever a decoder hands on, each parser either reads it or raises a driver error."""
    for board in list(codec.board_addresses)[:2]:
        for parse in (lambda: codec.parse_status(frame, board),
                      lambda: codec.parse_unlock_reply(frame, board, 1),
                      *(lambda r=request: codec.parse_read(frame, board, r) for request in codec.read_requests(board))):
            try:
                parse()
            except DriverError:
                pass


@pytest.mark.parametrize("name", CODECS)
@settings(max_examples=examples(60))
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=12))
def test_random_bytes_in_random_reads_give_the_same_frames_and_never_crash(name, data, cuts):
    codec = get_protocol(name)
    whole = codec.decoder().feed(data)
    pieces = feed_all(codec.decoder(), split(data, cuts))
    assert pieces == whole
    for frame in whole:
        assert isinstance(frame, bytes)
        parse_every_way(codec, frame)


def statuses(codec):
    """Board states the family's frames can carry (item bits only where it has item sensors)."""
    locks = codec.locks_per_board
    bits = st.lists(st.booleans(), min_size=locks, max_size=locks).map(tuple)
    return st.builds(BoardStatus, st.sampled_from(list(codec.board_addresses)[:4]), bits,
                     bits if codec.facts.item_sensors else st.just((False,) * locks))


@pytest.mark.parametrize("name", ENCODING)
@settings(max_examples=examples(40))
@given(data=st.data())
def test_a_good_answer_after_junk_and_in_pieces_is_read_exactly(name, data):
    codec = get_protocol(name)
    status = data.draw(statuses(codec))
    frame = codec.encode_status(status)
    junk = data.draw(st.binary(max_size=40).map(lambda b: bytes(x for x in b if x != frame[0])))
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(junk) + len(frame)), max_size=8))
    decoder = codec.decoder()
    assert feed_all(decoder, split(junk + frame, cuts)) == [frame]
    assert codec.parse_status(frame, status.board) == status


@pytest.mark.parametrize("name", ENCODING)
@settings(max_examples=examples(40))
@given(data=st.data())
def test_a_corrupted_answer_is_never_read_as_a_status(name, data):
    """One changed byte either is refused or still reads the same board (never another's status)."""
    codec = get_protocol(name)
    status = data.draw(statuses(codec))
    frame = bytearray(codec.encode_status(status))
    at = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
    frame[at] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        parsed = codec.parse_status(bytes(frame), status.board)
    except DriverError:
        return
    assert parsed.board == status.board
    assert at not in (0, len(frame) - 1)  # the header and the checksum always tell

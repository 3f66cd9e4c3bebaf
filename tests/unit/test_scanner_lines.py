"""Splitting what a serial scanner sends into codes."""

from __future__ import annotations

import pytest

from drivers.scanner import LineScanner, LineSplitter


def split_all(chunks, **options) -> tuple[list[str], LineSplitter]:
    splitter = LineSplitter(**options)
    lines = []
    for chunk in chunks:
        lines += splitter.feed(chunk)
    return lines, splitter


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n"])
def test_every_line_ending(ending):
    lines, _ = split_all([b"A1" + ending + b"B2" + ending])
    assert lines == ["A1", "B2"]


def test_cr_and_lf_split_across_chunks_are_one_ending():
    lines, _ = split_all([b"A1\r", b"\nB2\r", b"\n", b"C3\n"])
    assert lines == ["A1", "B2", "C3"]


def test_a_lone_lf_after_a_chunk_that_did_not_end_with_cr_is_an_ending():
    lines, _ = split_all([b"A1", b"\nB2", b"\r"])
    assert lines == ["A1", "B2"]


def test_mixed_endings_and_empty_lines_are_dropped():
    lines, _ = split_all([b"\r\n\r\n\nA1\n\r\rB2\r\n\n"])
    assert lines == ["A1", "B2"]


def test_a_line_is_held_until_it_ends():
    splitter = LineSplitter()
    assert splitter.feed(b"HS-00") == []
    assert splitter.feed(b"42") == []
    assert splitter.feed(b"\r\n") == ["HS-0042"]


def test_utf8_is_decoded_even_when_split():
    text = "Hồ sơ 2024/ĐKKD".encode()
    lines, _ = split_all([text[:2], text[2:4], text[4:] + b"\n"])
    assert lines == ["Hồ sơ 2024/ĐKKD"]


def test_invalid_utf8_is_replaced_not_fatal():
    lines, _ = split_all([b"QR\xff\xfe-1\n"])
    assert lines == ["QR\ufffd\ufffd-1"]


def test_control_characters_are_stripped():
    lines, _ = split_all([b"\x16\x02QR-7\x00\x1b\n\x00\x07\n"])
    assert lines == ["QR-7"]


def test_overlong_line_is_discarded_whole():
    lines, splitter = split_all([b"X" * 10 + b"\nOK\n"], max_line=8)
    assert lines == ["OK"]
    assert splitter.discarded == 1


def test_overlong_line_over_many_chunks_is_discarded_whole():
    chunks = [b"Y" * 6] * 5 + [b"TAIL\r\nOK-2\r\n"]
    lines, splitter = split_all(chunks, max_line=8)
    assert lines == ["OK-2"]
    assert splitter.discarded == 1


def test_endless_garbage_keeps_memory_bounded():
    splitter = LineSplitter(max_line=64)
    for _ in range(200):
        assert splitter.feed(b"Z" * 10_000) == []
    assert splitter.feed(b"\nOK\n") == ["OK"]
    assert splitter.discarded == 1


def test_line_of_exactly_max_line_is_kept():
    lines, _ = split_all([b"12345678\n"], max_line=8)
    assert lines == ["12345678"]


def test_unknown_model_is_refused():
    with pytest.raises(ValueError):
        LineScanner(url="loop://", on_code=print, model="symbol")

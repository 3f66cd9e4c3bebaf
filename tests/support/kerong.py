"""Kerong CU16 frames built in the tests from PROTOCOLS.md, checksums recomputed here."""

from __future__ import annotations

import time


def frame(*body: int) -> bytes:
    """A Kerong frame with its checksum recomputed here, not copied from a table."""
    return bytes(body) + bytes([sum(body) & 0xFF])


def read_cmd(board: int) -> bytes:
    return frame(0x02, board << 4, 0x30, 0x03)


def unlock_cmd(board: int, lock: int) -> bytes:
    return frame(0x02, board << 4 | (lock - 1), 0x31, 0x03)


def poll(predicate, timeout: float = 2.0):  # type: ignore[no-untyped-def]
    """``predicate()`` once it is truthy, else its last value after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(0.005)
    return value

"""Kerong CU16 frames built in the tests from PROTOCOLS.md, checksums recomputed here."""

from __future__ import annotations


def frame(*body: int) -> bytes:
    """A Kerong frame with its checksum recomputed here, not copied from a table."""
    return bytes(body) + bytes([sum(body) & 0xFF])


def cu16_frame(address: int, command: int, data: bytes = b"") -> bytes:
    """PROTOCOLS.md: ``02 ADDR CMD DATA 03 SUM``, SUM = sum of all preceding bytes & 0xFF."""
    return frame(0x02, address, command, *data, 0x03)


def pulse_frame(board: int, units: int) -> bytes:
    """The ``0x37`` frame setting a board's unlock pulse to ``units`` times 10 ms."""
    return cu16_frame(board << 4, 0x37, bytes([units >> 8, units & 0xFF]))


def read_cmd(board: int) -> bytes:
    return frame(0x02, board << 4, 0x30, 0x03)


def unlock_cmd(board: int, lock: int) -> bytes:
    return frame(0x02, board << 4 | (lock - 1), 0x31, 0x03)

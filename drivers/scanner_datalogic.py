"""Datalogic scanners: single-character host commands."""

from __future__ import annotations

from .scanner_lines import ScannerModel


class DatalogicModel(ScannerModel):
    """Datalogic single-character host commands: E, D, T, X (PROTOCOLS.md).

    >>> DatalogicModel(trigger=True).disable_sequence()
    [b'X', b'D']
    """

    name = "datalogic"

    def enable_command(self) -> bytes:
        return b"E"

    def disable_command(self) -> bytes:
        return b"D"

    def trigger_command(self) -> bytes:
        return b"T"

    def release_command(self) -> bytes:
        return b"X"

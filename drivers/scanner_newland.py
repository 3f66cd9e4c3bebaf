"""Newland scanners: ``7E 01 30 30 30 30`` command frames."""

from __future__ import annotations

import re

from .scanner_lines import LineDecoder, ScannerModel


class NewlandModel(ScannerModel):
    """Newland commands ``7E 01 30 30 30 30`` + ``#``/``@`` + command + ``3B 03``.

    ``SCNTRG1``/``SCNTRG0`` (start/stop) and ``SCNMOD2`` (presentation) are from
    PROTOCOLS.md. Disabling switches to ``SCNMOD0`` (level mode: reads only while the
    hardware trigger is held, which a kiosk mount never presses): an assumption
    to confirm at commissioning (options ``enable_setting``/``disable_setting``).
    Replies ``02 01 30 30 30 30`` + command + ACK/NAK + ``3B 03`` are recognised
    and counted (their exact form is an assumption too).

    >>> NewlandModel().trigger_command().hex(" ")
    '7e 01 30 30 30 30 23 53 43 4e 54 52 47 31 3b 03'
    """

    name = "newland"
    takes_settings = True
    HEAD, TAIL = b"\x7e\x01" + b"0000", b";\x03"

    def __init__(self, *, trigger: bool = False, enable_setting: str = "SCNMOD2",
                 disable_setting: str = "SCNMOD0", storage: str = "#") -> None:
        super().__init__(trigger=trigger)
        if storage not in ("#", "@"):
            raise ValueError("storage must be '#' (temporary) or '@' (saved)")
        for setting in (enable_setting, disable_setting):
            if not re.fullmatch(r"[A-Z0-9]{4,}", setting):
                raise ValueError(f"not a Newland command: {setting!r}")
        self.enable_setting, self.disable_setting, self.storage = enable_setting, disable_setting, storage

    def command(self, body: str, storage: str | None = None) -> bytes:
        return self.HEAD + (storage or self.storage).encode("ascii") + body.encode("ascii") + self.TAIL

    def enable_command(self) -> bytes:
        return self.command(self.disable_setting if self.trigger else self.enable_setting)

    def disable_command(self) -> bytes:
        return self.command(self.disable_setting)

    def trigger_command(self) -> bytes:
        return self.command("SCNTRG1", "#")

    def release_command(self) -> bytes:
        return self.command("SCNTRG0", "#")

    def decoder(self) -> LineDecoder:
        return LineDecoder(reply_end=rb"\x03", reply_start=b"\x02\x01")

"""Honeywell scanners in serial mode: menu commands, serial trigger and release."""

from __future__ import annotations

import re

from .scanner_lines import LineDecoder, ScannerModel


class HoneywellModel(ScannerModel):
    """Honeywell serial commands: menu ``16 4D 0D`` + tag subtag data + ``!``/``.``.

    Trigger ``16 54 0D`` and release ``16 55 0D`` are from PROTOCOLS.md. Honeywell
    has no "scanning off" command there, so enabling and disabling switch the trigger
    mode: ``TRGMOD3`` (presentation) and ``TRGMOD0`` (manual trigger). These two
    menu settings are an assumption to confirm at commissioning (options
    ``enable_setting``/``disable_setting``). With ``trigger=True`` the scanner stays in
    manual trigger mode and reads only when triggered over the serial line.

    >>> HoneywellModel().enable_command()
    b'\\x16M\\rTRGMOD3!'
    >>> HoneywellModel(trigger=True).enable_sequence()
    [b'\\x16M\\rTRGMOD0!', b'\\x16T\\r']
    """

    name = "honeywell"
    takes_settings = True
    PREFIX = b"\x16M\r"

    def __init__(self, *, trigger: bool = False, enable_setting: str = "TRGMOD3",
                 disable_setting: str = "TRGMOD0", storage: str = "!") -> None:
        super().__init__(trigger=trigger)
        if storage not in ("!", "."):
            raise ValueError("storage must be '!' (temporary) or '.' (saved)")
        for setting in (enable_setting, disable_setting):
            if not re.fullmatch(r"[A-Za-z0-9]{6}[A-Za-z0-9]*", setting):
                raise ValueError(f"not a Honeywell menu setting: {setting!r}")
        self.enable_setting, self.disable_setting, self.storage = enable_setting, disable_setting, storage

    def menu_command(self, setting: str) -> bytes:
        return self.PREFIX + setting.encode("ascii") + self.storage.encode("ascii")

    def enable_command(self) -> bytes:
        return self.menu_command(self.disable_setting if self.trigger else self.enable_setting)

    def disable_command(self) -> bytes:
        return self.menu_command(self.disable_setting)

    def trigger_command(self) -> bytes:
        return b"\x16T\r"

    def release_command(self) -> bytes:
        return b"\x16U\r"

    def decoder(self) -> LineDecoder:
        # Menu replies echo the command with ACK/ENQ/NAK before the storage mark.
        return LineDecoder(reply_end=rb"[\x05\x06\x15][!.]", echo_start=b"\x16")

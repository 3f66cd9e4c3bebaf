"""One exception hierarchy for every driver.

>>> issubclass(ChecksumError, FrameError) and issubclass(FrameError, DriverError)
True
>>> isinstance(NoAnswer("board 3 did not answer"), DriverError)
True
>>> GpioError("pin 99 does not exist", setting="gpio.tamper.pin").setting
'gpio.tamper.pin'
"""

from __future__ import annotations


class DriverError(Exception):
    """Base class of every error raised by :mod:`drivers`."""


class PortError(DriverError):
    """The serial port cannot be opened, read or written."""


class NoAnswer(DriverError):
    """A board did not answer within its answer timeout."""


class FrameError(DriverError):
    """A frame is malformed, truncated, or has an unexpected address or command."""


class ChecksumError(FrameError):
    """A frame's checksum does not match its contents."""


class GpioError(DriverError):
    """A GPIO pin cannot be set up or used; ``setting`` names the configuration key at fault."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class PrinterError(DriverError):
    """A receipt printer cannot print (a fault it reports, a bad answer, a missing font)."""


class PrinterOffline(PrinterError):
    """The printer cannot be reached or does not answer its status request."""


class PrinterOutOfPaper(PrinterError):
    """The printer reports its paper roll empty."""

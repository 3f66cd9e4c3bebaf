"""One exception hierarchy for every driver.

>>> issubclass(ChecksumError, FrameError) and issubclass(FrameError, DriverError)
True
>>> isinstance(NoAnswer("board 3 did not answer"), DriverError)
True
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

"""Scanner bytes to codes, and the plain line scanner every command set builds on.

Codes end with CR, LF or CR LF (PROTOCOLS.md, "QR and barcode scanners"); a
model's decoder also recognises its own replies. The command sets are one module
each (``scanner_honeywell``, ``scanner_newland``, ``scanner_datalogic``,
``scanner_zebra``), found by name through :mod:`drivers.scanner_models`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_LINE_ENDS = rb"\r\n|\r|\n"
LINE_ENDINGS = (b"\r\n", b"\r", b"\n")

ACK, ENQ, NAK = 0x06, 0x05, 0x15


class LineSplitter:
    """Splits a byte stream into text lines ending with CR, LF or CR LF.

    Empty lines are dropped, bytes are decoded as UTF-8 with replacement, control
    characters and surrounding blanks are removed, and a line longer than
    ``max_line`` bytes is discarded whole (counted in ``discarded``). ``reply_end``
    is an extra terminator (a regular expression without groups) for protocol
    replies that do not end with a line break; :meth:`segments` reports them.

    >>> splitter = LineSplitter(max_line=4)
    >>> splitter.feed(b"TOOLONG\\nOK\\r\\n")
    ['OK']
    >>> splitter.discarded
    1
    >>> LineSplitter(reply_end=rb"\\x03").segments(b"\\x02R\\x03A\\r\\n")
    [(b'\\x02R', b'\\x03'), (b'A', b'\\r\\n')]
    """

    def __init__(self, *, max_line: int = 4096, reply_end: bytes | None = None) -> None:
        if max_line < 1:
            raise ValueError(f"max_line must be positive, not {max_line!r}")
        self.max_line = max_line
        self.discarded = 0
        pattern = _LINE_ENDS if reply_end is None else reply_end + b"|" + _LINE_ENDS
        self._separator = re.compile(b"(" + pattern + b")")
        self._partial = b""
        self._skip_lf = False
        self._overflowing = False

    def feed(self, data: bytes) -> list[str]:
        return [text for raw, end in self.segments(data) if end in LINE_ENDINGS and (text := clean(raw))]

    def segments(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """Complete ``(raw, terminator)`` pairs; the unfinished rest is kept."""
        if self._skip_lf and data[:1] == b"\n":
            data = data[1:]
        if data:
            self._skip_lf = data.endswith(b"\r")
        parts = self._separator.split(self._partial + data)
        complete = []
        for raw, end in zip(parts[0:-1:2], parts[1::2]):
            if self._overflowing:
                self._overflowing = False  # the tail of a line already discarded
                continue
            if len(raw) > self.max_line:
                self.discarded += 1
                continue
            complete.append((raw, end))
        self._partial = self._keep(parts[-1])
        return complete

    def drop_partial(self) -> bool:
        """Forget an unfinished line (stale bytes); True when there was one."""
        dropped = bool(self._partial) or self._overflowing
        self._partial, self._overflowing, self._skip_lf = b"", False, False
        return dropped

    def _keep(self, partial: bytes) -> bytes:
        if self._overflowing or len(partial) <= self.max_line:
            return b"" if self._overflowing else partial
        self.discarded += 1
        self._overflowing = True
        return b""


def clean(raw: bytes) -> str:
    """UTF-8 text without control characters or surrounding blanks.

    >>> clean(b"\\x16ABC\\x00 ")
    'ABC'
    """
    text = raw.decode("utf-8", errors="replace")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()


class Decoded(NamedTuple):
    """What one chunk of scanner bytes gave: codes, and bytes the host must answer."""

    codes: list[str]
    answer: bytes = b""


class LineDecoder:
    """Codes as lines; optional protocol replies recognised by their framing.

    ``reply_end`` ends a reply (see :class:`LineSplitter`); a reply must start with
    ``reply_start`` (when given), otherwise it is garbage. Lines starting with
    ``echo_start`` are command echoes, not codes.

    >>> decoder = LineDecoder(reply_end=rb"[\\x05\\x06\\x15][!.]", echo_start=b"\\x16")
    >>> decoder.feed(b"\\x16M\\rTRGMOD3\\x06!HS-1\\r\\n").codes
    ['HS-1']
    >>> decoder.counts["replies"], decoder.counts["acks"]
    (2, 1)
    """

    def __init__(self, *, reply_end: bytes | None = None, reply_start: bytes = b"",
                 echo_start: bytes | None = None, max_line: int = 4096) -> None:
        self._splitter = LineSplitter(max_line=max_line, reply_end=reply_end)
        self._reply_start = reply_start
        self._echo_start = echo_start
        self.counts = {"replies": 0, "acks": 0, "naks": 0, "garbage": 0}

    @property
    def discarded(self) -> int:
        return self._splitter.discarded

    def feed(self, data: bytes) -> Decoded:
        codes = []
        for raw, end in self._splitter.segments(data):
            if end not in LINE_ENDINGS:
                self._reply(raw + end)
            elif self._echo_start and raw.startswith(self._echo_start):
                self.counts["replies"] += 1
            elif text := clean(raw):
                codes.append(text)
        return Decoded(codes)

    def drop_partial(self) -> bool:
        dropped = self._splitter.drop_partial()
        self.counts["garbage"] += dropped
        return dropped

    def _reply(self, reply: bytes) -> None:
        if not reply.startswith(self._reply_start):
            self.counts["garbage"] += 1
            return
        self.counts["replies"] += 1
        status = _reply_status(reply)
        if status == ACK:
            self.counts["acks"] += 1
        elif status in (NAK, ENQ):
            self.counts["naks"] += 1


def _reply_status(reply: bytes) -> int | None:
    """The ACK/ENQ/NAK byte nearest the end of a reply, if any."""
    for byte in reversed(reply[-3:]):
        if byte in (ACK, ENQ, NAK):
            return byte
    return None


class ScannerModel:
    """A plain line scanner: no commands, codes end with CR, LF or CR LF.

    ``trigger`` means the scanner reads only after a trigger command and stops
    after one read, so the reader triggers it again while reading is wanted.

    >>> model = ScannerModel()
    >>> model.enable_sequence(), model.decoder().feed(b"A\\r\\n").codes
    ([], ['A'])
    """

    name = "line"
    #: Whether the start and stop of reading are menu settings (options ``enable_setting``
    #: and ``disable_setting``, the ``[scanner]`` keys of the same names).
    takes_settings = False

    def __init__(self, *, trigger: bool = False) -> None:
        self.trigger = trigger

    def enable_command(self) -> bytes | None:
        return None

    def disable_command(self) -> bytes | None:
        return None

    def trigger_command(self) -> bytes | None:
        return None

    def release_command(self) -> bytes | None:
        return None

    def decoder(self):
        return LineDecoder()

    def enable_sequence(self) -> list[bytes]:
        """What to send to start reading: the enable command, then the trigger if needed."""
        steps = [self.enable_command(), self.trigger_command() if self.trigger else None]
        return [step for step in steps if step]

    def disable_sequence(self) -> list[bytes]:
        steps = [self.release_command() if self.trigger else None, self.disable_command()]
        return [step for step in steps if step]

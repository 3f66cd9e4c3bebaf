"""Scanner command sets and framing: pure classes that take and return bytes.

Every model says how to switch reading on and off, how to trigger a read, and how
to turn the scanner's bytes into codes (plus any answer the host owes it). The
byte strings come from ``/work/shared/PROTOCOLS.md`` ("QR and barcode scanners")
unless a docstring marks them as an assumption; those are constructor options so
that commissioning can correct them without a code change.

>>> model = get_model("datalogic")
>>> model.enable_command(), model.disable_command(), model.trigger_command()
(b'E', b'D', b'T')
>>> get_model("line").enable_command() is None
True
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


class HoneywellModel(ScannerModel):
    """Honeywell serial commands: menu ``16 4D 0D`` + tag subtag data + ``!``/``.``.

    Trigger ``16 54 0D`` and release ``16 55 0D`` are from PROTOCOLS.md. Honeywell
    has no "scanning off" command there, so enabling and disabling switch the trigger
    mode: ``TRGMOD3`` (presentation) and ``TRGMOD0`` (manual trigger). These two
    menu settings are an assumption to confirm at commissioning (options
    ``enable_menu``/``disable_menu``). With ``trigger=True`` the scanner stays in
    manual trigger mode and reads only when triggered over the serial line.

    >>> HoneywellModel().enable_command()
    b'\\x16M\\rTRGMOD3!'
    >>> HoneywellModel(trigger=True).enable_sequence()
    [b'\\x16M\\rTRGMOD0!', b'\\x16T\\r']
    """

    name = "honeywell"
    PREFIX = b"\x16M\r"

    def __init__(self, *, trigger: bool = False, enable_menu: str = "TRGMOD3",
                 disable_menu: str = "TRGMOD0", storage: str = "!") -> None:
        super().__init__(trigger=trigger)
        if storage not in ("!", "."):
            raise ValueError("storage must be '!' (temporary) or '.' (saved)")
        for setting in (enable_menu, disable_menu):
            if not re.fullmatch(r"[A-Za-z0-9]{6}[A-Za-z0-9]*", setting):
                raise ValueError(f"not a Honeywell menu setting: {setting!r}")
        self.enable_menu, self.disable_menu, self.storage = enable_menu, disable_menu, storage

    def menu_command(self, setting: str) -> bytes:
        return self.PREFIX + setting.encode("ascii") + self.storage.encode("ascii")

    def enable_command(self) -> bytes:
        return self.menu_command(self.disable_menu if self.trigger else self.enable_menu)

    def disable_command(self) -> bytes:
        return self.menu_command(self.disable_menu)

    def trigger_command(self) -> bytes:
        return b"\x16T\r"

    def release_command(self) -> bytes:
        return b"\x16U\r"

    def decoder(self) -> LineDecoder:
        # Menu replies echo the command with ACK/ENQ/NAK before the storage mark.
        return LineDecoder(reply_end=rb"[\x05\x06\x15][!.]", echo_start=b"\x16")


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



# ---- Zebra SSI ----------------------------------------------------------------------

SSI_HOST, SSI_DECODER = 0x04, 0x00
SSI_ACK, SSI_NAK, SSI_DECODE_DATA = 0xD0, 0xD1, 0xF3
SSI_START_DECODE, SSI_STOP_DECODE, SSI_SCAN_ENABLE, SSI_SCAN_DISABLE = 0xE4, 0xE5, 0xE9, 0xEA
SSI_RETRANSMIT, SSI_CONTINUATION = 0x01, 0x02
SSI_NAK_RESEND = 0x01


def ssi_checksum(body: bytes) -> bytes:
    """Two's complement of the byte sum, 16 bits, high byte first.

    >>> ssi_checksum(bytes.fromhex("04 E4 04 00")).hex(" ")
    'ff 14'
    """
    return ((-sum(body)) & 0xFFFF).to_bytes(2, "big")


def ssi_packet(opcode: int, data: bytes = b"", *, source: int = SSI_HOST, status: int = 0) -> bytes:
    """Length (of everything but the checksum), opcode, source, status, data, checksum.

    >>> ssi_packet(SSI_ACK).hex(" ")
    '04 d0 04 00 ff 28'
    """
    if len(data) > 251:
        raise ValueError("an SSI packet holds at most 251 data bytes")
    body = bytes([4 + len(data), opcode, source, status]) + data
    return body + ssi_checksum(body)


class SSIDecoder:
    """Turns the scanner's SSI packets into codes and the host's ACK/NAK answers.

    ``DECODE_DATA`` (``F3``) data is one barcode-type byte followed by the decoded
    bytes; a packet with the continuation bit is followed by more of the same code
    (each part carries its type byte). Every packet from the scanner except ACK and
    NAK is answered with ``CMD_ACK``; a decode packet with a bad checksum gets
    ``CMD_NAK`` (resend). Bytes outside a valid packet are skipped.

    >>> decoder = SSIDecoder()
    >>> decoded = decoder.feed(b"\\x00" + ssi_packet(SSI_DECODE_DATA, b"\\x1cHS-1", source=SSI_DECODER))
    >>> decoded.codes, decoded.answer.hex(" ")
    (['HS-1'], '04 d0 04 00 ff 28')
    """

    MAX_CODE = 8192

    def __init__(self, *, max_buffer: int = 1024) -> None:
        self._buffer = bytearray()
        self._max_buffer = max_buffer
        self._parts: list[bytes] = []
        self._last_part: bytes | None = None
        self.discarded = 0
        self.counts = {"replies": 0, "acks": 0, "naks": 0, "garbage": 0, "bad_checksum": 0}

    def feed(self, data: bytes) -> Decoded:
        self._buffer += data
        codes: list[str] = []
        answer = bytearray()
        while (found := self._next_packet()) is not None:
            start, packet = found
            self.counts["garbage"] += start > 0
            del self._buffer[:start + len(packet)]
            code, reply = self._handle(packet)
            if code:
                codes.append(code)
            answer += reply
        answer += self._reject_corrupt_head()
        if len(self._buffer) > self._max_buffer:
            del self._buffer[:len(self._buffer) - self._max_buffer]
            self.counts["garbage"] += 1
        return Decoded(codes, bytes(answer))

    def drop_partial(self) -> bool:
        dropped = bool(self._buffer)
        self._buffer.clear()
        self.counts["garbage"] += dropped
        return dropped

    def _next_packet(self) -> tuple[int, bytes] | None:
        buf = self._buffer
        for start in range(max(0, len(buf) - 5)):
            length = buf[start]
            end = start + length + 2
            if length < 4 or buf[start + 2] != SSI_DECODER or end > len(buf):
                continue
            if ssi_checksum(buf[start:start + length]) == buf[end - 2:end]:
                return start, bytes(buf[start:end])
        return None

    def _reject_corrupt_head(self) -> bytes:
        """A complete decode packet at the head whose checksum fails: ask for it again."""
        buf = self._buffer
        if len(buf) < 4 or buf[1] != SSI_DECODE_DATA or buf[2] != SSI_DECODER or buf[0] < 5:
            return b""
        if len(buf) < buf[0] + 2:
            return b""
        del buf[:buf[0] + 2]
        self.counts["bad_checksum"] += 1
        return ssi_packet(SSI_NAK, bytes([SSI_NAK_RESEND]))

    def _handle(self, packet: bytes) -> tuple[str | None, bytes]:
        opcode, status, data = packet[1], packet[3], packet[4:-2]
        if opcode == SSI_ACK:
            self.counts["acks"] += 1
            return None, b""
        if opcode == SSI_NAK:
            self.counts["naks"] += 1
            return None, b""
        if opcode != SSI_DECODE_DATA:
            self.counts["replies"] += 1
            return None, ssi_packet(SSI_ACK)
        return self._decode_part(status, data), ssi_packet(SSI_ACK)

    def _decode_part(self, status: int, data: bytes) -> str | None:
        if status & SSI_RETRANSMIT and data == self._last_part:
            return None  # our ACK was lost and the scanner sent the same part again
        self._last_part = data
        self._parts.append(data[1:])
        if sum(map(len, self._parts)) > self.MAX_CODE:
            self._parts.clear()
            self.discarded += 1
            return None
        if status & SSI_CONTINUATION:
            return None
        raw, self._parts = b"".join(self._parts), []
        return clean(raw) or None


class ZebraSSIModel(ScannerModel):
    """Zebra (Symbol) Simple Serial Interface, from PROTOCOLS.md.

    SCAN_ENABLE/SCAN_DISABLE switch reading on and off; START_DECODE and
    STOP_DECODE are the software trigger. The scanner must send decode data as
    packets (its "decode data packet format" parameter) with ACK/NAK handshaking.

    >>> [step.hex(" ") for step in ZebraSSIModel(trigger=True).enable_sequence()]
    ['04 e9 04 00 ff 0f', '04 e4 04 00 ff 14']
    """

    name = "zebra-ssi"

    def enable_command(self) -> bytes:
        return ssi_packet(SSI_SCAN_ENABLE)

    def disable_command(self) -> bytes:
        return ssi_packet(SSI_SCAN_DISABLE)

    def trigger_command(self) -> bytes:
        return ssi_packet(SSI_START_DECODE)

    def release_command(self) -> bytes:
        return ssi_packet(SSI_STOP_DECODE)

    def decoder(self) -> SSIDecoder:
        return SSIDecoder()


MODELS: dict[str, type[ScannerModel]] = {
    cls.name: cls for cls in (ScannerModel, HoneywellModel, ZebraSSIModel, NewlandModel, DatalogicModel)}


def get_model(name: str, **options) -> ScannerModel:
    """The command set called ``name``: line, honeywell, zebra-ssi, newland or datalogic.

    >>> get_model("zebra-ssi").enable_command().hex(" ")
    '04 e9 04 00 ff 0f'
    """
    cls = MODELS.get(name)
    if cls is None:
        raise ValueError(f"unknown scanner model {name!r}; known: {', '.join(MODELS)}")
    return cls(**options)

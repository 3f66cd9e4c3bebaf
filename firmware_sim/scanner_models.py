"""The firmware of the simulated scanner models: host commands in, codes and replies out.

Written from ``/work/shared/PROTOCOLS.md`` independently of ``drivers/``. Every
model powers up the way a kiosk scanner is commissioned: enabled, in presentation
mode (it reads whatever is shown to it). A model reads when it is enabled and
either in presentation mode or triggered; a trigger is good for one read.

>>> model = SIM_MODELS["datalogic"](suffix=b"\\r\\n")
>>> model.receive(b"D"), model.reading()
(b'', False)
>>> model.receive(b"ET"), model.reading(), model.encode("HS-1")
(b'', True, b'HS-1\\r\\n')
"""

from __future__ import annotations

import re

ACK, ENQ, NAK = b"\x06", b"\x05", b"\x15"
MAX_COMMAND = 256


class SimLineModel:
    """A plain line scanner: host bytes are ignored, it always reads."""

    name = "line"

    def __init__(self, *, suffix: bytes, trigger_mode: bool = False) -> None:
        self.suffix = suffix
        self.enabled = True
        self.presentation = not trigger_mode
        self.triggered = False
        self._pending = b""

    def reading(self) -> bool:
        return self.enabled and (self.presentation or self.triggered)

    def encode(self, code: str) -> bytes:
        """The bytes the scanner sends for one read; the trigger is used up."""
        self.triggered = False
        return code.encode("utf-8") + self.suffix

    def receive(self, data: bytes) -> bytes:
        """Host bytes in, the scanner's reply out (b"" for none)."""
        return b""

    def state(self) -> dict:
        return {"model": self.name, "enabled": self.enabled, "triggered": self.triggered,
                "mode": "presentation" if self.presentation else "trigger", "awaiting_ack": 0}

    def _buffered(self, data: bytes) -> bytes:
        buffer = self._pending + data
        return buffer[-MAX_COMMAND:] if len(buffer) > MAX_COMMAND else buffer


class SimHoneywell(SimLineModel):
    """``16 4D 0D`` menu commands (``TRGMOD0`` manual, ``TRGMOD3`` presentation), ``16 54 0D``
    trigger, ``16 55 0D`` release. Menu replies echo the command with ACK (done), ENQ
    (unknown setting) or NAK (bad value) before the storage mark.

    >>> model = SimHoneywell(suffix=b"\\r\\n")
    >>> model.receive(b"\\x16M\\rTRGMOD0!"), model.reading()
    (b'TRGMOD0\\x06!', False)
    >>> model.receive(b"\\x16T\\r"), model.reading()
    (b'', True)
    """

    name = "honeywell"
    _COMMAND = re.compile(rb"\x16(?:M\r([^!.\x16]*)([!.])|T\r|U\r)")

    def receive(self, data: bytes) -> bytes:
        buffer, replies = self._buffered(data), b""
        while (match := self._COMMAND.search(buffer)) is not None:
            buffer = buffer[match.end():]
            if match.group(2):
                replies += self._menu(match.group(1)) + match.group(2)
            else:
                self.triggered = match.group(0) == b"\x16T\r"
        self._pending = buffer[buffer.rfind(b"\x16"):] if b"\x16" in buffer else b""
        return replies

    def _menu(self, body: bytes) -> bytes:
        setting = body.upper()
        if not setting.startswith(b"TRGMOD"):
            return body + ENQ
        if setting[6:] not in (b"0", b"3"):
            return body + NAK
        self.presentation = setting[6:] == b"3"
        return body + ACK


class SimNewland(SimLineModel):
    """``7E 01 30 30 30 30`` + ``#``/``@`` + command + ``3B 03``: ``SCNMOD0`` level
    (trigger) mode, ``SCNMOD2`` presentation, ``SCNTRG1``/``SCNTRG0`` start/stop.
    Replies ``02 01 30 30 30 30`` + command + ACK or NAK + ``3B 03``.

    >>> model = SimNewland(suffix=b"\\r\\n")
    >>> model.receive(bytes.fromhex("7e 01 30 30 30 30") + b"#SCNMOD0;\\x03")
    b'\\x02\\x010000#SCNMOD0\\x06;\\x03'
    >>> model.reading()
    False
    """

    name = "newland"
    _COMMAND = re.compile(rb"\x7e\x010000([#@])([A-Z0-9]*);\x03")

    def receive(self, data: bytes) -> bytes:
        buffer, replies = self._buffered(data), b""
        while (match := self._COMMAND.search(buffer)) is not None:
            buffer = buffer[match.end():]
            storage, command = match.groups()
            status = ACK if self._apply(command) else NAK
            replies += b"\x02\x010000" + storage + command + status + b";\x03"
        self._pending = buffer[buffer.rfind(b"\x7e"):] if b"\x7e" in buffer else b""
        return replies

    def _apply(self, command: bytes) -> bool:
        if command in (b"SCNTRG1", b"SCNTRG0"):
            self.triggered = command == b"SCNTRG1"
        elif command in (b"SCNMOD0", b"SCNMOD2"):
            self.presentation = command == b"SCNMOD2"
        else:
            return False
        return True


class SimDatalogic(SimLineModel):
    """Single characters ``E`` enable, ``D`` disable, ``T`` trigger, ``X`` release."""

    name = "datalogic"

    def receive(self, data: bytes) -> bytes:
        for byte in data:
            if byte in b"ED":
                self.enabled = byte == ord("E")
            elif byte in b"TX":
                self.triggered = byte == ord("T")
        return b""


def ssi_packet(opcode: int, data: bytes = b"", *, source: int = 0x00, status: int = 0) -> bytes:
    """An SSI packet from the scanner (source ``00``); checksum = -(byte sum), 16 bits.

    >>> ssi_packet(0xD0).hex(" ")
    '04 d0 00 00 ff 2c'
    """
    body = bytes([4 + len(data), opcode, source, status]) + data
    return body + ((-sum(body)) & 0xFFFF).to_bytes(2, "big")


class SimZebraSSI(SimLineModel):
    """Zebra SSI: SCAN_ENABLE ``E9``, SCAN_DISABLE ``EA``, START_DECODE ``E4``,
    STOP_DECODE ``E5`` are answered with CMD_ACK; a code goes out as DECODE_DATA
    (``F3``) packets: type ``1C`` (QR) + up to 250 bytes each, the continuation bit
    on all but the last. Each waits for the host's CMD_ACK; CMD_NAK gets it resent.

    >>> model = SimZebraSSI(suffix=b"")
    >>> model.receive(bytes.fromhex("04 EA 04 00 FF 0E")).hex(" "), model.enabled
    ('04 d0 00 00 ff 2c', False)
    """

    name = "zebra-ssi"
    QR_TYPE = 0x1C
    PART = 250
    _STATES = {0xE9: ("enabled", True), 0xEA: ("enabled", False),
               0xE4: ("triggered", True), 0xE5: ("triggered", False)}

    def __init__(self, *, suffix: bytes, trigger_mode: bool = False) -> None:
        super().__init__(suffix=suffix, trigger_mode=trigger_mode)
        self._buffer = bytearray()
        self.awaiting: list[bytes] = []

    def encode(self, code: str) -> bytes:
        self.triggered = False
        raw = code.encode("utf-8")
        parts = [raw[i:i + self.PART] for i in range(0, len(raw), self.PART)] or [b""]
        packets = [ssi_packet(0xF3, bytes([self.QR_TYPE]) + part, status=0x02 if n < len(parts) - 1 else 0)
                   for n, part in enumerate(parts)]
        self.awaiting += packets
        return b"".join(packets)

    def receive(self, data: bytes) -> bytes:
        self._buffer += data
        replies = b""
        while (packet := self._next_packet()) is not None:
            replies += self._handle(packet)
        del self._buffer[:-MAX_COMMAND]
        return replies

    def state(self) -> dict:
        return {**super().state(), "awaiting_ack": len(self.awaiting)}

    def _next_packet(self) -> bytes | None:
        buf = self._buffer
        for start in range(max(0, len(buf) - 5)):
            length, end = buf[start], start + buf[start] + 2
            if length < 4 or buf[start + 2] != 0x04 or end > len(buf):
                continue
            body = bytes(buf[start:start + length])
            if ((-sum(body)) & 0xFFFF).to_bytes(2, "big") == buf[end - 2:end]:
                del buf[:end]
                return body
        return None

    def _handle(self, body: bytes) -> bytes:
        opcode = body[1]
        if opcode == 0xD0:
            if self.awaiting:
                self.awaiting.pop(0)
            return b""
        if opcode == 0xD1:
            if not self.awaiting:
                return b""
            head = self.awaiting[0]
            return ssi_packet(0xF3, head[4:-2], status=head[3] | 0x01)
        if opcode not in self._STATES:
            return ssi_packet(0xD1, b"\x02")  # NAK, bad context
        attribute, value = self._STATES[opcode]
        setattr(self, attribute, value)
        return ssi_packet(0xD0)


SIM_MODELS: dict[str, type[SimLineModel]] = {
    cls.name: cls for cls in (SimLineModel, SimHoneywell, SimZebraSSI, SimNewland, SimDatalogic)}

"""Zebra (Symbol) scanners: the Simple Serial Interface (SSI), packets with ACK/NAK."""

from __future__ import annotations

from .scanner_lines import Decoded, ScannerModel, clean

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

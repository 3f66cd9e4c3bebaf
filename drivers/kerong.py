"""Kerong KR-CU16 (and CU12) lock boards: frames byte for byte.

Every frame is ``02 ADDR CMD [DATA...] 03 SUM`` where SUM is the low byte of the
sum of all preceding bytes and ADDR is ``(board << 4) | (lock - 1)``.

>>> cu16 = KerongCU16()
>>> cu16.unlock_request(0, 16).hex(" ")
'02 0f 31 03 45'
>>> reply = bytes.fromhex("02 00 35 01 00 00 00 03 3b")
>>> status = cu16.parse_status(reply, board=0)
>>> status.is_latched(1), status.is_latched(2)
(True, False)
"""

from __future__ import annotations

from .errors import ChecksumError, FrameError
from .families import family
from .protocol import BoardProtocol, BoardStatus

STX = 0x02
ETX = 0x03
READ_BOARD = 0x30
UNLOCK_ONE = 0x31
READ_ALL_BOARDS = 0x32
UNLOCK_ALL = 0x33
STATUS_REPLY = 0x35
SET_PULSE_TIME = 0x37

#: Frame length by command byte.
FRAME_LENGTHS = {
    READ_BOARD: 5,
    UNLOCK_ONE: 5,
    READ_ALL_BOARDS: 5,
    UNLOCK_ALL: 5,
    STATUS_REPLY: 9,
    SET_PULSE_TIME: 7,
}
LOCKS = family("kerong-cu16").locks_per_board


def checksum(data: bytes) -> int:
    """The CU16 checksum: the low byte of the sum.

    >>> hex(checksum(bytes.fromhex("02 10 30 03")))
    '0x45'
    """
    return sum(data) & 0xFF


def build_frame(address: int, command: int, data: bytes = b"") -> bytes:
    """``02 ADDR CMD DATA 03 SUM``."""
    body = bytes([STX, address, command]) + data + bytes([ETX])
    return body + bytes([checksum(body)])


class KerongFrameDecoder:
    """Splits a CU16 byte stream into complete, checksum-verified frames.

    Junk before a ``02`` header is skipped; after an unknown command, a bad
    trailer or a bad checksum the header byte is dropped and the search for the
    next header starts again. The buffer never holds more than one frame.

    >>> decoder = KerongFrameDecoder()
    >>> decoder.feed(bytes.fromhex("ff ee 02 00 30"))
    []
    >>> [frame.hex(" ") for frame in decoder.feed(bytes.fromhex("03 35"))]
    ['02 00 30 03 35']
    >>> decoder.junk_bytes
    2
    """

    #: The byte every frame starts with (subclasses for other families change it).
    header = STX

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.junk_bytes = 0
        self.bad_checksums = 0
        self.bad_frames = 0

    def reset(self) -> None:
        """Forget a partial frame (the counters stay)."""
        self._buffer.clear()

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer
        buffer += data
        frames: list[bytes] = []
        start = 0
        while True:
            header = buffer.find(self.header, start)
            if header < 0:
                self.junk_bytes += len(buffer) - start
                start = len(buffer)
                break
            self.junk_bytes += header - start
            start = header
            length = self._frame_length(buffer, start)
            if length is None:
                break
            if length == 0:
                start += 1
                continue
            frame = bytes(buffer[start:start + length])
            if self._verified(frame):
                frames.append(frame)
                start += length
            else:
                start += 1
        del buffer[:start]
        return frames

    #: Where the command byte sits in a frame, and frame lengths by command.
    command_offset = 2
    frame_lengths = FRAME_LENGTHS

    def _frame_length(self, buffer: bytearray, start: int) -> int | None:
        """The length of the frame at ``start``; None if incomplete, 0 if bad."""
        if len(buffer) - start <= self.command_offset:
            return None
        length = self.frame_lengths.get(buffer[start + self.command_offset])
        if length is None:
            self.bad_frames += 1
            return 0
        if len(buffer) - start < length:
            return None
        return length

    def _verified(self, frame: bytes) -> bool:
        if frame[-2] != ETX:
            self.bad_frames += 1
            return False
        if checksum(frame[:-1]) != frame[-1]:
            self.bad_checksums += 1
            return False
        return True


class KerongCU16(BoardProtocol):
    """The CU16 protocol; ``latched_bit`` is the bit value that means "latched".

    >>> KerongCU16().read_request(0).hex(" ")
    '02 00 30 03 35'
    >>> KerongCU16().unlock_request(1, 1).hex(" ")
    '02 10 31 03 46'
    >>> KerongCU16().unlock_request(16, 1)
    Traceback (most recent call last):
    ...
    ValueError: board must be 0-15 for kerong-cu16, not 16
    """

    facts = family("kerong-cu16")
    unlock_may_reply = True

    def __init__(self, *, latched_bit: int | None = None) -> None:
        self.latched_bit = self.default_latched_bit(latched_bit)

    def address(self, board: int, lock: int = 1) -> int:
        return (self.check_board(board) << 4) | (self.check_lock(lock) - 1)

    def read_request(self, board: int) -> bytes:
        return build_frame(self.address(board), READ_BOARD)

    def unlock_request(self, board: int, lock: int) -> bytes:
        return build_frame(self.address(board, lock), UNLOCK_ONE)

    def unlock_all_request(self, board: int) -> bytes:
        return build_frame(self.address(board), UNLOCK_ALL)

    def pulse_time_request(self, board: int, milliseconds: int) -> bytes:
        """Set the unlock pulse length, sent in units of 10 ms rounded half up (single source).

        >>> KerongCU16().pulse_time_request(0, 500).hex(" ")
        '02 00 37 00 32 03 6e'
        >>> KerongCU16().pulse_time_request(1, 1005).hex(" ")
        '02 10 37 00 65 03 b1'
        >>> KerongCU16().pulse_time_request(0, 0)
        Traceback (most recent call last):
        ...
        ValueError: pulse time must be 10-655350 ms, not 0
        """
        if isinstance(milliseconds, bool) or not isinstance(milliseconds, int):
            raise ValueError(f"pulse time must be whole milliseconds, not {milliseconds!r}")
        units = (milliseconds + 5) // 10
        if not 1 <= units <= 0xFFFF:
            raise ValueError(f"pulse time must be 10-655350 ms, not {milliseconds!r}")
        return build_frame(self.address(board), SET_PULSE_TIME, units.to_bytes(2, "big"))

    def setup_frames(self, board: int, *, pulse_ms: int | None = None) -> list[bytes]:
        """The ``0x37`` frame when ``pulse_ms`` is given.

        >>> [frame.hex(" ") for frame in KerongCU16().setup_frames(0, pulse_ms=1000)]
        ['02 00 37 00 64 03 a0']
        """
        return [] if pulse_ms is None else [self.pulse_time_request(board, pulse_ms)]

    def decoder(self) -> KerongFrameDecoder:
        return KerongFrameDecoder()

    def parse_status(self, frame: bytes, board: int) -> BoardStatus:
        self.check_board(board)
        if len(frame) != FRAME_LENGTHS[STATUS_REPLY] or frame[0] != STX or frame[2] != STATUS_REPLY:
            raise FrameError(f"not a status frame: {bytes(frame).hex(' ')}")
        if frame[7] != ETX:
            raise FrameError(f"status frame without its 03 trailer: {bytes(frame).hex(' ')}")
        if checksum(frame[:8]) != frame[8]:
            raise ChecksumError(f"bad checksum in {bytes(frame).hex(' ')}")
        if frame[1] >> 4 != board:
            raise FrameError(f"status of board {frame[1] >> 4} where board {board} was asked")
        latch_bits = _bits(frame[3], frame[4])
        item_bits = _bits(frame[5], frame[6])
        return BoardStatus(
            board=board,
            latched=tuple(bit == self.latched_bit for bit in latch_bits),
            items=tuple(bit == 1 for bit in item_bits),
        )

    def encode_status(self, status: BoardStatus) -> bytes:
        """The status frame a board would send for ``status`` (for tools and tests).

        >>> cu16 = KerongCU16()
        >>> frame = cu16.encode_status(BoardStatus(2, (True,) * 16, (False,) * 16))
        >>> cu16.parse_status(frame, 2) == BoardStatus(2, (True,) * 16, (False,) * 16)
        True
        """
        if status.locks != LOCKS:
            raise ValueError(f"a CU16 status has {LOCKS} locks, not {status.locks}")
        latch_bits = [latched == (self.latched_bit == 1) for latched in status.latched]
        data = _pack(latch_bits) + _pack(list(status.items))
        return build_frame(self.address(status.board), STATUS_REPLY, data)


def _bits(low: int, high: int) -> list[int]:
    """Lock 1 first: bit 0 of ``low`` ... bit 7 of ``high``."""
    word = low | (high << 8)
    return [(word >> index) & 1 for index in range(LOCKS)]


def _pack(flags: list[bool]) -> bytes:
    word = sum(1 << index for index, flag in enumerate(flags) if flag)
    return bytes([word & 0xFF, word >> 8])

"""Generic "8A/80" RS485 lock boards: 2 to 50 channels, board address 1-32.

Every frame ends with a BCC, the XOR of all preceding bytes. Unlock one channel:
``8A BB CC 11 BCC`` (CC counted from 1; CC 0 is the whole board); the board answers
``8A BB CC ST BCC`` about 500 ms later, ST (``00`` or ``11``) being the reading of
the channel's feedback switch, not success or failure. Read one channel:
``80 BB CC 33 BCC``, answer ``80 BB CC ST BCC``. Read all: ``80 BB 00 33 BCC``,
answer ``80 BB Sn .. S1 33 BCC`` with one status byte per eight channels.

>>> board = Board8A()
>>> board.unlock_request(1, 1).hex(" ")
'8a 01 01 11 9b'
>>> board.read_request(1).hex(" ")
'80 01 00 33 b2'
"""

from __future__ import annotations

from .errors import ChecksumError, FrameError
from .families import family
from .protocol import BoardProtocol, BoardStatus, LockReading

UNLOCK_HEADER = 0x8A
READ_HEADER = 0x80
HEADERS = (UNLOCK_HEADER, READ_HEADER)
UNLOCK = 0x11
READ = 0x33
FEEDBACK_ON = 0x11
FEEDBACK_OFF = 0x00
MAX_CHANNELS = family("8a").locks_per_board
SHORT_LENGTH = 5
MAX_LENGTH = 4 + (MAX_CHANNELS + 7) // 8
STATUS_ORDERS = ("high-first", "low-first")
#: The fourth byte of every 5-byte frame: a command or a feedback reading.
SHORT_CODES = (FEEDBACK_OFF, FEEDBACK_ON, READ)


def bcc(data: bytes) -> int:
    """XOR of every byte.

    >>> hex(bcc(bytes.fromhex("8a 01 00 11")))
    '0x9a'
    """
    value = 0
    for byte in data:
        value ^= byte
    return value


def build_frame(header: int, board: int, channel: int, command: int) -> bytes:
    body = bytes([header, board, channel, command])
    return body + bytes([bcc(body)])


def status_bytes(channels: int) -> int:
    """Status bytes in a read-all answer for ``channels`` channels."""
    return (channels + 7) // 8


class Board8AFrameDecoder:
    """Finds 8A/80 frames in a byte stream: header ``8A`` or ``80``, verified BCC.

    Junk before a frame is skipped. A 5-byte frame or a longer read-all answer
    (ending ``33 BCC``) is accepted; ``expected`` lengths are tried first.

    >>> decoder = Board8AFrameDecoder(expected=(7, 5))
    >>> frames = decoder.feed(bytes.fromhex("55 80 01 ff ff ff 33 4d"))
    >>> [f.hex(" ") for f in frames], decoder.junk_bytes
    (['80 01 ff ff ff 33 4d'], 1)
    """

    def __init__(self, expected: tuple[int, ...] = (SHORT_LENGTH,)) -> None:
        self._buffer = bytearray()
        lengths = list(expected) + list(range(SHORT_LENGTH, MAX_LENGTH + 1))
        self._lengths = tuple(dict.fromkeys(lengths))
        self.junk_bytes = 0
        self.bad_checksums = 0
        self.bad_frames = 0

    def reset(self) -> None:
        self._buffer.clear()

    def flush(self) -> None:
        """The line went silent: the buffered bytes are no frame (a bad BCC if they had a header).

        >>> decoder = Board8AFrameDecoder()
        >>> decoder.feed(bytes.fromhex("8a 01 01 11 00"))
        []
        >>> decoder.flush(); decoder.bad_checksums, decoder.buffered
        (1, 0)
        """
        if any(byte in HEADERS for byte in self._buffer):
            self.bad_checksums += 1
        else:
            self.junk_bytes += len(self._buffer)
        self._buffer.clear()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while (found := self._next_frame()) is not None:
            start, length = found
            self.junk_bytes += start
            frames.append(bytes(self._buffer[start:start + length]))
            del self._buffer[:start + length]
        self._drop_hopeless()
        return frames

    def _next_frame(self) -> tuple[int, int] | None:
        """(start, length) of the first verified frame in the buffer."""
        buffer = self._buffer
        for start, byte in enumerate(buffer):
            if byte not in HEADERS:
                continue
            for length in self._lengths:
                if start + length <= len(buffer) and self._verified(buffer, start, length):
                    return start, length
        return None

    @staticmethod
    def _verified(buffer: bytearray, start: int, length: int) -> bool:
        frame = buffer[start:start + length]
        if length > SHORT_LENGTH and (frame[0] != READ_HEADER or frame[-2] != READ):
            return False
        if length == SHORT_LENGTH and frame[3] not in SHORT_CODES:
            return False
        return bcc(frame[:-1]) == frame[-1]

    def _drop_hopeless(self) -> None:
        """Discard bytes that cannot begin a frame any more; count them."""
        buffer = self._buffer
        keep = len(buffer)
        for start, byte in enumerate(buffer):
            if byte in HEADERS and len(buffer) - start < MAX_LENGTH:
                keep = start
                break
        dropped = buffer[:keep]
        if dropped:
            headers = sum(1 for byte in dropped if byte in HEADERS)
            self.bad_checksums += 1 if headers else 0
            self.junk_bytes += len(dropped)
            del buffer[:keep]


class Board8A(BoardProtocol):
    """The 8A/80 protocol.

    ``channels`` (2-50, default 24) sets the locks a board has; ``status_order``
    says which channels the first status byte of a read-all answer carries
    (``"high-first"``, as on 24-channel boards, or ``"low-first"``); bit 0 of each
    byte is its lowest channel. ``latched_bit`` is the feedback value (1 for
    ``11``, 0 for ``00``) of a latched lock; it depends on the switch wiring.
    The boards have no item sensors: ``items`` are all False.

    >>> board = Board8A(channels=24)
    >>> reply = bytes.fromhex("80 01 ff ff fe 33") + bytes([bcc(bytes.fromhex("80 01 ff ff fe 33"))])
    >>> status = board.parse_status(reply, 1)
    >>> status.locks, status.is_latched(1), status.is_latched(2), status.is_latched(24)
    (24, False, True, True)
    """

    facts = family("8a")
    unlock_may_reply = True
    echo_window = 0.1

    def __init__(self, *, latched_bit: int | None = None, channels: int = 24,
                 status_order: str = "high-first") -> None:
        self.latched_bit = self.default_latched_bit(latched_bit)
        low = self.facts.locks_min
        if isinstance(channels, bool) or not isinstance(channels, int) or not low <= channels <= MAX_CHANNELS:
            raise ValueError(f"channels must be {low}-{MAX_CHANNELS}, not {channels!r}")
        if status_order not in STATUS_ORDERS:
            raise ValueError(f"status_order must be one of {', '.join(STATUS_ORDERS)}, not {status_order!r}")
        self.channels = channels
        self.status_order = status_order

    @property
    def locks_per_board(self) -> int:
        return self.channels

    def read_request(self, board: int) -> bytes:
        return build_frame(READ_HEADER, self.check_board(board), 0, READ)

    def read_one_request(self, board: int, lock: int) -> bytes:
        return build_frame(READ_HEADER, self.check_board(board), self.check_lock(lock), READ)

    def unlock_request(self, board: int, lock: int) -> bytes:
        return build_frame(UNLOCK_HEADER, self.check_board(board), self.check_lock(lock), UNLOCK)

    def unlock_all_request(self, board: int) -> bytes:
        return build_frame(UNLOCK_HEADER, self.check_board(board), 0, UNLOCK)

    def decoder(self) -> Board8AFrameDecoder:
        return Board8AFrameDecoder(expected=(4 + status_bytes(self.channels), SHORT_LENGTH))

    def parse_status(self, frame: bytes, board: int) -> BoardStatus:
        self.check_board(board)
        frame = self._checked(frame, READ_HEADER, board)
        data = frame[2:-2]
        if frame[-2] != READ or len(data) < status_bytes(self.channels):
            raise FrameError(f"not a read-all answer for {self.channels} channels: {frame.hex(' ')}")
        if self.status_order == "high-first":
            data = data[::-1]
        word = int.from_bytes(data, "little")
        latched = tuple((word >> index) & 1 == self.latched_bit for index in range(self.channels))
        return BoardStatus(board, latched, (False,) * self.channels)

    def parse_read_one(self, frame: bytes, board: int, lock: int) -> LockReading:
        """The answer ``80 BB CC ST BCC`` to :meth:`read_one_request`."""
        return self._lock_reading(self._checked(frame, READ_HEADER, board), board, lock)

    def parse_unlock_reply(self, frame: bytes, board: int, lock: int) -> LockReading:
        return self._lock_reading(self._checked(frame, UNLOCK_HEADER, board), board, lock)

    def encode_status(self, status: BoardStatus) -> bytes:
        """The read-all answer a board would send for ``status`` (for tools and tests).

        >>> board = Board8A(channels=10)
        >>> frame = board.encode_status(BoardStatus(2, (True,) * 10, (False,) * 10))
        >>> frame.hex(" "), board.parse_status(frame, 2).latched == (True,) * 10
        ('80 02 03 ff 33 4d', True)
        """
        if status.locks != self.channels:
            raise ValueError(f"this board has {self.channels} channels, not {status.locks}")
        word = sum(1 << index for index, latched in enumerate(status.latched)
                   if (1 if latched else 0) == self.latched_bit)
        data = word.to_bytes(status_bytes(self.channels), "little")
        if self.status_order == "high-first":
            data = data[::-1]
        body = bytes([READ_HEADER, self.check_board(status.board)]) + data + bytes([READ])
        return body + bytes([bcc(body)])

    def _checked(self, frame: bytes, header: int, board: int) -> bytes:
        frame = bytes(frame)
        if len(frame) < SHORT_LENGTH or frame[0] != header:
            raise FrameError(f"not an {header:02X} frame: {frame.hex(' ')}")
        if bcc(frame[:-1]) != frame[-1]:
            raise ChecksumError(f"bad BCC in {frame.hex(' ')}")
        if frame[1] != board:
            raise FrameError(f"answer of board {frame[1]} where board {board} was asked")
        return frame

    def _lock_reading(self, frame: bytes, board: int, lock: int) -> LockReading:
        if len(frame) != SHORT_LENGTH or frame[2] != lock or frame[3] not in (FEEDBACK_ON, FEEDBACK_OFF):
            raise FrameError(f"not the answer for channel {lock}: {frame.hex(' ')}")
        bit = 1 if frame[3] == FEEDBACK_ON else 0
        return LockReading(board, lock, latched=bit == self.latched_bit)

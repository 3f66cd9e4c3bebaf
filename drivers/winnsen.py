"""Winnsen lock boards: no checksum, one status transaction per lock (single source).

Commands are ``90 06 FN ST LK 03``: FN ``05`` unlock, ``12`` status; ST the
station number set by DIP switch; LK the lock, 1-16. Answers are
``90 07 85 ST LK SS 03`` (unlock) and ``90 07 92 ST SS LK 03`` (status: the last
two fields swapped). SS ``01`` is open or success, ``00`` closed or failure, and
``02`` a command refused during a cooldown. Frames are found by their ``90``
header and their length byte, and checked by the ``03`` trailer only.

Sources disagree whether stations are numbered 0-3 or 1-4, so boards are always
0-3 here and ``station_base`` (0 or 1) is added to give the station byte.

>>> winnsen = Winnsen(station_base=1)
>>> winnsen.unlock_request(0, 5).hex(" ")
'90 06 05 01 05 03'
>>> [frame.hex(" ") for frame in winnsen.read_requests(3)][:2]
['90 06 12 04 01 03', '90 06 12 04 02 03']
"""

from __future__ import annotations

from typing import Sequence

from .errors import FrameError
from .families import family
from .kerong import KerongFrameDecoder
from .protocol import BoardProtocol, BoardStatus, LockReading

HEADER = 0x90
ETX = 0x03
COMMAND_LENGTH = 6
ANSWER_LENGTH = 7
UNLOCK = 0x05
STATUS = 0x12
UNLOCK_ANSWER = 0x85
STATUS_ANSWER = 0x92
OPEN, CLOSED, REFUSED = 0x01, 0x00, 0x02
LOCKS = family("winnsen").locks_per_board
STATIONS = len(family("winnsen").board_addresses)
#: Station number of board 0 (sources disagree between 0-3 and 1-4).
STATION_BASES = (0, 1)


def build_command(function: int, station: int, lock: int) -> bytes:
    return bytes([HEADER, COMMAND_LENGTH, function, station, lock, ETX])


class WinnsenFrameDecoder(KerongFrameDecoder):
    """Splits a Winnsen byte stream into frames: ``90``, a length byte (6 or 7), ``03`` last.

    With no checksum, a frame with a damaged byte other than the trailer cannot be
    told from a good one; the parser rejects what does not fit the question asked.

    >>> decoder = WinnsenFrameDecoder()
    >>> [f.hex(" ") for f in decoder.feed(bytes.fromhex("13 90 07 92 01 00 03 03"))]
    ['90 07 92 01 00 03 03']
    """

    header = HEADER

    def _frame_length(self, buffer: bytearray, start: int) -> int | None:
        if len(buffer) - start < 2:
            return None
        length = buffer[start + 1]
        if length not in (COMMAND_LENGTH, ANSWER_LENGTH):
            self.bad_frames += 1
            return 0
        return length if len(buffer) - start >= length else None

    def _verified(self, frame: bytes) -> bool:
        if frame[-1] != ETX:
            self.bad_frames += 1
            return False
        return True


class Winnsen(BoardProtocol):
    """The Winnsen protocol; ``latched_bit`` is the SS value of a latched lock (default 0).

    Winnsen boards report no item sensors: ``items`` are all False.

    >>> winnsen = Winnsen()
    >>> request = winnsen.read_requests(0)[2]
    >>> winnsen.parse_read(bytes.fromhex("90 07 92 01 00 03 03"), 0, request)
    LockReading(board=0, lock=3, latched=True, refused=False)
    >>> winnsen.parse_unlock_reply(bytes.fromhex("90 07 85 01 03 02 03"), 0, 3)
    LockReading(board=0, lock=3, latched=True, refused=True)
    """

    facts = family("winnsen")
    unlock_may_reply = True

    def __init__(self, *, latched_bit: int | None = None, station_base: int = 1) -> None:
        self.latched_bit = self.default_latched_bit(latched_bit)
        if station_base not in STATION_BASES or isinstance(station_base, bool):
            raise ValueError(f"station_base must be 0 or 1, not {station_base!r}")
        self.station_base = station_base

    def station(self, board: int) -> int:
        return self.check_board(board) + self.station_base

    def read_requests(self, board: int) -> list[bytes]:
        station = self.station(board)
        return [build_command(STATUS, station, lock) for lock in range(1, LOCKS + 1)]

    def unlock_request(self, board: int, lock: int) -> bytes:
        return build_command(UNLOCK, self.station(board), self.check_lock(lock))

    def decoder(self) -> WinnsenFrameDecoder:
        return WinnsenFrameDecoder()

    def parse_read(self, frame: bytes, board: int, request: bytes) -> LockReading:
        lock = request[4]
        frame = self._answer(frame, STATUS_ANSWER, board)
        if frame[5] != lock:
            raise FrameError(f"status of lock {frame[5]} where lock {lock} was asked")
        if frame[4] not in (OPEN, CLOSED):
            raise FrameError(f"unknown lock state {frame[4]:02X} in {frame.hex(' ')}")
        return LockReading(board, lock, latched=frame[4] == self.latched_bit)

    def merge_reads(self, board: int, answers: Sequence[BoardStatus | LockReading]) -> BoardStatus:
        locks = [answer.lock for answer in answers if isinstance(answer, LockReading)]
        if locks != list(range(1, LOCKS + 1)):
            raise FrameError(f"board {board} was read incompletely: locks {locks}")
        return BoardStatus(board, tuple(bool(answer.latched) for answer in answers), (False,) * LOCKS)

    def parse_unlock_reply(self, frame: bytes, board: int, lock: int) -> LockReading:
        """The unlock answer; ``refused`` (SS ``02``) reads as still latched, never as success."""
        frame = self._answer(frame, UNLOCK_ANSWER, board)
        if frame[4] != lock or frame[5] not in (OPEN, CLOSED, REFUSED):
            raise FrameError(f"not the unlock answer for lock {lock}: {frame.hex(' ')}")
        refused = frame[5] == REFUSED
        return LockReading(board, lock, latched=True if refused else None, refused=refused)

    def _answer(self, frame: bytes, function: int, board: int) -> bytes:
        frame = bytes(frame)
        if len(frame) != ANSWER_LENGTH or frame[0] != HEADER or frame[1] != ANSWER_LENGTH \
                or frame[2] != function or frame[-1] != ETX:
            raise FrameError(f"not a {function:02X} answer: {frame.hex(' ')}")
        if frame[3] != self.station(board):
            raise FrameError(f"answer of station {frame[3]} where station {self.station(board)} was asked")
        return frame

"""Firmware of a simulated Winnsen lock board (independent of ``drivers/``).

Commands are ``90 06 FN ST LK 03`` (FN ``05`` unlock, ``12`` status; ST the
station; LK lock 1-16), answers ``90 07 85 ST LK SS 03`` (unlock: SS ``01``
success, ``00`` failure, ``02`` refused during the ``cooldown`` after an unlock of
that lock) and ``90 07 92 ST SS LK 03`` (status: SS is ``latched_bit`` for a
latched lock, by default ``00`` "closed"). The station byte is the board address
plus ``station_base`` (sources disagree between stations 0-3 and 1-4).

There is no checksum: the line finds frames by the ``90`` header and the length
byte. The ``bad_checksum`` fault corrupts the last byte of an answer, which for
this family is the ``03`` trailer, so the host sees a malformed frame.
"""

from __future__ import annotations

import time
from typing import ClassVar

from .cabinet import LOCKS_PER_BOARD, Cabinet
from .firmware import BoardFirmware

HEADER = 0x90
ETX = 0x03
COMMAND_LENGTH = 6
ANSWER_LENGTH = 7
UNLOCK = 0x05
STATUS = 0x12
SUCCESS, FAILURE, REFUSED = 0x01, 0x00, 0x02
STATIONS = 4


class WinnsenFirmware(BoardFirmware):
    """One Winnsen board (16 locks).

    >>> from firmware_sim.layout import FamilyCabinet
    >>> cab = FamilyCabinet(range(2), spring_delay=0.0)
    >>> fw = WinnsenFirmware(1, cab, station_base=1, cooldown=60)
    >>> fw.handle(bytes.fromhex("90 06 12 02 05 03")).hex(" ")
    '90 07 92 02 00 05 03'
    >>> fw.handle(bytes.fromhex("90 06 05 02 05 03")).hex(" ")
    '90 07 85 02 05 01 03'
    >>> fw.handle(bytes.fromhex("90 06 05 02 05 03")).hex(" ")
    '90 07 85 02 05 02 03'
    >>> fw.address_of(bytes.fromhex("90 06 12 02 05 03"))
    1
    """

    sync_bytes: ClassVar[frozenset[int]] = frozenset({HEADER})
    max_board: ClassVar[int] = STATIONS - 1
    default_latched_bit: ClassVar[int] = 0

    def __init__(self, board: int, cabinet: Cabinet, *, latched_bit: int = 0, answer_unlock: bool = True,
                 station_base: int = 1, cooldown: float = 0.0) -> None:
        if latched_bit not in (0, 1):
            raise ValueError("latched_bit must be 0 or 1")
        if station_base not in (0, 1) or isinstance(station_base, bool):
            raise ValueError("station_base must be 0 or 1")
        if not isinstance(cooldown, (int, float)) or cooldown < 0:
            raise ValueError("cooldown must be 0 or more seconds")
        super().__init__(board)
        self.cabinet = cabinet
        self.latched_bit = latched_bit
        self.answer_unlock = answer_unlock
        self.station_base = station_base
        self.cooldown = float(cooldown)
        self._last_unlock: dict[int, float] = {}

    @classmethod
    def frame_length(cls, head: bytes) -> int | None:
        if len(head) < 2:
            return None
        return head[1] if head[1] in (COMMAND_LENGTH, ANSWER_LENGTH) else len(head)

    def address_of(self, frame: bytes) -> int | None:
        return frame[3] - self.station_base if len(frame) > 3 else None

    def pulses(self, frame: bytes) -> bool:
        return len(frame) > 2 and frame[2] == UNLOCK

    def handle(self, frame: bytes) -> bytes | None:
        if (len(frame) != COMMAND_LENGTH or frame[1] != COMMAND_LENGTH or frame[-1] != ETX
                or frame[3] != self.board + self.station_base or not 1 <= frame[4] <= LOCKS_PER_BOARD):
            return None
        function, lock = frame[2], frame[4]
        if function == STATUS:
            latched = self.cabinet.lock(self.board, lock).latched
            state = self.latched_bit if latched else 1 - self.latched_bit
            return self._answer(0x92, state, lock)
        if function == UNLOCK:
            outcome = self._unlock(lock)
            return self._answer(0x85, lock, outcome) if self.answer_unlock else None
        return None

    def _unlock(self, lock: int) -> int:
        now = time.monotonic()
        last = self._last_unlock.get(lock)
        if last is not None and now - last < self.cooldown:
            return REFUSED
        self._last_unlock[lock] = now
        return SUCCESS if self.cabinet.pulse(self.board, lock) else FAILURE

    def _answer(self, function: int, first: int, second: int) -> bytes:
        return bytes([HEADER, ANSWER_LENGTH, function, self.board + self.station_base, first, second, ETX])

"""Firmware of a simulated Kerong KR-CU16 lock board (independent of ``drivers/``).

Frames are ``02 ADDR CMD 03 SUM`` with ``ADDR = board << 4 | (lock - 1)`` and
``SUM`` the low byte of the sum of the preceding bytes; ``0x37`` carries two data
bytes before ``03``: the unlock pulse length in units of 10 ms, high byte first,
stored per board (500 ms until set; a value of 0 is ignored like a bad frame). A
frame with a wrong checksum or an unknown command gets no answer, as on a real board.
"""

from __future__ import annotations

from typing import ClassVar

from .cabinet import LOCKS_PER_BOARD, Cabinet
from .firmware import BoardFirmware

STX = 0x02
ETX = 0x03
READ = 0x30
UNLOCK = 0x31
UNLOCK_ALL = 0x33
SET_PULSE = 0x37
STATUS = 0x35


def checksum(data: bytes) -> int:
    """Kerong checksum: the sum of the bytes, low byte.

    >>> hex(checksum(bytes([0x02, 0x00, 0x31, 0x03])))
    '0x36'
    """
    return sum(data) & 0xFF


def with_checksum(data: bytes) -> bytes:
    return bytes(data) + bytes([checksum(data)])


class KerongFirmware(BoardFirmware):
    """What every Kerong board shares: STX framing, boards 0-15, latch polarity, unlock answers."""

    sync_bytes: ClassVar[frozenset[int]] = frozenset({STX})
    max_board: ClassVar[int] = 15

    def __init__(self, board: int, cabinet: Cabinet, *, latched_bit: int = 1,
                 answer_unlock: bool = True) -> None:
        if latched_bit not in (0, 1):
            raise ValueError("latched_bit must be 0 or 1")
        super().__init__(board)
        self.cabinet = cabinet
        self.latched_bit = latched_bit
        self.answer_unlock = answer_unlock


class KerongCU16Firmware(KerongFirmware):
    """One CU16 board: answers ``0x30``, ``0x31``, ``0x33`` and ``0x37`` frames.

    ``latched_bit`` is the bit value that reports a latched lock (sources
    disagree); ``answer_unlock`` says whether unlock commands get a status reply.

    >>> cab = Cabinet(boards=1)
    >>> fw = KerongCU16Firmware(0, cab)
    >>> fw.handle(bytes.fromhex("0200300335")).hex(" ")
    '02 00 35 ff ff 00 00 03 38'
    >>> fw.handle(bytes.fromhex("0200310336")).hex(" ")
    '02 00 35 fe ff 00 00 03 37'
    >>> fw.handle(bytes.fromhex("0200300399")) is None
    True
    >>> fw.handle(bytes.fromhex("02 00 37 00 64 03 a0")) is not None, cab.pulse_ms(0)
    (True, 1000)
    >>> fw.handle(bytes.fromhex("02 00 37 00 00 03 3c")), cab.pulse_ms(0)
    (None, 1000)
    """

    #: ``0x37`` sets the unlock pulse length; ``/sim/state`` shows it as ``pulse_ms``.
    sets_pulse_time: ClassVar[bool] = True

    @classmethod
    def frame_length(cls, head: bytes) -> int | None:
        if len(head) < 3:
            return None
        return 7 if head[2] == SET_PULSE else 5

    @classmethod
    def address_of(cls, frame: bytes) -> int | None:
        return frame[1] >> 4 if len(frame) > 1 else None

    def pulses(self, frame: bytes) -> bool:
        return len(frame) == 5 and frame[2] in (UNLOCK, UNLOCK_ALL)

    def handle(self, frame: bytes) -> bytes | None:
        if not self._valid(frame):
            return None
        command, lock = frame[2], (frame[1] & 0x0F) + 1
        if command == READ and len(frame) == 5:
            return self.status_frame()
        if command == UNLOCK and len(frame) == 5:
            self.cabinet.pulse(self.board, lock)
            return self.status_frame() if self.answer_unlock else None
        if command == UNLOCK_ALL and len(frame) == 5:
            for each in range(1, LOCKS_PER_BOARD + 1):
                self.cabinet.pulse(self.board, each)
            return self.status_frame() if self.answer_unlock else None
        if command == SET_PULSE and len(frame) == 7 and (units := frame[3] << 8 | frame[4]):
            self.cabinet.set_pulse_ms(self.board, units * 10)
            return self.status_frame()
        return None

    def status_frame(self) -> bytes:
        """The 9-byte ``0x35`` status reply for the board's current state."""
        locks = self.cabinet.locks(self.board)
        latch = sum(1 << i for i, lk in enumerate(locks) if lk.latched == bool(self.latched_bit))
        items = sum(1 << i for i, lk in enumerate(locks) if lk.item)
        body = bytes([STX, self.board << 4, STATUS, latch & 0xFF, latch >> 8,
                      items & 0xFF, items >> 8, ETX])
        return with_checksum(body)

    def _valid(self, frame: bytes) -> bool:
        return (len(frame) >= 5 and frame[0] == STX and frame[-2] == ETX
                and frame[1] >> 4 == self.board and checksum(frame[:-1]) == frame[-1])

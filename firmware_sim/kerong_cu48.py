"""Firmware of a simulated Kerong KR-CU48 lock board (independent of ``drivers/``).

Frames are ``02 ADDR LOCK CMD 03 SUM``, ``SUM`` the low byte of the sum of the
preceding bytes: ``0x50`` reads the 48 latches (LOCK byte 0), ``0x51`` pulses lock
LOCK + 1. The status answer is ``02 ADDR 00 65 D1..D6 03 SUM``, bit 0 of D1 being
lock 1. CU48 boards have no item sensors. A frame with a wrong checksum, a wrong
trailer or an unknown command gets no answer.
"""

from __future__ import annotations

from typing import Any, Mapping

from .kerong import ETX, STX, KerongFirmware, with_checksum

READ = 0x50
UNLOCK = 0x51
STATUS = 0x65
LOCKS = 48
FRAME_LENGTH = 6


class KerongCU48Firmware(KerongFirmware):
    """One CU48 board: 48 locks, answers ``0x50`` and ``0x51`` frames.

    >>> from firmware_sim.layout import FamilyCabinet
    >>> cab = FamilyCabinet(range(2), locks_per_board=48)
    >>> fw = KerongCU48Firmware(1, cab)
    >>> fw.handle(bytes.fromhex("02 01 2f 51 03 86")).hex(" ")
    '02 01 00 65 ff ff ff ff ff 7f 03 e5'
    >>> fw.handle(bytes.fromhex("02 01 00 50 03 00")) is None
    True
    """

    @classmethod
    def locks_per_board(cls, options: Mapping[str, Any]) -> int:
        return LOCKS

    @classmethod
    def frame_length(cls, head: bytes) -> int | None:
        return FRAME_LENGTH

    @classmethod
    def address_of(cls, frame: bytes) -> int | None:
        return frame[1] if len(frame) > 1 else None

    def pulses(self, frame: bytes) -> bool:
        return len(frame) > 3 and frame[3] == UNLOCK

    def handle(self, frame: bytes) -> bytes | None:
        if not self._valid(frame):
            return None
        if frame[3] == READ and frame[2] == 0:
            return self.status_frame()
        if frame[3] == UNLOCK and frame[2] < LOCKS:
            self.cabinet.pulse(self.board, frame[2] + 1)
            return self.status_frame() if self.answer_unlock else None
        return None

    def status_frame(self) -> bytes:
        """The 12-byte ``0x65`` status answer for the board's current state."""
        locks = self.cabinet.locks(self.board)
        latch = sum(1 << i for i, lk in enumerate(locks) if lk.latched == bool(self.latched_bit))
        return with_checksum(bytes([STX, self.board, 0, STATUS]) + latch.to_bytes(6, "little") + bytes([ETX]))

    def _valid(self, frame: bytes) -> bool:
        return (len(frame) == FRAME_LENGTH and frame[0] == STX and frame[-2] == ETX
                and frame[1] == self.board and sum(frame[:-1]) & 0xFF == frame[-1])

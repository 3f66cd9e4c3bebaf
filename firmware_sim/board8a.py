"""Firmware of a simulated generic "8A/80" RS485 lock board (independent of ``drivers/``).

Frames are five bytes ending with a BCC (XOR of the preceding bytes):
``8A BB CC 11`` pulses channel CC (0: every channel, one after another) and is
answered ``8A BB CC ST`` after ``unlock_reply_delay`` seconds (about 0.5 s on real
boards), ST being the channel's feedback switch (``11`` or ``00``);
``80 BB CC 33`` reads one channel (answer ``80 BB CC ST``) or, with CC 0, all of
them (answer ``80 BB Sn .. S1 33``, one byte per eight channels; ``status_order``
``high-first`` puts the highest channels first). Board addresses are 1-32. The
boards have no item sensors. A pause of 25 ms drops a partial frame.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from .cabinet import Cabinet
from .firmware import BoardFirmware

UNLOCK_HEADER = 0x8A
READ_HEADER = 0x80
UNLOCK = 0x11
READ = 0x33
FEEDBACK_ON = 0x11
FEEDBACK_OFF = 0x00
DEFAULT_CHANNELS = 24
MAX_CHANNELS = 50
STATUS_ORDERS = ("high-first", "low-first")


def bcc(data: bytes) -> int:
    """XOR of the bytes.

    >>> hex(bcc(bytes.fromhex("80 01 01 33")))
    '0xb3'
    """
    value = 0
    for byte in data:
        value ^= byte
    return value


def with_bcc(data: bytes) -> bytes:
    return bytes(data) + bytes([bcc(data)])


class Board8AFirmware(BoardFirmware):
    """One 8A/80 board with ``channels`` locks (2-50, default 24).

    >>> from firmware_sim.layout import FamilyCabinet
    >>> cab = FamilyCabinet(range(1, 2), locks_per_board=24)
    >>> fw = Board8AFirmware(1, cab, channels=24)
    >>> fw.handle(bytes.fromhex("80 01 00 33 b2")).hex(" ")
    '80 01 ff ff ff 33 4d'
    >>> fw.handle(bytes.fromhex("8a 01 01 11 9b")).hex(" "), fw.reply_delay(bytes.fromhex("8a 01 01 11 9b"))
    ('8a 01 01 00 8a', 0.5)
    >>> fw.handle(bytes.fromhex("80 01 01 33 b3")).hex(" ")
    '80 01 01 00 80'
    """

    sync_bytes: ClassVar[frozenset[int]] = frozenset({UNLOCK_HEADER, READ_HEADER})
    max_board: ClassVar[int] = 32
    frame_gap: ClassVar[float] = 0.025

    def __init__(self, board: int, cabinet: Cabinet, *, latched_bit: int = 1, answer_unlock: bool = True,
                 channels: int = DEFAULT_CHANNELS, status_order: str = "high-first",
                 unlock_reply_delay: float = 0.5) -> None:
        if latched_bit not in (0, 1):
            raise ValueError("latched_bit must be 0 or 1")
        if status_order not in STATUS_ORDERS:
            raise ValueError(f"status_order must be one of {', '.join(STATUS_ORDERS)}")
        if not isinstance(unlock_reply_delay, (int, float)) or unlock_reply_delay < 0:
            raise ValueError("unlock_reply_delay must be 0 or more seconds")
        super().__init__(board)
        self.cabinet = cabinet
        self.latched_bit = latched_bit
        self.answer_unlock = answer_unlock
        self.channels = self.locks_per_board({"channels": channels})
        self.status_order = status_order
        self.unlock_reply_delay = float(unlock_reply_delay)

    @classmethod
    def addresses(cls, options: Mapping[str, Any]) -> range:
        return range(1, cls.max_board + 1)

    @classmethod
    def locks_per_board(cls, options: Mapping[str, Any]) -> int:
        channels = options.get("channels", DEFAULT_CHANNELS)
        if isinstance(channels, bool) or not isinstance(channels, int) or not 2 <= channels <= MAX_CHANNELS:
            raise ValueError(f"channels must be 2-{MAX_CHANNELS}")
        return channels

    @classmethod
    def frame_length(cls, head: bytes) -> int | None:
        return 5

    @classmethod
    def address_of(cls, frame: bytes) -> int | None:
        return frame[1] if len(frame) > 1 else None

    def pulses(self, frame: bytes) -> bool:
        return len(frame) == 5 and frame[0] == UNLOCK_HEADER and frame[3] == UNLOCK

    def handle(self, frame: bytes) -> bytes | None:
        if len(frame) != 5 or frame[1] != self.board or bcc(frame[:4]) != frame[4]:
            return None
        header, channel, command = frame[0], frame[2], frame[3]
        if channel > self.channels:
            return None
        if header == UNLOCK_HEADER and command == UNLOCK:
            for each in range(1, self.channels + 1) if channel == 0 else [channel]:
                self.cabinet.pulse(self.board, each)
            return self._reading(UNLOCK_HEADER, channel) if self.answer_unlock else None
        if header == READ_HEADER and command == READ:
            return self.status_frame() if channel == 0 else self._reading(READ_HEADER, channel)
        return None

    def reply_delay(self, frame: bytes) -> float:
        return self.unlock_reply_delay if frame[:1] == bytes([UNLOCK_HEADER]) else 0.0

    def status_frame(self) -> bytes:
        """The read-all answer ``80 BB Sn .. S1 33 BCC``."""
        bits = [self._bit(lock) for lock in range(1, self.channels + 1)]
        word = sum(1 << index for index, bit in enumerate(bits) if bit)
        data = word.to_bytes((self.channels + 7) // 8, "little")
        if self.status_order == "high-first":
            data = data[::-1]
        return with_bcc(bytes([READ_HEADER, self.board]) + data + bytes([READ]))

    def _reading(self, header: int, channel: int) -> bytes:
        """``HH BB CC ST BCC``; for the whole board, ST is channel 1's switch."""
        state = FEEDBACK_ON if self._bit(max(channel, 1)) else FEEDBACK_OFF
        return with_bcc(bytes([header, self.board, channel, state]))

    def _bit(self, lock: int) -> int:
        latched = self.cabinet.lock(self.board, lock).latched
        return self.latched_bit if latched else 1 - self.latched_bit

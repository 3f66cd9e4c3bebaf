"""What the simulated line needs from a board family's firmware.

A firmware class knows its family's framing (how the line cuts the host's bytes
into frames, which board a frame is for, how long a reply takes) and, per board
instance, how that board answers one complete frame. Its class methods describe
the family's layout: the bus addresses it can use and the locks on a board. The
families are listed in ``firmware_sim.families.BOARD_TYPES``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

from .cabinet import LOCKS_PER_BOARD


class BoardFirmware(ABC):
    """Base class of the firmware of one board on the simulated bus.

    Constructors take ``(board, cabinet, *, latched_bit, answer_unlock, **options)``;
    ``options`` are the family's own settings (``Simulator(board_options=...)``).

    >>> from firmware_sim.kerong import KerongCU16Firmware
    >>> issubclass(KerongCU16Firmware, BoardFirmware)
    True
    >>> KerongCU16Firmware.addresses({}), KerongCU16Firmware.locks_per_board({})
    (range(0, 16), 16)
    """

    #: Bytes a host frame may start with; anything else outside a frame is garbage.
    sync_bytes: ClassVar[frozenset[int]] = frozenset()
    #: Highest board address the family can use.
    max_board: ClassVar[int] = 15
    #: A pause longer than this (seconds) drops a partial frame.
    frame_gap: ClassVar[float] = 0.05
    #: The bit value that reports a latched lock unless told otherwise.
    default_latched_bit: ClassVar[int] = 1

    def __init__(self, board: int) -> None:
        self.board = board

    @classmethod
    def addresses(cls, options: Mapping[str, Any]) -> range:
        """Every bus address a board of this family can have."""
        return range(cls.max_board + 1)

    @classmethod
    def locks_per_board(cls, options: Mapping[str, Any]) -> int:
        return LOCKS_PER_BOARD

    @abstractmethod
    def frame_length(self, head: bytes) -> int | None:
        """Total length of the frame ``head`` starts, or None while it is not known yet.

        A length not above ``len(head)`` ends the frame at once (a malformed start).
        May be a class method.
        """

    @abstractmethod
    def address_of(self, frame: bytes) -> int | None:
        """The board a complete frame is addressed to (None: nobody); may be a class method."""

    @abstractmethod
    def handle(self, frame: bytes) -> bytes | None:
        """Act on one complete frame for this board; the reply bytes or None."""

    def reply_delay(self, frame: bytes) -> float:
        """Extra seconds before the reply to ``frame`` leaves the board."""
        return 0.0

    def pulses(self, frame: bytes) -> bool:
        """Whether ``frame`` is an unlock command (wakes line faults armed for unlock frames)."""
        return False

"""What the simulated line needs from a board family's firmware.

A firmware class knows its family's framing (how the line cuts the host's bytes
into frames and which board a frame is for) and, per board instance, how that
board answers one complete frame. Further families (CU48, "8A/80", Winnsen) are
added as further subclasses and listed in ``firmware_sim.simulator.BOARD_TYPES``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar


class BoardFirmware(ABC):
    """Base class of the firmware of one board on the simulated bus.

    >>> from firmware_sim.kerong import KerongCU16Firmware
    >>> issubclass(KerongCU16Firmware, BoardFirmware)
    True
    """

    #: Bytes a host frame may start with; anything else outside a frame is garbage.
    sync_bytes: ClassVar[frozenset[int]] = frozenset()
    #: Highest board address the family can use.
    max_board: ClassVar[int] = 15

    def __init__(self, board: int) -> None:
        self.board = board

    @classmethod
    @abstractmethod
    def frame_length(cls, head: bytes) -> int | None:
        """Total length of the frame ``head`` starts, or None while it is not known yet."""

    @classmethod
    @abstractmethod
    def address_of(cls, frame: bytes) -> int | None:
        """The board a complete frame is addressed to (None: nobody)."""

    @abstractmethod
    def handle(self, frame: bytes) -> bytes | None:
        """Act on one complete frame for this board; the reply bytes or None."""

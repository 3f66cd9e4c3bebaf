"""What every lock board family provides: frames as bytes, and a decoded status.

A protocol is a pure codec: it builds request frames and parses reply frames, and
never touches a port. New families (CU48, "8A/80", Winnsen) are subclasses of
:class:`BoardProtocol` added to :func:`get_protocol`.

>>> protocol = get_protocol("kerong-cu16")
>>> protocol.read_request(1).hex(" ")
'02 10 30 03 45'
>>> get_protocol("no-such-board")
Traceback (most recent call last):
...
drivers.errors.DriverError: unknown board protocol 'no-such-board'; known: kerong-cu16
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

from .errors import DriverError


@dataclass(frozen=True)
class BoardStatus:
    """One board's latches and item sensors; index 0 is lock 1.

    >>> status = BoardStatus(0, latched=(True, False), items=(False, True))
    >>> status.is_latched(1), status.is_latched(2), status.has_item(2)
    (True, False, True)
    """

    board: int
    latched: tuple[bool, ...]
    items: tuple[bool, ...]

    def __post_init__(self) -> None:
        if len(self.latched) != len(self.items):
            raise ValueError("latched and items must have one entry per lock")

    @property
    def locks(self) -> int:
        return len(self.latched)

    def is_latched(self, lock: int) -> bool:
        return self.latched[self._index(lock)]

    def has_item(self, lock: int) -> bool:
        return self.items[self._index(lock)]

    def _index(self, lock: int) -> int:
        if not isinstance(lock, int) or not 1 <= lock <= len(self.latched):
            raise ValueError(f"lock must be 1-{len(self.latched)}, not {lock!r}")
        return lock - 1


class FrameDecoder(Protocol):
    """Turns a byte stream into complete, verified frames."""

    junk_bytes: int
    bad_checksums: int
    bad_frames: int

    def feed(self, data: bytes) -> list[bytes]: ...

    def reset(self) -> None: ...


class BoardProtocol(ABC):
    """The frames of one family of lock boards."""

    name: str = ""
    default_baudrate: int = 19200
    locks_per_board: int = 0
    #: Board addresses this family can express on one bus.
    board_addresses: range = range(0)
    #: Whether a board may answer an unlock frame (the driver copes either way).
    unlock_may_reply: bool = False

    @abstractmethod
    def read_request(self, board: int) -> bytes:
        """The frame asking ``board`` for its status."""

    @abstractmethod
    def unlock_request(self, board: int, lock: int) -> bytes:
        """The frame pulsing one lock."""

    @abstractmethod
    def decoder(self) -> FrameDecoder:
        """A new decoder for the replies of this family."""

    @abstractmethod
    def parse_status(self, frame: bytes, board: int) -> BoardStatus:
        """Decode a status frame of ``board``; :class:`FrameError` if it is not one."""

    def check_board(self, board: int) -> int:
        if isinstance(board, bool) or not isinstance(board, int) or board not in self.board_addresses:
            first, last = self.board_addresses[0], self.board_addresses[-1]
            raise ValueError(f"board must be {first}-{last} for {self.name}, not {board!r}")
        return board

    def check_lock(self, lock: int) -> int:
        if isinstance(lock, bool) or not isinstance(lock, int) or not 1 <= lock <= self.locks_per_board:
            raise ValueError(f"lock must be 1-{self.locks_per_board} for {self.name}, not {lock!r}")
        return lock


def get_protocol(name: str, *, latched_bit: int = 1) -> BoardProtocol:
    """The protocol of the family called ``name`` (as in the ``[bus] protocol`` setting)."""
    from .kerong import KerongCU16

    families = {KerongCU16.name: KerongCU16}
    family = families.get(name)
    if family is None:
        raise DriverError(f"unknown board protocol {name!r}; known: {', '.join(sorted(families))}")
    return family(latched_bit=latched_bit)

"""What every lock board family provides: frames as bytes, and a decoded status.

A protocol is a pure codec: it builds request frames and parses reply frames, and
never touches a port. Reading a board is a sequence of request frames (one for
families with a read-all command, one per lock for Winnsen) whose answers are
merged into one :class:`BoardStatus`. Families are listed in :data:`FAMILIES`.

>>> protocol = get_protocol("kerong-cu16")
>>> protocol.read_request(1).hex(" ")
'02 10 30 03 45'
>>> get_protocol("no-such-board")
Traceback (most recent call last):
...
drivers.errors.DriverError: unknown board protocol 'no-such-board'; known: 8a, kerong-cu16, kerong-cu48, winnsen
>>> get_protocol("8a", channels=12).locks_per_board
12
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from .errors import DriverError, FrameError
from .families import FAMILIES as _FAMILY_FACTS
from .families import BoardFamily

#: Protocol names (the ``[bus] protocol`` setting) with a byte codec, and the module:class of each.
FAMILIES = {name: facts.codec for name, facts in _FAMILY_FACTS.items() if facts.codec}


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


@dataclass(frozen=True)
class LockReading:
    """One lock's answer: a status reading or the answer to an unlock frame.

    ``latched`` is None when the answer says nothing about the latch; ``refused``
    marks a board that declined the command (Winnsen cooldown).

    >>> LockReading(board=1, lock=3, latched=True)
    LockReading(board=1, lock=3, latched=True, refused=False)
    """

    board: int
    lock: int
    latched: bool | None
    refused: bool = False


class FrameDecoder(Protocol):
    """Turns a byte stream into complete, verified frames.

    Decoders of families whose frames end with a pause (8A) also have ``flush()``,
    called when an answer did not come: the bytes held are counted as a broken frame.
    """

    junk_bytes: int
    bad_checksums: int
    bad_frames: int
    #: Bytes held while waiting for the rest of a frame.
    buffered: int

    def feed(self, data: bytes) -> list[bytes]: ...

    def reset(self) -> None: ...


class BoardProtocol(ABC):
    """The frames of one family of lock boards; its facts come from :mod:`drivers.families`."""

    #: The family's entry in :data:`drivers.families.FAMILIES`.
    facts: BoardFamily
    #: Whether a board may answer an unlock frame (the driver copes either way).
    unlock_may_reply: bool = False
    #: A frame equal to the request heard within this many seconds is the adapter's
    #: echo; later it is the board's answer (8A unlock answers can equal the request).
    echo_window: float = float("inf")
    #: Set by :func:`get_protocol` when the bus overrides the family's answer timeout.
    _answer_timeout: float | None = None

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def default_baudrate(self) -> int:
        return self.facts.baudrate

    @property
    def locks_per_board(self) -> int:
        return self.facts.locks_per_board

    @property
    def board_addresses(self) -> range:
        """Board addresses this family can express on one bus."""
        return self.facts.board_addresses

    @property
    def answer_timeout(self) -> float:
        """Seconds to wait for an answer unless the bus is told otherwise."""
        return self.facts.answer_timeout_ms / 1000 if self._answer_timeout is None else self._answer_timeout

    @answer_timeout.setter
    def answer_timeout(self, seconds: float) -> None:
        self._answer_timeout = seconds

    @property
    def frame_silence(self) -> float:
        """Silence (seconds) that ends a frame on the line at the family's baud rate."""
        return self.facts.frame_silence()

    @property
    def transaction_gap(self) -> float:
        """Minimum pause (seconds) between the end of one transaction and the next frame."""
        return self.facts.transaction_gap_ms / 1000

    @property
    def sets_pulse_time(self) -> bool:
        """Whether :meth:`setup_frames` can set the unlock pulse length on the board."""
        return self.facts.pulse_time_ms is not None

    def default_latched_bit(self, latched_bit: int | None) -> int:
        """``latched_bit``, or the family's when None; checked."""
        return check_latched_bit(self.facts.latched_bit if latched_bit is None else latched_bit)

    def read_request(self, board: int) -> bytes:
        """The one frame asking ``board`` for the status of all its locks."""
        raise DriverError(f"{self.name} boards have no read-all frame; use read_requests()")

    def read_requests(self, board: int) -> list[bytes]:
        """The frames that together read ``board``; their answers go to :meth:`merge_reads`."""
        return [self.read_request(board)]

    def setup_frames(self, board: int, *, pulse_ms: int | None = None) -> list[bytes]:
        """The frames configuring ``board`` when it comes online; the answers do not matter.

        ``pulse_ms`` asks for the unlock pulse length (families with ``sets_pulse_time``).
        Families without such settings have no frames.

        >>> get_protocol("8a").setup_frames(1, pulse_ms=500)
        []
        """
        return []

    @abstractmethod
    def unlock_request(self, board: int, lock: int) -> bytes:
        """The frame pulsing one lock."""

    @abstractmethod
    def decoder(self) -> FrameDecoder:
        """A new decoder for the replies of this family."""

    def parse_status(self, frame: bytes, board: int) -> BoardStatus:
        """Decode a status frame of ``board``; :class:`FrameError` if it is not one."""
        raise FrameError(f"{self.name} boards send no board status frame")

    def parse_read(self, frame: bytes, board: int, request: bytes) -> BoardStatus | LockReading:
        """Decode the answer to one of :meth:`read_requests`; :class:`FrameError` if it is not."""
        return self.parse_status(frame, board)

    def merge_reads(self, board: int, answers: Sequence[BoardStatus | LockReading]) -> BoardStatus:
        """One :class:`BoardStatus` from the answers to :meth:`read_requests`, in order."""
        if len(answers) != 1 or not isinstance(answers[0], BoardStatus):
            raise FrameError(f"expected one status of board {board}, got {len(answers)} answers")
        return answers[0]

    def parse_unlock_reply(self, frame: bytes, board: int, lock: int) -> BoardStatus | LockReading:
        """Decode the answer to an unlock frame; :class:`FrameError` if it is not one.

        It never says that a door opened: the bus confirms that with a read.
        """
        return self.parse_status(frame, board)

    def check_board(self, board: int) -> int:
        if isinstance(board, bool) or not isinstance(board, int) or board not in self.board_addresses:
            first, last = self.board_addresses[0], self.board_addresses[-1]
            raise ValueError(f"board must be {first}-{last} for {self.name}, not {board!r}")
        return board

    def check_lock(self, lock: int) -> int:
        if isinstance(lock, bool) or not isinstance(lock, int) or not 1 <= lock <= self.locks_per_board:
            raise ValueError(f"lock must be 1-{self.locks_per_board} for {self.name}, not {lock!r}")
        return lock


def check_latched_bit(latched_bit: int) -> int:
    if latched_bit not in (0, 1) or isinstance(latched_bit, bool):
        raise ValueError(f"latched_bit must be 0 or 1, not {latched_bit!r}")
    return latched_bit


def get_protocol(name: str, **options: Any) -> BoardProtocol:
    """The protocol of the family called ``name`` (as in the ``[bus] protocol`` setting).

    ``options`` go to the family (``latched_bit`` and ``answer_timeout`` in seconds
    for all; ``channels``, ``status_order`` for 8A; ``station_base`` for Winnsen);
    an option left out or None takes the family's default.

    >>> get_protocol("8a").answer_timeout, get_protocol("8a", answer_timeout=0.5).answer_timeout
    (1.5, 0.5)

    >>> get_protocol("winnsen", station_base=0, latched_bit=None).read_requests(1)[0].hex(" ")
    '90 06 12 01 01 03'
    >>> get_protocol("kerong-cu48", channels=8)
    Traceback (most recent call last):
    ...
    drivers.errors.DriverError: bad option for kerong-cu48: KerongCU48.__init__() got an unexpected keyword argument 'channels'
    """
    target = FAMILIES.get(name) if isinstance(name, str) else None
    if target is None:
        raise DriverError(f"unknown board protocol {name!r}; known: {', '.join(sorted(FAMILIES))}")
    module_name, class_name = target.split(":")
    module = __import__(f"{__package__}.{module_name}", fromlist=[class_name])
    family = getattr(module, class_name)
    given = {key: value for key, value in options.items() if value is not None}
    answer_timeout = given.pop("answer_timeout", None)
    try:
        protocol = family(**given)
    except (TypeError, ValueError) as exc:
        raise DriverError(f"bad option for {name}: {exc}") from None
    if answer_timeout is not None:
        if isinstance(answer_timeout, bool) or not isinstance(answer_timeout, (int, float)) or not answer_timeout > 0:
            raise DriverError(f"bad option for {name}: answer_timeout must be positive, not {answer_timeout!r}")
        protocol.answer_timeout = float(answer_timeout)
    return protocol

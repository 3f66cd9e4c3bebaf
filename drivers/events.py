"""Events a :class:`drivers.bus.LockBusDriver` sends to its listener.

They speak of boards, locks, latches and items; lock numbers count from 1.

>>> LatchChanged(board=0, lock=3, latched=False)
LatchChanged(board=0, lock=3, latched=False)
>>> UnlockDone(0, 3, "released").result
'released'
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Callable, Literal, Union

log = logging.getLogger(__name__)

UnlockResult = Literal["released", "jammed", "unknown"]

UNLOCK_RESULTS: tuple[str, ...] = ("released", "jammed", "unknown")


@dataclass(frozen=True)
class LatchChanged:
    """A lock's latch was read engaged (``latched=True``) or released.

    After an unlock ended ``released`` on the evidence of its item sensor while the
    latch reads engaged (the door opened and shut between two readable answers), a
    ``LatchChanged(latched=True)`` follows the :class:`UnlockDone`: the door is shut again.
    """

    board: int
    lock: int
    latched: bool


@dataclass(frozen=True)
class ItemSensed:
    """A lock's infrared item sensor changed."""

    board: int
    lock: int
    present: bool


@dataclass(frozen=True)
class BoardOnline:
    """A board answered for the first time, or again after being offline."""

    board: int


@dataclass(frozen=True)
class BoardOffline:
    """A board missed too many consecutive reads; its state is now unknown."""

    board: int


@dataclass(frozen=True)
class UnlockDone:
    """The confirmed outcome of one unlock; the lock is pulsed at most twice for it.

    ``released``: proof that the door opened: a read (or the unlock's answer) showed
    the latch released, or the lock's item sensor changed since the pulse (buses with
    item sensors). ``jammed``: every answer of the board after the pulse was read, and
    the latch stayed engaged with no item change until the open timeout, a resend
    included. ``unknown``: no proof either way: no read answered, or an answer was
    lost or unreadable after the pulse (the door may have opened and shut unseen;
    the lock is then never pulsed again for this unlock).
    """

    board: int
    lock: int
    result: UnlockResult

    def __post_init__(self) -> None:
        if self.result not in UNLOCK_RESULTS:
            raise ValueError(f"unlock result must be one of {UNLOCK_RESULTS}, not {self.result!r}")


BusEvent = Union[LatchChanged, ItemSensed, BoardOnline, BoardOffline, UnlockDone]


def deliver(listener: Callable[[BusEvent], None], events: list[BusEvent], source: str) -> None:
    """Give ``events`` to ``listener``; a failing listener is logged and never stops the bus."""
    for event in events:
        try:
            listener(event)
        except Exception:
            log.exception("%s: the listener failed on %r", source, event)


def settle(future: Future, result: str) -> None:
    """Set an unlock's result unless the caller cancelled it."""
    try:
        future.set_result(result)
    except InvalidStateError:
        pass

"""Doors, latches and item sensors of a simulated cabinet, with door physics.

An unlock pulse on a latched, non-jammed lock releases the latch at once; the
door springs open ``spring_delay`` seconds later and stays open until a person
closes it, which engages the latch again. A latched door never opens by itself.
Time is read from a monotonic clock when the state is looked at, so no thread
runs the physics.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

LOCKS_PER_BOARD = 16
MAX_BOARDS = 16


@dataclass
class SimLock:
    """One compartment's lock, door and infrared item sensor.

    ``jam_left`` is None when the lock works, 0 when it is jammed until cleared,
    or the number of pulses that will still fail.

    >>> SimLock().latched, SimLock().door_open, SimLock().jammed
    (True, False, False)
    """

    door_open: bool = False
    latched: bool = True
    item: bool = False
    jam_left: int | None = None
    opens_at: float | None = None

    @property
    def jammed(self) -> bool:
        return self.jam_left is not None


@dataclass(frozen=True)
class ForcedOpening:
    """A door that a person pulled open while its latch was engaged."""

    board: int
    lock: int
    t_ns: int


@dataclass
class _Board:
    locks: list[SimLock] = field(default_factory=lambda: [SimLock() for _ in range(LOCKS_PER_BOARD)])
    pulse_ms: int = 500


class Cabinet:
    """Thread-safe model of ``boards`` lock boards (addresses 0..boards-1).

    >>> clock = [0.0]
    >>> cab = Cabinet(boards=1, spring_delay=0.3, clock=lambda: clock[0])
    >>> cab.pulse(0, 1)
    True
    >>> cab.lock(0, 1).latched, cab.lock(0, 1).door_open
    (False, False)
    >>> clock[0] = 0.3
    >>> cab.lock(0, 1).door_open
    True
    >>> cab.close_door(0, 1); cab.lock(0, 1).latched
    True
    """

    def __init__(self, boards: int = 2, *, spring_delay: float = 0.3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not 1 <= boards <= MAX_BOARDS:
            raise ValueError(f"boards must be between 1 and {MAX_BOARDS}")
        self.spring_delay = spring_delay
        self._clock = clock
        self._boards = [_Board() for _ in range(boards)]
        self._mutex = threading.RLock()
        self.forced_openings: list[ForcedOpening] = []

    @property
    def board_count(self) -> int:
        return len(self._boards)

    def has(self, board: int, lock: int | None = None) -> bool:
        """Whether that board (and lock, counted from 1) exists."""
        if not 0 <= board < len(self._boards):
            return False
        return lock is None or 1 <= lock <= LOCKS_PER_BOARD

    def lock(self, board: int, lock: int) -> SimLock:
        """A snapshot copy of one lock, with the door physics brought up to date."""
        with self._mutex:
            current = self._settled(board, lock)
            return SimLock(current.door_open, current.latched, current.item,
                           current.jam_left, current.opens_at)

    def locks(self, board: int) -> list[SimLock]:
        """Snapshots of the 16 locks of a board, lock 1 first."""
        with self._mutex:
            return [self.lock(board, n) for n in range(1, LOCKS_PER_BOARD + 1)]

    def pulse(self, board: int, lock: int) -> bool:
        """Fire the lock; returns whether the latch is released afterwards."""
        with self._mutex:
            target = self._settled(board, lock)
            if not target.latched:
                return True
            if target.jammed:
                self._use_jam(target)
                return False
            target.latched = False
            target.opens_at = self._clock() + self.spring_delay
            return True

    def open_door(self, board: int, lock: int) -> bool:
        """A person opens the door; returns True when that was a forced opening."""
        with self._mutex:
            target = self._settled(board, lock)
            forced = target.latched
            target.latched = False
            target.door_open = True
            target.opens_at = None
            if forced:
                self.forced_openings.append(ForcedOpening(board, lock, time.monotonic_ns()))
            return forced

    def close_door(self, board: int, lock: int) -> None:
        """A person closes the door; the latch engages."""
        with self._mutex:
            target = self._settled(board, lock)
            target.door_open = False
            target.latched = True
            target.opens_at = None

    def restore(self, board: int, lock: int, *, door_open: bool, item: bool) -> None:
        """Put a lock back as it was kept (a restart): an open door is unlatched, a closed one latched."""
        with self._mutex:
            target = self._settled(board, lock)
            target.door_open, target.latched, target.item = bool(door_open), not door_open, bool(item)
            target.opens_at = None

    def set_item(self, board: int, lock: int, present: bool) -> None:
        with self._mutex:
            self._settled(board, lock).item = bool(present)

    def jam(self, board: int, lock: int, pulses: int = 0) -> None:
        """Jam a latch for ``pulses`` unlock pulses (0: until :meth:`unjam_all`)."""
        with self._mutex:
            self._settled(board, lock).jam_left = pulses

    def unjam_all(self) -> None:
        with self._mutex:
            for each in self._boards:
                for target in each.locks:
                    target.jam_left = None

    def cut_power(self, boards) -> list[tuple[int, int]]:
        """A power cut on ``boards``: unlock pulses in progress are lost.

        A lock whose latch a pulse released but whose door has not sprung open yet
        latches again (the solenoid lost its current); open doors stay open.
        Returns the (board, lock) pairs that latched again.

        >>> clock = [0.0]
        >>> cab = Cabinet(boards=1, spring_delay=0.3, clock=lambda: clock[0])
        >>> cab.pulse(0, 1), cab.pulse(0, 2)
        (True, True)
        >>> clock[0] = 0.3; cab.lock(0, 1).door_open
        True
        >>> cab.pulse(0, 3)
        True
        >>> cab.cut_power([0])
        [(0, 3)]
        >>> cab.lock(0, 3).latched, cab.lock(0, 1).door_open
        (True, True)
        """
        lost = []
        with self._mutex:
            for board in boards:
                for number in range(1, len(self._boards[board].locks) + 1):
                    target = self._settled(board, number)
                    if target.opens_at is not None:
                        target.latched, target.opens_at = True, None
                        lost.append((board, number))
        return lost

    def set_pulse_ms(self, board: int, pulse_ms: int) -> None:
        with self._mutex:
            self._boards[board].pulse_ms = pulse_ms

    def pulse_ms(self, board: int) -> int:
        with self._mutex:
            return self._boards[board].pulse_ms

    def _settled(self, board: int, lock: int) -> SimLock:
        if not self.has(board, lock):
            raise KeyError(f"no lock {lock} on board {board}")
        target = self._boards[board].locks[lock - 1]
        if target.opens_at is not None and self._clock() >= target.opens_at:
            target.door_open = True
            target.opens_at = None
        return target

    @staticmethod
    def _use_jam(target: SimLock) -> None:
        if target.jam_left:
            target.jam_left -= 1
            if target.jam_left == 0:
                target.jam_left = None

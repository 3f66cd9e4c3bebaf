"""Bookkeeping of a :class:`drivers.bus.LockBusDriver`: boards, unlocks, read requests.

Plain objects without threads or ports; the bus thread owns them and guards them
with its lock.

>>> from drivers.protocol import BoardStatus
>>> before = BoardStatus(0, (True, True), (False, False))
>>> after = BoardStatus(0, (True, False), (False, True))
>>> status_events(before, after)
[LatchChanged(board=0, lock=2, latched=False), ItemSensed(board=0, lock=2, present=True)]
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field

from .events import BusEvent, ItemSensed, LatchChanged
from .protocol import BoardStatus

ERROR_KINDS = ("no_answer", "checksum", "frame", "junk")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, float("inf"))
LATENCIES_KEPT = 100


def status_events(previous: BoardStatus | None, current: BoardStatus) -> list[BusEvent]:
    """Latch then item events for every lock that differs (every lock if no previous)."""
    board = current.board
    latches: list[BusEvent] = []
    items: list[BusEvent] = []
    for lock in range(1, current.locks + 1):
        latched, present = current.is_latched(lock), current.has_item(lock)
        if previous is None or previous.is_latched(lock) != latched:
            latches.append(LatchChanged(board, lock, latched))
        if previous is None or previous.has_item(lock) != present:
            items.append(ItemSensed(board, lock, present))
    return latches + items


class BoardRecord:
    """What the bus knows about one board, and its traffic counters."""

    def __init__(self, board: int) -> None:
        self.board = board
        self.status: BoardStatus | None = None
        #: None until the board answers or goes offline for the first time.
        self.online: bool | None = None
        self.misses = 0
        self.next_poll = 0.0
        self.last_read = float("-inf")
        self.frames_sent = 0
        self.frames_received = 0
        self.errors = dict.fromkeys(ERROR_KINDS, 0)
        self.retries = 0
        self.last_seen: float | None = None
        self.latencies: deque[float] = deque(maxlen=LATENCIES_KEPT)
        self.latency_counts = [0] * len(LATENCY_BUCKETS)
        self.latency_sum = 0.0

    def observe_latency(self, seconds: float) -> None:
        self.latencies.append(seconds)
        self.latency_sum += seconds
        for index, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self.latency_counts[index] += 1

    def snapshot(self) -> dict:
        """Counters as plain data; ``junk`` counts skipped bytes, other errors count events."""
        return {
            "online": self.online is True,
            "frames_sent": self.frames_sent,
            "frames_received": self.frames_received,
            "errors": dict(self.errors),
            "retries": self.retries,
            "last_seen": self.last_seen,
            "latencies": list(self.latencies),
            "latency_buckets": dict(zip(LATENCY_BUCKETS, self.latency_counts)),
            "latency_sum": self.latency_sum,
            "latency_count": self.latency_counts[-1],
        }


@dataclass(eq=False)
class UnlockJob:
    """One requested unlock, from the queue to its confirmed outcome."""

    board: int
    lock: int
    queued_at: float
    future: Future = field(default_factory=Future)
    sent_at: float | None = None
    deadline: float = float("inf")
    resent: bool = False
    resend_due: bool = False
    #: A status read of the board answered (showing the latch engaged) after the pulse.
    answered: bool = False


@dataclass(eq=False)
class ReadAllRequest:
    """A caller waiting for one fresh read of every board."""

    remaining: list[int]
    results: dict[int, BoardStatus | None] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False

    def record(self, board: int, status: BoardStatus | None) -> None:
        self.results[board] = status
        self.remaining.remove(board)
        if not self.remaining:
            self.done.set()

    def abandon(self) -> None:
        """Give up: every board not read yet is ``None``."""
        for board in list(self.remaining):
            self.record(board, None)
        self.done.set()

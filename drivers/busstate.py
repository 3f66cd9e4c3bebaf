"""Bookkeeping of a :class:`drivers.bus.LockBusDriver`: boards, unlocks, setup, read requests.

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
from dataclasses import dataclass, field, replace

from .events import BoardOnline, BusEvent, ItemSensed, LatchChanged
from .protocol import BoardProtocol, BoardStatus, LockReading

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


def with_reading(status: BoardStatus, reading: LockReading) -> BoardStatus:
    """``status`` with one lock's latch as ``reading`` (an unlock's answer) gives it.

    >>> with_reading(BoardStatus(0, (True, True), (False, False)), LockReading(0, 2, latched=False)).latched
    (True, False)
    """
    latched = list(status.latched)
    latched[reading.lock - 1] = bool(reading.latched)
    return replace(status, latched=tuple(latched))


class BoardRecord:
    """What the bus knows about one board, and its traffic counters."""

    def __init__(self, board: int) -> None:
        self.board = board
        self.status: BoardStatus | None = None
        #: None until the board answers or goes offline for the first time.
        self.online: bool | None = None
        self.misses = 0
        #: When the last miss that counted happened.
        self.last_miss: float | None = None
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

    def accept(self, status: BoardStatus, now: float) -> tuple[list[BusEvent], bool]:
        """A good read: the events it brings, and whether the board (re)came online."""
        came_online = self.online is not True
        events: list[BusEvent] = [BoardOnline(self.board)] if came_online else []
        # Back from offline, every lock is reported afresh: listeners forgot a silent board.
        events += status_events(None if came_online else self.status, status)
        self.online = True
        self.misses = 0
        self.last_miss = None
        self.last_seen = now
        self.status = status
        return events, came_online

    def miss(self, offline_after: int, now: float, spacing: float = 0.0) -> bool:
        """A read that failed; True when this miss takes the board offline.

        A miss within ``spacing`` seconds of the last one that counted does not count:
        quick re-reads of a noisy answer must not take a board offline sooner than
        missed answers would.
        """
        if spacing and self.last_miss is not None and now - self.last_miss < spacing:
            return False
        self.misses += 1
        self.last_miss = now
        went_offline = self.misses >= offline_after and self.online is not False
        if went_offline:
            self.online = False
        return went_offline

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
    #: The item sensor of the lock when it was pulsed (None: not known or not trusted).
    item_at_pulse: bool | None = None
    #: An answer of the board was lost or unreadable after the pulse: the door may have
    #: opened and closed unseen, so the lock is never pulsed again for this unlock.
    blind: bool = False


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


class BoardSetup:
    """The setup frames (a family's set-pulse-time command) each board is sent as it comes online.

    >>> from drivers.protocol import get_protocol
    >>> setup = BoardSetup(get_protocol("kerong-cu16"), (0, 1), pulse_ms=500)
    >>> setup.next_frame() is None
    True
    >>> setup.board_online(1); board, frame = setup.next_frame(); board, frame.hex(" ")
    (1, '02 10 37 00 32 03 7e')
    >>> setup.frame_sent(1); setup.next_frame(), setup.sent
    (None, {0: 0, 1: 1})
    """

    def __init__(self, protocol: BoardProtocol, boards: tuple[int, ...], *, pulse_ms: int | None) -> None:
        if pulse_ms is not None and not protocol.sets_pulse_time:
            raise ValueError(f"{protocol.name} boards have no command setting the unlock pulse time")
        self._frames = {} if pulse_ms is None else {
            board: protocol.setup_frames(board, pulse_ms=pulse_ms) for board in boards}
        #: Setup frames still to send, by board; filled when a board comes online.
        self._due: dict[int, list[bytes]] = {}
        #: Setup frames sent, by board.
        self.sent = dict.fromkeys(boards, 0)

    def board_online(self, board: int) -> None:
        if self._frames.get(board):
            self._due[board] = list(self._frames[board])

    def board_offline(self, board: int) -> None:
        self._due.pop(board, None)

    def next_frame(self) -> tuple[int, bytes] | None:
        if not self._due:
            return None
        board, frames = next(iter(self._due.items()))
        return board, frames[0]

    def frame_sent(self, board: int) -> None:
        frames = self._due.get(board)
        if frames:
            frames.pop(0)
            if not frames:
                del self._due[board]
        self.sent[board] += 1


class ReadQueue:
    """Callers of ``read_all`` waiting for the bus thread, oldest first (guarded by the bus lock)."""

    def __init__(self) -> None:
        self._requests: deque[ReadAllRequest] = deque()

    def add(self, request: ReadAllRequest) -> None:
        self._requests.append(request)

    def current(self) -> ReadAllRequest | None:
        """The oldest request still waiting for a board, dropping the cancelled and the served."""
        while self._requests and (self._requests[0].cancelled or not self._requests[0].remaining):
            self._requests.popleft()
        return self._requests[0] if self._requests else None

    def take_all(self) -> list[ReadAllRequest]:
        requests = list(self._requests)
        self._requests.clear()
        return requests

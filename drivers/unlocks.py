"""The unlocks of one lock bus: queued, pulsed one after another, confirmed by reads.

Plain bookkeeping without a port: :class:`drivers.bus.LockBusDriver` asks which
unlock to pulse, tells what each read of a board showed, and finishes the jobs
this returns. The queue may be filled from any thread; everything else belongs to
the bus thread.

Evidence that the door opened ends an unlock as ``released``, and the lock is never
pulsed again for it: the latch read released (or an unlock answer saying so), or
the lock's item sensor changed since the pulse. A latch still read engaged earns
one resend, but only while every answer of the board since the pulse was read, the
unlock's own answer included: after a lost or unreadable one the door may have
opened and closed unseen (a board that never answers unlocks is never resent to).

>>> from drivers.protocol import BoardStatus
>>> unlocks = Unlocks(open_timeout=3.0, pulse_time=0.5, pulse_gap=0.2, resend_after=0.65)
>>> job = UnlockJob(0, 2, queued_at=0.0)
>>> unlocks.add(job)
>>> unlocks.next_to_fire(now=1.0) == (job, float("inf"))
True
>>> unlocks.fired(job, now=1.0)      # the first pulse, not a resend
False
>>> unlocks.pulse_ended(now=1.0)
>>> [(done.lock, result) for done, result in unlocks.seen(BoardStatus(0, (True, False), (False, False)), now=1.1)]
[(2, 'released')]
"""

from __future__ import annotations

import math
import threading
from collections import deque

from .busstate import UnlockJob
from .protocol import BoardStatus

__all__ = ["UnlockJob", "Unlocks"]


class Unlocks:
    """Queued unlocks, and pulsed ones waiting for a read to show the latch released.

    ``pulse_gap`` spaces two pulses (power supply); a latch still engaged
    ``resend_after`` seconds after the pulse earns one resend; ``open_timeout``
    after the pulse the unlock ends.
    """

    def __init__(self, *, open_timeout: float, pulse_time: float, pulse_gap: float, resend_after: float) -> None:
        self.open_timeout = open_timeout
        self.pulse_time = pulse_time
        self.pulse_gap = pulse_gap
        self.resend_after = resend_after
        self._lock = threading.Lock()
        self._queued: deque[UnlockJob] = deque()
        #: Pulsed unlocks whose outcome is not known yet, oldest first.
        self.confirming: list[UnlockJob] = []
        self._last_pulse = -math.inf

    def add(self, job: UnlockJob) -> None:
        with self._lock:
            self._queued.append(job)

    def next_to_fire(self, now: float) -> tuple[UnlockJob | None, float]:
        """The unlock (or resend) to pulse now, else when the next pulse may go."""
        with self._lock:
            while self._queued and self._queued[0].future.cancelled():
                self._queued.popleft()
            job = next((j for j in self.confirming if j.resend_due), None)
            if job is None and self._queued:
                job = self._queued[0]
            if job is None:
                return None, math.inf
            ready_at = self._last_pulse + self.pulse_gap
            if now < ready_at:
                return None, ready_at
            if job.sent_at is None:
                self._queued.popleft()
                self.confirming.append(job)
            return job, math.inf

    def fired(self, job: UnlockJob, now: float, *, item: bool | None = None) -> bool:
        """Note that ``job`` is being pulsed (its lock's ``item`` sensor now, if trusted);
        True when this is its resend."""
        if job.sent_at is None:
            job.sent_at = now
            job.deadline = now + self.open_timeout
            job.item_at_pulse = item
            return False
        job.resent = True
        job.resend_due = False
        return True

    def pulse_ended(self, now: float) -> None:
        self._last_pulse = now

    def seen(self, status: BoardStatus, now: float) -> list[tuple[UnlockJob, str]]:
        """A good read of ``status.board``: the unlocks it settles, with their results."""
        done = []
        for job in [job for job in self.confirming if job.board == status.board]:
            if not status.is_latched(job.lock) or self._item_moved(job, status):
                self.confirming.remove(job)
                done.append((job, "released"))
                continue
            job.answered = True
            if not (job.resent or job.blind) and job.sent_at is not None and now >= job.sent_at + self.resend_after:
                job.resend_due = True
        return done

    def blind(self, board: int) -> None:
        """An answer of ``board`` was lost or could not be read: no resend for its unlocks."""
        for job in self.confirming:
            if job.board == board and job.sent_at is not None:
                job.blind = True
                job.resend_due = False

    @staticmethod
    def _item_moved(job: UnlockJob, status: BoardStatus) -> bool:
        return job.item_at_pulse is not None and status.has_item(job.lock) != job.item_at_pulse

    def due_confirmation(self, last_reads: dict[int, float], interval: float, now: float) -> int | None:
        """A board with an unlock to confirm whose last read is ``interval`` old."""
        for job in self.confirming:
            if last_reads[job.board] + interval <= now:
                return job.board
        return None

    def expired(self, now: float) -> list[UnlockJob]:
        """Pulsed unlocks past their deadline (still listed: the bus decides their end)."""
        return [job for job in self.confirming if job.deadline <= now]

    def end(self, job: UnlockJob) -> None:
        self.confirming.remove(job)

    def expire_queued(self, now: float) -> list[UnlockJob]:
        """Queued unlocks that waited ``open_timeout`` without being pulsed (port down)."""
        with self._lock:
            expired = [job for job in self._queued if job.queued_at + self.open_timeout <= now]
            for job in expired:
                self._queued.remove(job)
        return expired

    def wake_times(self, last_reads: dict[int, float], interval: float) -> list[float]:
        """When each pulsed unlock next needs the bus: its deadline and its next read."""
        times = []
        for job in self.confirming:
            times += [job.deadline, last_reads[job.board] + interval]
        return times

    def drain(self) -> list[UnlockJob]:
        """Every unlock not finished yet, removed (the bus stops)."""
        with self._lock:
            left = list(self._queued) + self.confirming
            self._queued.clear()
            self.confirming = []
        return left

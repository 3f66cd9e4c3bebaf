"""One thread that runs callables at given monotonic times (reply delays, timeouts)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

class Courier:
    """Runs scheduled callables in order of their due time, on one daemon thread.

    >>> done = threading.Event()
    >>> courier = Courier("doc")
    >>> courier.schedule(time.monotonic(), done.set)
    >>> done.wait(1.0)
    True
    >>> courier.stop()
    """

    def __init__(self, name: str) -> None:
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"sim-{name}", daemon=True)
        self._thread.start()

    def schedule(self, due: float, action: Callable[[], None]) -> None:
        """Run ``action`` once ``time.monotonic()`` reaches ``due``."""
        with self._wake:
            heapq.heappush(self._queue, (due, next(self._order), action))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._queue.clear()
            self._wake.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while True:
            action = self._next()
            if action is None:
                return
            try:
                action()
            except Exception:  # one failing delivery must not stop the others
                log.exception("scheduled simulator action failed")

    def _next(self) -> Callable[[], None] | None:
        with self._wake:
            while not self._stopped:
                if not self._queue:
                    self._wake.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._queue)[2]
                self._wake.wait(wait)
            return None

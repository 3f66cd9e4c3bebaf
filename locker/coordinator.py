"""One thread feeds every hardware event to ``LockerService.handle_event`` in order,
so two flows never race on a door.

>>> seen = []
>>> class Service:
...     def handle_event(self, event): seen.append(event)
>>> c = Coordinator(Service()); c.start()
>>> c.submit("door"); c.drain(2.0)
True
>>> c.stop(); seen
['door']
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from .ports import Tick

log = logging.getLogger(__name__)
_STOP = object()


class Coordinator:
    """``tick_interval`` (seconds) also feeds the service a :class:`locker.ports.Tick`
    whenever that long has passed, between events, never concurrently with one."""

    def __init__(self, service: Any, *, name: str = "locker-coordinator",
                 tick_interval: float | None = None) -> None:
        self.service = service
        self.name = name
        self.tick_interval = tick_interval
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, event: Any) -> None:
        """Queue one hardware event (thread-safe; this is the adapter's ``EventSink``)."""
        with self._idle:
            self._pending += 1
        self._queue.put(event)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Process what is queued, then end the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every submitted event has been handled; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self) -> None:
        next_tick = time.monotonic() + (self.tick_interval or 0)
        while True:
            if self.tick_interval and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.tick_interval
                self._handle(Tick())
            try:
                timeout = max(0.0, next_tick - time.monotonic()) if self.tick_interval else None
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                continue
            if event is _STOP:
                return
            try:
                self._handle(event)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _handle(self, event: Any) -> None:
        try:
            self.service.handle_event(event)
        except Exception:  # noqa: BLE001 - one bad event must not stop the others
            log.exception("event %r failed", event)

"""The technician's hardware report as ``hardware`` events: read every ``interval_s``
seconds while a page asked for them (:data:`api.events.ON_REQUEST`), published when it
changed. The report's readings change on their own (traffic counters, latencies), not
through the database, so they are watched here instead of fed by the change feed.

>>> from api.events import EventHub
>>> hub = EventHub()
>>> reads = iter([{"boards": [{"board": "0", "last_seen_s": 0.1}]}, {"boards": [{"board": "0", "last_seen_s": 0.4}]}])
>>> watch = HardwareWatch(read=lambda: next(reads), hub=hub)
>>> watch.check()  # nobody asked: not even read
False
>>> sub = hub.subscribe(["hardware"])
>>> watch.check(), sub.next(timeout=0)[0], watch.check()  # only an age went up: not again
(True, 'hardware', False)
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from .events import EventHub

log = logging.getLogger(__name__)

INTERVAL_S = 2.0
#: Readings that grow with every look; a change of these alone is not news.
AGES = frozenset({"last_seen_s"})


class HardwareWatch:
    def __init__(self, *, read: Callable[[], dict[str, Any]], hub: EventHub, interval_s: float = INTERVAL_S) -> None:
        self._read = read
        self._hub = hub
        self._interval_s = interval_s
        self._last: Any = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name="locker-hardware-events", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopped.set()
            thread.join(timeout)

    def check(self) -> bool:
        """Publish the report if a page listens and it changed; True when published."""
        if not self._hub.listening("hardware"):
            self._last = None  # the next page to ask gets the report at once
            return False
        report = self._read()
        key = _without_ages(report)
        if key == self._last:
            return False
        self._last = key
        self._hub.publish("hardware", report)
        return True

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval_s):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the page's figures must not stop for one bad reading
                log.exception("hardware events: reading the report failed")


def _without_ages(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ages(v) for k, v in value.items() if k not in AGES}
    if isinstance(value, list):
        return [_without_ages(v) for v in value]
    return value

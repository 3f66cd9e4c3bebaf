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

from typing import Any, Callable

from locker.periodic import Periodic

from .events import EventHub

INTERVAL_S = 2.0
#: Readings that grow with every look; a change of these alone is not news.
AGES = frozenset({"last_seen_s"})


class HardwareWatch:
    def __init__(self, *, read: Callable[[], dict[str, Any]], hub: EventHub, interval_s: float = INTERVAL_S) -> None:
        self._read = read
        self._hub = hub
        self._last: Any = None
        self._job = Periodic(self.check, interval_s=interval_s, name="locker-hardware-events")

    def start(self) -> None:
        self._job.start()

    def stop(self) -> None:
        self._job.stop()

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


def _without_ages(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ages(v) for k, v in value.items() if k not in AGES}
    if isinstance(value, list):
        return [_without_ages(v) for v in value]
    return value

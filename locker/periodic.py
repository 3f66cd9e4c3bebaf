"""A daemon thread calling one function every ``interval_s`` seconds until stopped; an
exception is logged and the next turn comes as usual. For the service's background jobs
(the outbox, the purge and the audit-head export still carry their own loops).

>>> import threading
>>> done = threading.Event()
>>> job = Periodic(done.set, interval_s=0.01, name="doctest")
>>> job.start(); done.wait(1)
True
>>> job.stop(); job.running
False
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, work: Callable[[], object], *, interval_s: float, name: str) -> None:
        self._work = work
        self._interval_s = interval_s
        self._name = name
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopped.set()
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval_s):
            try:
                self._work()
            except Exception:  # noqa: BLE001 - one failed turn must not end the job
                log.exception("%s: a turn failed", self._name)

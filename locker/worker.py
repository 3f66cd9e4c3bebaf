"""A job that runs now and then on a thread of its own: the runtime's background parts
(the outbox, the webhook outbox, the audit head's export, the purge) each hold one.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable


class PeriodicWorker:
    """Runs ``job`` on a thread named ``name``: ``first_after_s`` after :meth:`start`, then
    every ``interval_s``, or at once when woken (:meth:`wake`). A run that raises is logged
    on ``log`` as ``failed`` and the next one comes as usual. :meth:`stop` ends the wait at
    once, lets a run under way finish and joins the thread."""

    def __init__(self, *, name: str, job: Callable[[], object], interval_s: float, log: logging.Logger,
                 failed: str, first_after_s: float = 0.0) -> None:
        self.name = name
        self.interval_s = interval_s
        self._job = job
        self._first_after_s = first_after_s
        self._log = log
        self._failed = failed
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._wake.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Run now rather than at the end of the wait."""
        self._wake.set()

    def run_now(self) -> None:
        """One run on the caller's thread; what it raises is logged, not raised."""
        try:
            self._job()
        except Exception:  # noqa: BLE001 - one failed run (a database hiccup) must not end the worker
            self._log.exception(self._failed)

    def _loop(self) -> None:
        wait = self._first_after_s
        while not self._stopped_after(wait):
            self.run_now()
            wait = self.interval_s

    def _stopped_after(self, seconds: float) -> bool:
        """Wait ``seconds`` (less when woken or stopped); whether the worker is stopping."""
        self._wake.wait(seconds)
        self._wake.clear()
        return self._stop.is_set()

"""The outbox worker thread retries SMS as often as the configured back-off says."""

from __future__ import annotations

import time
from pathlib import Path

from locker.db import Database
from locker.outbox import OutboxWorker, enqueue_sms
from locker.ports import SystemClock
from tests.support.notifiers import FlakyNotifier


PHONE = "0912345678"


def test_worker_thread_retries_as_often_as_a_short_back_off(tmp_path: Path):
    """A first wait shorter than the poll interval is still honoured by the thread."""
    db = Database(f"sqlite:///{tmp_path / 'outbox.db'}")
    db.upgrade()
    notifier = FlakyNotifier(failures=2)
    worker = OutboxWorker(db=db, notifier=notifier, secret=bytes(32), clock=SystemClock(),
                          poll_interval=5.0, backoff=(0.05, 0.1))
    with db.session() as s:
        enqueue_sms(s, PHONE, "Mã nhận: 12345678", secret=bytes(32), clock=SystemClock())
    started = time.monotonic()
    worker.start()
    try:
        deadline = started + 3.0
        while not notifier.sent and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
    assert notifier.sent == [(PHONE, "Mã nhận: 12345678")]
    assert time.monotonic() - started < 3.0  # a 5 s poll would need 10 s for two retries
    db.dispose()

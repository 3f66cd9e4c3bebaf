"""The SMS outbox's worker thread and the HTTP notifier against a local gateway."""

from __future__ import annotations

import threading

import pytest

from locker import outbox
from locker.notifiers import HttpSmsNotifier, LogNotifier
from locker.ports import NotifierError
from tests.domain_support import SECRET, Harness


@pytest.fixture
def h(migrated_db_url):
    harness = Harness(migrated_db_url)
    yield harness
    harness.db.dispose()


def test_outbox_worker_thread_delivers(h):
    notifier = LogNotifier()
    h.result("HS-1")
    worker = outbox.OutboxWorker(db=h.db, notifier=notifier, secret=SECRET, clock=h.clock, poll_interval=0.01)
    worker.start()
    try:
        for _ in range(500):
            if notifier.sent:
                break
            threading.Event().wait(0.01)
    finally:
        worker.stop()
    assert notifier.sent and notifier.sent[0][0] == "0987654321"


def test_http_notifier_posts_json(sms_gateway):
    HttpSmsNotifier(sms_gateway.url, timeout=2).send_sms("0912345678", "Mã nhận: 12345678")
    assert sms_gateway.messages == [{"to": "0912345678", "text": "Mã nhận: 12345678"}]
    sms_gateway.fail_next = 1
    with pytest.raises(NotifierError):
        HttpSmsNotifier(sms_gateway.url, timeout=2).send_sms("0912345678", "x")


def test_http_notifier_unreachable_is_a_notifier_error():
    with pytest.raises(NotifierError):
        HttpSmsNotifier("http://127.0.0.1:9/sms", timeout=1).send_sms("0912345678", "x")

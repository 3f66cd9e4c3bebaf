"""The persistent SMS outbox: messages are written in the flow's transaction, encrypted
at rest, and delivered by :class:`OutboxWorker` with exponential back-off. A message
is never dropped; once sent, its payload is replaced by a redacted copy.

>>> from locker.db import Database
>>> from locker.notifiers import LogNotifier
>>> from locker.ports import SystemClock
>>> db = Database("sqlite://"); db.upgrade(); key = bytes(32)
>>> with db.session() as s:
...     _ = enqueue_sms(s, "0912345678", "Mã nhận: 12345678", secret=key, clock=SystemClock())
>>> notifier = LogNotifier()
>>> OutboxWorker(db=db, notifier=notifier, secret=key, clock=SystemClock()).run_once()
1
>>> notifier.sent
[('0912345678', 'Mã nhận: 12345678')]
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .models import OutboxMessage
from .personal import mask_phone, redact  # noqa: F401 - redact: also imported from here
from .ports import Clock, Notifier

log = logging.getLogger(__name__)


def fernet(secret: bytes, *, info: bytes = b"locker outbox v1") -> Fernet:
    """A Fernet key derived from the locker's secret; ``info`` keeps each use's key apart."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, to: str, text: str) -> str:
    return fernet(secret).encrypt(json.dumps({"to": to, "text": text}).encode("utf-8")).decode("ascii")


def unseal(secret: bytes, payload: str) -> dict[str, str]:
    """The decrypted ``{"to", "text"}``; raises ``InvalidToken`` or ``ValueError``."""
    return json.loads(fernet(secret).decrypt(payload.encode("ascii")))


def enqueue_sms(session: Session, to: str, text: str, *, secret: bytes, clock: Clock) -> OutboxMessage:
    now = clock.now()
    msg = OutboxMessage(channel="sms", recipient=mask_phone(to), payload=seal(secret, to, text), status="pending",
                        attempts=0, next_attempt_at=now, last_error="", created_at=now)
    session.add(msg)
    session.flush()
    return msg


#: Failed attempts after which a message raises an ``sms_undeliverable`` alarm (it is still retried).
UNDELIVERABLE_AFTER = 5


class OutboxWorker:
    """Delivers due messages; ``run_once()`` for one pass, ``start()`` for a thread.

    A failed message waits ``backoff[0]`` seconds, doubling with each further failure
    up to ``backoff[1]``. The thread polls at least as often as the first wait.
    """

    def __init__(self, *, db, notifier: Notifier, secret: bytes, clock: Clock,  # type: ignore[no-untyped-def]
                 poll_interval: float = 1.0, backoff: tuple[float, float] = (5, 600), batch: int = 20,
                 alarms: Alarms | None = None) -> None:
        self.db = db
        self.alarms = alarms
        self.notifier = notifier
        self.secret = secret
        self.clock = clock
        self.poll_interval = poll_interval
        self.backoff = backoff
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="locker-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the worker must survive a database hiccup
                log.exception("outbox pass failed")
            self._stop.wait(min(self.poll_interval, self.backoff[0]))

    def run_once(self) -> int:
        """Try every due message once; returns how many were sent."""
        with self.db.session() as s:
            due = s.execute(
                select(OutboxMessage.id, OutboxMessage.payload)
                .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= self.clock.now())
                .order_by(OutboxMessage.id).limit(self.batch)
            ).all()
        return sum(self._deliver(msg_id, payload) for msg_id, payload in due)

    def _deliver(self, msg_id: int, payload: str) -> bool:
        # The network call happens outside any transaction.
        try:
            message = unseal(self.secret, payload)
            self.notifier.send_sms(message["to"], message["text"])
        except InvalidToken:
            return self._failed(msg_id, "cannot decrypt the payload (was the secret replaced?)")
        except Exception as exc:  # noqa: BLE001 - every failure is retried later
            return self._failed(msg_id, f"{type(exc).__name__}: {exc}")
        with self.db.session() as s:
            msg = s.get(OutboxMessage, msg_id)
            msg.status, msg.sent_at = "sent", self.clock.now()
            msg.attempts += 1
            msg.payload = seal(self.secret, message["to"], redact(message["text"]))
            audit.record(s, "sms_sent", actor="system", data={"message": msg_id, "attempts": msg.attempts},
                         clock=self.clock)
        return True

    def _failed(self, msg_id: int, error: str) -> bool:
        base, most = self.backoff
        with self.db.session() as s:
            msg = s.get(OutboxMessage, msg_id)
            # The exponent is capped: a float base times 2**1024 overflows.
            delay = min(most, base * 2 ** min(msg.attempts, 60))
            msg.attempts += 1
            msg.next_attempt_at = self.clock.now() + timedelta(seconds=delay)
            msg.last_error = error[:500]
            if msg.attempts == UNDELIVERABLE_AFTER and self.alarms is not None:
                self.alarms.raise_(s, AlarmKind.SMS_UNDELIVERABLE, event="sms_undeliverable", message=msg_id,
                                   attempts=msg.attempts, error=msg.last_error[:200])
        log.warning("SMS %s not sent (%s); retry in %ss", msg_id, error, delay)
        return False

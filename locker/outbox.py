"""The persistent outbox of SMS and email: messages are written in the flow's
transaction, encrypted at rest, and delivered by :class:`OutboxWorker` with exponential
back-off. Once sent, a payload is replaced by a redacted copy. A message still not
delivered after ``max_attempts`` is kept as ``failed``; an SMS raises the alarm
``sms_undeliverable``. What the gateway answered (HTTP status, its message id, the
error) is kept on the message.

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
from .personal import mask_email, mask_phone, redact  # noqa: F401 - redact: also imported from here
from .ports import Clock, Delivery, EmailSender, Notifier, NotifierError
from .statuses import OutboxStatus
from .worker import PeriodicWorker

log = logging.getLogger(__name__)


def fernet(secret: bytes, *, info: bytes = b"locker outbox v1") -> Fernet:
    """A Fernet key derived from the locker's secret; ``info`` keeps each use's key apart."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, to: str, text: str, subject: str | None = None) -> str:
    message = {"to": to, "text": text} if subject is None else {"to": to, "subject": subject, "text": text}
    return fernet(secret).encrypt(json.dumps(message).encode("utf-8")).decode("ascii")


def unseal(secret: bytes, payload: str) -> dict[str, str]:
    """The decrypted ``{"to", "text"}`` (and ``subject`` for email); raises ``InvalidToken`` or ``ValueError``."""
    return json.loads(fernet(secret).decrypt(payload.encode("ascii")))


def enqueue_sms(session: Session, to: str, text: str, *, secret: bytes, clock: Clock, kind: str = "") -> OutboxMessage:
    return _enqueue(session, "sms", to, mask_phone(to), seal(secret, to, text), clock=clock, kind=kind)


def enqueue_email(session: Session, to: str, subject: str, body: str, *, secret: bytes, clock: Clock,
                  kind: str = "") -> OutboxMessage:
    """An email; the ``recipient`` column keeps only the masked address."""
    return _enqueue(session, "email", to, mask_email(to), seal(secret, to, body, subject), clock=clock, kind=kind)


def _enqueue(session: Session, channel: str, to: str, recipient: str, payload: str, *, clock: Clock,
             kind: str) -> OutboxMessage:
    now = clock.now()
    msg = OutboxMessage(channel=channel, kind=kind, recipient=recipient, payload=payload,
                        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error="",
                        created_at=now, gateway_id="")
    session.add(msg)
    session.flush()
    return msg


class OutboxWorker:
    """Delivers due messages; ``run_once()`` for one pass, ``start()`` for a thread.

    A failed message waits ``backoff[0]`` seconds, doubling with each further failure
    up to ``backoff[1]``, until ``max_attempts``: then it is ``failed`` and an SMS raises
    the ``sms_undeliverable`` alarm through ``alarms``. The thread polls at least as
    often as the first wait.
    """

    def __init__(self, *, db, notifier: Notifier, secret: bytes, clock: Clock,  # type: ignore[no-untyped-def]
                 email: EmailSender | None = None, poll_interval: float = 1.0,
                 backoff: tuple[float, float] = (5, 600), max_attempts: int = 12, batch: int = 20,
                 alarms: Alarms | None = None) -> None:
        self.db = db
        self.alarms = alarms
        self.notifier = notifier
        self.email = email
        self.max_attempts = max_attempts
        self.secret = secret
        self.clock = clock
        self.poll_interval = poll_interval
        self.backoff = backoff
        self.batch = batch
        self._worker = PeriodicWorker(name="locker-outbox", job=self.run_once,
                                      interval_s=min(poll_interval, backoff[0]), log=log,
                                      failed="outbox pass failed")

    def start(self) -> None:
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._worker.stop(timeout)

    def run_once(self) -> int:
        """Try every due message once; returns how many were sent."""
        with self.db.session() as s:
            due = s.execute(
                select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.payload)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.next_attempt_at <= self.clock.now())
                .order_by(OutboxMessage.id).limit(self.batch)
            ).all()
        return sum(self._deliver(msg_id, channel, payload) for msg_id, channel, payload in due)

    def _deliver(self, msg_id: int, channel: str, payload: str) -> bool:
        # The network call happens outside any transaction.
        try:
            message = unseal(self.secret, payload)
            delivery = self._send(channel, message)
        except InvalidToken:
            return self._failed(msg_id, "cannot decrypt the payload (was the secret replaced?)", None)
        except NotifierError as exc:
            return self._failed(msg_id, str(exc), exc.status)
        except Exception as exc:  # noqa: BLE001 - every failure is retried later
            return self._failed(msg_id, f"{type(exc).__name__}: {exc}", None)
        with self.db.session() as s:
            msg = s.get(OutboxMessage, msg_id)
            msg.status, msg.sent_at = OutboxStatus.SENT, self.clock.now()
            msg.attempts += 1
            msg.gateway_status = delivery.status if delivery else None
            msg.gateway_id = (delivery.message_id if delivery else "")[:100]
            msg.payload = seal(self.secret, message["to"], redact(message["text"]), message.get("subject"))
            audit.record(s, f"{channel}_sent", actor="system",
                         data={"message": msg_id, "attempts": msg.attempts, "gateway_id": msg.gateway_id},
                         clock=self.clock)
        return True

    def _send(self, channel: str, message: dict[str, str]) -> Delivery | None:
        if channel == "email":
            if self.email is None:
                raise NotifierError("email is not configured ([notify.email] host)")
            return self.email.send_email(message["to"], message["subject"], message["text"])
        return self.notifier.send_sms(message["to"], message["text"])

    def _failed(self, msg_id: int, error: str, status: int | None) -> bool:
        base, most = self.backoff
        with self.db.session() as s:
            msg = s.get(OutboxMessage, msg_id)
            # The exponent is capped: a float base times 2**1024 overflows.
            delay = min(most, base * 2 ** min(msg.attempts, 60))
            msg.attempts += 1
            msg.next_attempt_at = self.clock.now() + timedelta(seconds=delay)
            msg.last_error, msg.gateway_status = error[:500], status
            if msg.attempts >= self.max_attempts:
                self._give_up(s, msg)
                return False
        log.warning("%s %s not sent (%s); retry in %ss", msg.channel, msg_id, error, delay)
        return False

    def _give_up(self, s: Session, msg: OutboxMessage) -> None:
        msg.status = OutboxStatus.FAILED
        data = {"message": msg.id, "message_kind": msg.kind, "attempts": msg.attempts, "error": msg.last_error,
                "gateway_status": msg.gateway_status}
        if msg.channel == "sms" and self.alarms is not None:
            self.alarms.raise_(s, AlarmKind.SMS_UNDELIVERABLE, event="sms_undeliverable", **data)
        else:
            audit.record(s, f"{msg.channel}_undeliverable", actor="system", data=data, clock=self.clock)
        log.error("%s %s not delivered after %s attempts: %s", msg.channel, msg.id, msg.attempts, msg.last_error)

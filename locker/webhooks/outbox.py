"""The webhook outbox: events are derived from the committed audit log (a cursor in
``audit_marks`` moves in the same transaction that writes the deliveries, so a crash
neither loses nor repeats one), and :class:`WebhookOutbox` delivers them with back-off,
in order per dossier: a delivery waits while an earlier one of the same subscription and
dossier is still pending. A delivery is given up only ``give_up_hours`` after its first
try; every try is logged (status code, latency, error)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from ..audit import as_dict, iso
from ..config_webhooks import WebhooksConfig
from ..models import AuditEvent, AuditHead
from ..models_webhooks import AuditMark, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from ..ports import Clock
from ..statuses import DeliveryStatus
from ..worker import PeriodicWorker
from .events import alarm_ref, derive, wanted
from .http import DeliveryError, post_json
from .signing import retry_delay, signed_headers
from .subscriptions import MANUAL, open_secret

log = logging.getLogger(__name__)

CURSOR = "webhooks"
PRUNE_EVERY_S = 3600
PENDING, DELIVERED, FAILED = DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED
Post = Callable[..., int]


def body_of(uid: str, type_: str, when: datetime, data: dict[str, Any]) -> str:
    return json.dumps({"id": uid, "type": type_, "time": iso(when), "data": data},
                      ensure_ascii=False, separators=(",", ":"))


def enqueue(s: Session, type_: str, data: dict[str, Any], *, when: datetime, now: datetime,
            seq: int | None = None, ordering: str | None = None,
            subscriptions: list[WebhookSubscription] | None = None) -> WebhookEvent | None:
    """Write one event and a delivery for every subscription that wants it (in the caller's transaction)."""
    if subscriptions is None:
        subscriptions = list(s.execute(select(WebhookSubscription)).scalars())
    subs = [sub for sub in subscriptions if wanted(json.loads(sub.events), type_)]
    if not subs:
        return None
    ref = alarm_ref(data) if type_ == "alarm.raised" else None
    if ref and s.execute(select(WebhookEvent.id).where(WebhookEvent.ref == ref)).first():
        return None  # a repeat folded into an alarm already announced
    uid = "evt_" + uuid.uuid4().hex
    event = WebhookEvent(uid=uid, type=type_, time=when, seq=seq, ref=ref, body=body_of(uid, type_, when, data))
    s.add(event)
    s.flush()
    for sub in subs:
        s.add(WebhookDelivery(subscription_id=sub.id, event_id=event.id, ordering=ordering, status=PENDING,
                              attempts=0, next_attempt_at=now, last_error="", created_at=now))
    return event


class WebhookOutbox:
    """``run_once()`` derives new events and tries every due delivery; ``start()`` for a thread."""

    def __init__(self, *, db: Any, secret: bytes, clock: Clock, config: WebhooksConfig,
                 post: Post = post_json, batch: int = 50) -> None:
        self.db = db
        self.secret = secret
        self.clock = clock
        self.config = config
        self.post = post
        self.batch = batch
        self._pruned_at: float | None = None
        self._worker = PeriodicWorker(name="locker-webhooks", job=self._pass, interval_s=config.poll_s, log=log,
                                      failed="webhook pass failed")

    def start(self) -> None:
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._worker.stop(timeout)

    def wake(self) -> None:
        """Look again now (a redelivery was asked for, an event was committed)."""
        self._worker.wake()

    def _pass(self) -> None:
        """Deliver; once in a while, prune as well."""
        self.run_once()
        if self._pruned_at is None or time.monotonic() - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = time.monotonic()
            self.prune()

    def run_once(self) -> int:
        """Derive, then deliver; returns how many deliveries succeeded."""
        while self.derive() == self.batch * 10:
            pass
        delivered = 0
        for _ in range(10):  # a delivery may free the next one of its dossier: look again at once
            done = self.deliver_due()
            delivered += done
            if not done:
                break
        return delivered

    def prune(self) -> int:
        """Forget finished deliveries (and their tries) older than ``keep_days``, and the events no
        delivery needs any more; returns how many deliveries went. Pending ones are never touched."""
        cutoff = self.clock.now() - timedelta(days=self.config.keep_days)
        with self.db.session() as s:
            old = select(WebhookDelivery.id).where(WebhookDelivery.status.in_([DELIVERED, FAILED]),
                                                   WebhookDelivery.created_at < cutoff)
            s.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
            gone = s.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old))).rowcount
            s.execute(delete(WebhookEvent).where(WebhookEvent.time < cutoff,
                                                 ~exists().where(WebhookDelivery.event_id == WebhookEvent.id)))
        return gone

    # ---- events from the audit log ---------------------------------------------------------

    def derive(self) -> int:
        """Turn audit events after the cursor into webhook events; returns how many audit events were read."""
        limit = self.batch * 10
        with self.db.session() as s:
            mark = s.execute(select(AuditMark).where(AuditMark.name == CURSOR).with_for_update()).scalar_one_or_none()
            if mark is None:  # start from the present: history before webhooks existed is not replayed
                head = s.get(AuditHead, 1)
                s.add(AuditMark(name=CURSOR, seq=head.seq, hash=head.hash, time=self.clock.now()))
                return 0
            rows = s.execute(select(AuditEvent).where(AuditEvent.seq > mark.seq)
                             .order_by(AuditEvent.seq).limit(limit)).scalars().all()
            now = self.clock.now()
            subs = list(s.execute(select(WebhookSubscription)).scalars()) if rows else []
            for row in rows:
                found = derive(as_dict(row)) if subs else None
                if found is not None:
                    enqueue(s, found[0], found[1], when=row.time, now=now, seq=row.seq, ordering=row.dossier_code,
                            subscriptions=subs)
            if rows:
                mark.seq, mark.hash, mark.time = rows[-1].seq, rows[-1].hash, now
            return len(rows)

    # ---- deliveries ------------------------------------------------------------------------

    def deliver_due(self) -> int:
        earlier = aliased(WebhookDelivery)
        blocked = exists().where(and_(earlier.subscription_id == WebhookDelivery.subscription_id,
                                      earlier.ordering == WebhookDelivery.ordering,
                                      earlier.status == PENDING, earlier.id < WebhookDelivery.id))
        with self.db.session() as s:
            due = s.execute(
                select(WebhookDelivery.id, WebhookSubscription.url, WebhookSubscription.secret, WebhookEvent.body)
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= self.clock.now(),
                       WebhookSubscription.paused.is_(False), ~blocked)
                .order_by(WebhookDelivery.id).limit(self.batch)
            ).all()
        return sum(self._attempt(*row) for row in due)

    def _attempt(self, delivery_id: int, url: str, sealed: str, body: str) -> bool:
        # The network call happens outside any transaction.
        payload = body.encode("utf-8")
        started, status, error = time.monotonic(), None, ""
        try:
            headers = signed_headers(payload, open_secret(self.secret, sealed), timestamp=int(self.clock.now().timestamp()))
            status = self.post(url, payload, headers, timeout=self.config.timeout_s)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a broken secret or URL is this delivery's problem only
            error = f"{type(exc).__name__}: {exc}"
        latency = int((time.monotonic() - started) * 1000)
        return self._record(delivery_id, status, latency, error)

    def _record(self, delivery_id: int, status: int | None, latency_ms: int, error: str) -> bool:
        now = self.clock.now()
        with self.db.session() as s:
            d = s.get(WebhookDelivery, delivery_id)
            if d is None:  # its subscription was deleted meanwhile
                return False
            s.add(WebhookAttempt(delivery_id=d.id, time=now, status_code=status, latency_ms=latency_ms,
                                 error=error[:500], trigger="manual" if d.last_error == MANUAL else "auto"))
            d.attempts += 1
            d.first_attempt_at = d.first_attempt_at or now
            d.last_status, d.last_error = status, error[:500]
            if not error:
                d.status, d.delivered_at = DELIVERED, now
                return True
            if now - d.first_attempt_at >= timedelta(hours=self.config.give_up_hours):
                d.status = FAILED
                log.warning("webhook delivery %s given up after %s tries: %s", d.id, d.attempts, error)
            else:
                delay = retry_delay(d.attempts, self.config.retry_base_s, self.config.retry_max_s)
                d.next_attempt_at = now + timedelta(seconds=delay)
        return False

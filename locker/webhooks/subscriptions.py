"""Webhook subscriptions, managed by an admin: a URL (http or https), the event types (or
``"*"``) and a signing secret, stored encrypted and shown only once, when created. Every
change is audited. Also the delivery log of a subscription and the manual redelivery.

>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> from locker.audit import AuditRecorder
>>> db = Database("sqlite://"); db.upgrade(); clock = SystemClock()
>>> hooks = Webhooks(db=db, secret=bytes(32), clock=clock, audit=AuditRecorder(clock=clock))
>>> made = hooks.create("https://one-stop.example/hooks", ["result.ready"], None, actor="admin")
>>> len(made["secret"]) >= 32, "secret" in hooks.get(made["id"])
(True, False)
>>> hooks.create("ftp://x", "*", None, actor="admin")
Traceback (most recent call last):
...
locker.errors.InvalidInput: The URL must start with http:// or https://, name a host and hold only printable ASCII characters (percent-encode the rest).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from ..audit import AuditRecorder, iso
from ..errors import InvalidInput, NotFound
from ..models_webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from ..outbox import fernet
from ..ports import Clock
from ..statuses import DeliveryStatus
from ..validation import PATTERNS
from .events import ALL, EVENT_TYPES

URL_MAX = 500
#: The white space trimmed around a URL, and the URL's rule (the OpenAPI document's pattern).
URL_BLANKS = " \t\n\r\f\v"
URL_RE = re.compile(PATTERNS["url"])
SECRET_RE = re.compile(PATTERNS["secret"])
SECRET_MIN, SECRET_MAX = 16, 200
_INFO = b"locker webhooks v1"
LOG_MAX = 200
#: ``last_error`` of a delivery an admin asked to send again, until its next try.
MANUAL = "redelivery requested"


def seal_secret(key: bytes, secret: str) -> str:
    return fernet(key, info=_INFO).encrypt(secret.encode("utf-8")).decode("ascii")


def open_secret(key: bytes, sealed: str) -> str:
    return fernet(key, info=_INFO).decrypt(sealed.encode("ascii")).decode("utf-8")


def check_url(url: Any) -> str:
    """An http(s) URL with a host, no credentials in it, printable ASCII, at most 500 characters.

    >>> check_url(" http://10.0.0.5:8080/in ")
    'http://10.0.0.5:8080/in'
    >>> check_url("https://user:pw@example.org/")
    Traceback (most recent call last):
    ...
    locker.errors.InvalidInput: The URL must not hold a user name or password; sign with the secret instead.
    """
    bad = InvalidInput("url", "Địa chỉ phải bắt đầu bằng http:// hoặc https://, có tên máy và chỉ gồm ký tự "
                              "ASCII in được (mã hóa phần còn lại bằng %).",
                       "The URL must start with http:// or https://, name a host and hold only printable ASCII "
                       "characters (percent-encode the rest).")
    if not isinstance(url, str):
        raise bad
    url = url.strip(URL_BLANKS)
    try:
        parts = urlsplit(url)
        credentials = parts.username is not None or parts.password is not None
    except ValueError:
        credentials = False
    if credentials:
        raise InvalidInput("url", "Địa chỉ không được chứa tên người dùng hay mật khẩu; hãy dùng khóa ký.",
                           "The URL must not hold a user name or password; sign with the secret instead.")
    if not url or len(url) > URL_MAX or not URL_RE.fullmatch(url):
        raise bad
    return url


def check_events(events: Any) -> list[str]:
    """``"*"`` or a list of known event types (``["*"]`` too).

    >>> check_events("*"), check_events(["result.ready", "result.ready"])
    (['*'], ['result.ready'])
    """
    if events == ALL or events == [ALL]:
        return [ALL]
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise InvalidInput("events", "Hãy chọn ít nhất một loại sự kiện, hoặc \"*\".",
                           "Name at least one event type, or \"*\".")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput("events", f"Loại sự kiện không có: {unknown[0][:40]}.",
                           f"Unknown event type: {unknown[0][:40]}. Known: {', '.join(EVENT_TYPES)}.")
    return list(dict.fromkeys(events))


def check_secret(secret: Any) -> str:
    if secret is None or secret == "":
        return secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not SECRET_RE.fullmatch(secret):
        raise InvalidInput("secret", f"Khóa ký phải dài {SECRET_MIN} đến {SECRET_MAX} ký tự ASCII in được.",
                           f"The secret must be {SECRET_MIN} to {SECRET_MAX} printable ASCII characters.")
    return secret


def subscription_view(sub: WebhookSubscription, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {"id": sub.id, "url": sub.url, "events": json.loads(sub.events), "paused": sub.paused,
            "created_by": sub.created_by, "created_at": iso(sub.created_at),
            "deliveries": counts or {}}


def delivery_view(d: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    event = d.event
    return {"id": d.id, "subscription": d.subscription_id, "event_id": event.uid, "type": event.type,
            "time": iso(event.time), "dossier_code": d.ordering, "status": d.status, "attempts": d.attempts,
            "next_attempt_at": iso(d.next_attempt_at) if d.status == DeliveryStatus.PENDING else None,
            "last_status": d.last_status, "last_error": d.last_error,
            "delivered_at": iso(d.delivered_at) if d.delivered_at else None,
            "log": [{"time": iso(a.time), "status_code": a.status_code, "latency_ms": a.latency_ms,
                     "error": a.error, "trigger": a.trigger} for a in attempts]}


class Webhooks:
    def __init__(self, *, db: Any, secret: bytes, clock: Clock, audit: AuditRecorder) -> None:
        self._db = db
        self._key = secret
        self._clock = clock
        self._audit = audit

    def create(self, url: Any, events: Any, secret: Any, *, actor: str) -> dict[str, Any]:
        """The new subscription, with its ``secret``: the only time it is shown."""
        url, types, secret = check_url(url), check_events(events), check_secret(secret)
        with self._db.session() as s:
            sub = WebhookSubscription(url=url, events=json.dumps(types), secret=seal_secret(self._key, secret),
                                      paused=False, created_by=actor, created_at=self._clock.now())
            s.add(sub)
            s.flush()
            self._audit.event(s, "webhook_created", actor=actor, webhook=sub.id, url=url, events=types)
            return {**subscription_view(sub), "secret": secret}

    def listing(self) -> list[dict[str, Any]]:
        with self._db.session() as s:
            subs = s.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)).scalars().all()
            return [subscription_view(sub, self._counts(s, sub.id)) for sub in subs]

    def get(self, sub_id: int) -> dict[str, Any]:
        with self._db.session() as s:
            sub = self._find(s, sub_id)
            return subscription_view(sub, self._counts(s, sub.id))

    def set_paused(self, sub_id: int, paused: bool, *, actor: str) -> dict[str, Any]:
        with self._db.session() as s:
            sub = self._find(s, sub_id)
            if sub.paused != paused:
                sub.paused = paused
                self._audit.event(s, "webhook_paused" if paused else "webhook_resumed", actor=actor, webhook=sub.id)
            return subscription_view(sub, self._counts(s, sub.id))

    def delete(self, sub_id: int, *, actor: str) -> None:
        """The subscription and its delivery log are removed; what was not delivered is dropped."""
        with self._db.session() as s:
            sub = self._find(s, sub_id)
            ids = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == sub.id)
            s.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
            s.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
            self._audit.event(s, "webhook_deleted", actor=actor, webhook=sub.id, url=sub.url)
            s.delete(sub)

    def totals(self) -> dict[str, int]:
        """Deliveries of every subscription by status (``/metrics``)."""
        with self._db.session() as s:
            rows = s.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all()
            return dict.fromkeys(map(str, DeliveryStatus), 0) | {status: n for status, n in rows}

    def deliveries(self, sub_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
        """The delivery log, newest first, each with its tries."""
        with self._db.session() as s:
            self._find(s, sub_id)
            rows = s.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
                             .order_by(WebhookDelivery.id.desc()).limit(min(max(limit, 1), LOG_MAX))).scalars().all()
            tries = self._attempts(s, [d.id for d in rows])
            return [delivery_view(d, tries.get(d.id, [])) for d in rows]

    def redeliver(self, delivery_id: int, *, actor: str) -> dict[str, Any]:
        """Send one delivery again (the same event id), at once and with a fresh give-up clock."""
        with self._db.session() as s:
            d = s.get(WebhookDelivery, delivery_id)
            if d is None:
                raise NotFound("delivery", delivery_id)
            d.status, d.next_attempt_at, d.first_attempt_at, d.last_error = DeliveryStatus.PENDING, self._clock.now(), None, MANUAL
            self._audit.event(s, "webhook_redelivery", actor=actor, webhook=d.subscription_id, delivery=d.id,
                              event_id=d.event.uid)
            return delivery_view(d, self._attempts(s, [d.id]).get(d.id, []))

    @staticmethod
    def _find(s: Any, sub_id: int) -> WebhookSubscription:
        sub = s.get(WebhookSubscription, sub_id)
        if sub is None:
            raise NotFound("webhook", sub_id)
        return sub

    @staticmethod
    def _counts(s: Any, sub_id: int) -> dict[str, int]:
        rows = s.execute(select(WebhookDelivery.status, func.count()).where(WebhookDelivery.subscription_id == sub_id)
                         .group_by(WebhookDelivery.status)).all()
        return {status: n for status, n in rows}

    @staticmethod
    def _attempts(s: Any, ids: list[int]) -> dict[int, list[WebhookAttempt]]:
        found: dict[int, list[WebhookAttempt]] = {}
        if ids:
            for a in s.execute(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
                               .order_by(WebhookAttempt.id)).scalars():
                found.setdefault(a.delivery_id, []).append(a)
        return found


__all__ = ["Webhooks", "WebhookEvent", "check_events", "check_secret", "check_url", "open_secret", "seal_secret"]

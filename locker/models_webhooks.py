"""Stored webhooks: subscriptions, the events derived from the audit log, one delivery per
event and subscription (the webhook outbox), each attempt of a delivery, and the marks the
audit head's export and incremental verification remember."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .model_base import Base, UtcDateTime


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    #: JSON list of event types, or ``["*"]``.
    events: Mapped[str] = mapped_column(Text)
    #: The signing secret, encrypted (Fernet, key derived from the locker's secret).
    secret: Mapped[str] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookEvent(Base):
    """One event as sent: ``body`` is the exact JSON every subscriber receives."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The audit event it was derived from (None for ``audit.head``).
    seq: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    #: What it is about, for de-duplication (``alarm:<id>``); None for most events.
    ref: Mapped[Optional[str]] = mapped_column(String(40), nullable=True, index=True)
    body: Mapped[str] = mapped_column(Text)


class WebhookDelivery(Base):
    """One event for one subscription. ``ordering`` (the dossier code) keeps a dossier's
    deliveries in order: a later one waits while an earlier one is pending."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_sub_order", "subscription_id", "ordering", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    ordering: Mapped[Optional[str]] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_attempt_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    last_status: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)

    event: Mapped[WebhookEvent] = relationship(lazy="joined")


class WebhookAttempt(Base):
    """The delivery log: one row per try."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), default="")
    #: ``auto`` or ``manual`` (a redelivery an admin asked for).
    trigger: Mapped[str] = mapped_column(String(8), default="auto")


class AuditMark(Base):
    """A remembered place in the audit log: ``webhooks`` (events derived so far),
    ``exported`` (the last head exported), ``verified`` (the last event verified)."""

    __tablename__ = "audit_marks"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UtcDateTime)

"""The stored state of the locker, as typed SQLAlchemy 2 models (announcements and clerks' runs:
:mod:`locker.models_runs`, on the same ``Base``).

Every timestamp is a timezone-aware UTC ``datetime`` in Python and naive UTC in the
database, the same on SQLite and PostgreSQL.

>>> Compartment(label="A01", size="M", board=0, lock=1).label
'A01'
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .model_base import Base, UtcDateTime
from .personal import Sealed


class Compartment(Base):
    __tablename__ = "compartments"
    __table_args__ = (UniqueConstraint("bus", "board", "lock", name="uq_compartments_bus_board_lock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(16), unique=True)
    size: Mapped[str] = mapped_column(String(1))
    bus: Mapped[str] = mapped_column(String(32), default="main", server_default="main")
    board: Mapped[int] = mapped_column(Integer)
    lock: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="free")
    door: Mapped[str] = mapped_column(String(8), default="unknown")
    item: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    service_note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: When the door was first seen open (cleared when it closes), and how far the
    #: door-left-open escalation went: both survive a restart.
    door_opened_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    left_open_stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Dossier(Base):
    """A dossier by its code. ``status`` follows its latest completed step: dropoff_pending,
    dropoff_failed, dropped_off, received (a clerk took the papers out), result_pending,
    result_failed, result_ready, picked_up, result_removed (a clerk took an uncollected result out)."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Dropoff(_Timestamps, Base):
    __tablename__ = "dropoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    compartment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("compartments.id"), nullable=True)
    #: Sealed at rest (:mod:`locker.personal`); "" once purged.
    phone: Mapped[str] = mapped_column(Sealed())
    size: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(12))
    kiosk: Mapped[str] = mapped_column(String(64))
    #: The kiosk screen's language at the drop-off: the language of the citizen's messages.
    language: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")
    email: Mapped[Optional[str]] = mapped_column(Sealed(), nullable=True)  # sealed at rest, like phone

    dossier: Mapped[Dossier] = relationship(lazy="joined")
    compartment: Mapped[Optional[Compartment]] = relationship(lazy="joined")


class Result(_Timestamps, Base):
    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    compartment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("compartments.id"), nullable=True)
    #: Sealed at rest (:mod:`locker.personal`); "" once purged.
    phone: Mapped[str] = mapped_column(Sealed())
    size: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(12))
    loaded_by: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")
    email: Mapped[Optional[str]] = mapped_column(Sealed(), nullable=True)  # sealed at rest, like phone
    #: When its pickup credentials expire: set when the first code is issued, moved by an extension.
    deadline: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    extended_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    extension_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    dossier: Mapped[Dossier] = relationship(lazy="joined")
    compartment: Mapped[Optional[Compartment]] = relationship(lazy="joined")


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    qr_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)

    def live(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


class Pickup(_Timestamps, Base):
    __tablename__ = "pickups"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id"))
    kiosk: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))

    result: Mapped[Result] = relationship(lazy="joined")
    compartment: Mapped[Compartment] = relationship(lazy="joined")


class Collection(_Timestamps, Base):
    """A clerk taking a drop-off (or an uncollected result) out of a compartment."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    dropoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dropoffs.id"), nullable=True)
    result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("results.id"), nullable=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))

    compartment: Mapped[Compartment] = relationship(lazy="joined")


class Assignment(Base):
    """What occupies a compartment. At most one active row per compartment (unique partial index)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("uq_assignments_active_compartment", "compartment_id", unique=True,
              sqlite_where=text("active = 1"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    dropoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dropoffs.id"), nullable=True)
    result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("results.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)


class DoorOperation(_Timestamps, Base):
    """The intent journal: written before a pulse, advanced by the hardware events."""

    __tablename__ = "door_operations"
    __table_args__ = (Index("ix_door_operations_compartment_status", "compartment_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    purpose: Mapped[str] = mapped_column(String(12))
    ref_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))

    compartment: Mapped[Compartment] = relationship(lazy="joined")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_dossier_kind", "dossier_code", "kind"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    compartment: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    dossier_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True, index=True)
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditVerified(Base):
    """The single row naming the newest audit event a successful ``locker audit verify`` reached."""

    __tablename__ = "audit_verified"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditHead(Base):
    """The single row naming the newest audit event; locking it serialises appenders."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Wrong passwords in a row, and the lock-out they caused; the same for the kiosk badge's PIN.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    pin_hash: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    #: The nonce signed into the account's badge QR; a new one (on reset) revokes printed badges.
    badge_nonce: Mapped[Optional[str]] = mapped_column(String(32), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)

    account: Mapped[Account] = relationship(lazy="joined")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    #: The phone number; for email, the address masked (the address itself is in the sealed payload).
    recipient: Mapped[str] = mapped_column(String(64))
    #: The message kind (``locker.notice_templates``), ``alarm_digest``, or "" for older rows.
    kind: Mapped[str] = mapped_column(String(24), default="", server_default="")
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    #: The gateway's last answer: HTTP status (None before any answer) and its message id.
    gateway_status: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    gateway_id: Mapped[str] = mapped_column(String(100), default="", server_default="")


class KioskThrottle(Base):
    __tablename__ = "kiosk_throttles"

    kiosk: Mapped[str] = mapped_column(String(64), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    penalty_s: Mapped[int] = mapped_column(Integer, default=0)


from .models_alarms import Alarm  # noqa: E402,F401 - registers the alarms table with Base
from .models_stats import CounterTotal, DailyStat, PickupWait  # noqa: E402,F401 - the reports' tables
from .models_ratings import Rating  # noqa: E402,F401 - the kiosk's satisfaction ratings
from .models_webhooks import (AuditMark, WebhookAttempt, WebhookDelivery, WebhookEvent,  # noqa: E402,F401
                              WebhookSubscription)

"""Deadlines of results waiting in the cabinet: a reminder SMS a configurable time before
(once), and at the deadline the pickup credentials are revoked, the citizen is told (once)
and the result is listed for return to the counter (``expired``; a retrieval run takes it
out). A clerk may extend
a deadline once, with a reason. Driven by the coordinator's tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import credentials, validation, views
from .announcements import masked_phone
from .audit import AuditRecorder, iso
from .config import Config
from .errors import Conflict, NotFound
from .journal import ACTIVE
from .models import Credential, DoorOperation, Result
from .notices import CitizenMessages
from .ports import Clock
from .statuses import DossierStatus, ResultStatus


def result_deadline_view(r: Result) -> dict[str, Any]:
    return {**views.result_view(r), "deadline": iso(r.deadline) if r.deadline else None,
            "extended": r.extended_at is not None, "extension_reason": r.extension_reason,
            "phone": masked_phone(r.phone)}


class Expiry:
    def __init__(self, *, config: Config, db: Any, clock: Clock, audit: AuditRecorder,
                 messages: CitizenMessages) -> None:
        self._db = db
        self._messages = messages
        self._clock = clock
        self._audit = audit
        self._remind_before = timedelta(hours=config.expiry.reminder_hours)
        self._extension = timedelta(days=config.expiry.extend_days)

    def tick(self, s: Session) -> None:
        """Send the reminders that are due, and expire the results past their deadline."""
        now = self._clock.now()
        for result in self._ready(s, Result.reminded_at.is_(None), Result.deadline <= now + self._remind_before):
            if result.deadline > now:
                self._remind(s, result, now)
        for result in self._ready(s, Result.deadline <= now):
            if not self._door_busy(s, result):
                self._expire(s, result, now)

    def extend(self, result_id: Any, reason: Any, *, actor: Any) -> dict[str, Any]:
        """Move a waiting result's deadline once; the citizen is told by SMS."""
        actor = validation.name("actor", actor)
        reason = validation.name("reason", reason, 200)
        with self._db.session() as s:
            result = s.execute(select(Result).where(Result.id == validation.whole_number("id", result_id, 1, 2**63 - 1))
                               .with_for_update(of=Result)).scalar_one_or_none()
            if result is None:
                raise NotFound("result", result_id)
            if result.status != ResultStatus.READY or result.deadline is None:
                raise Conflict("Chỉ gia hạn được kết quả đang chờ nhận.", "Only a result waiting for pickup can be "
                                                                          "extended.")
            if result.extended_at is not None:
                raise Conflict("Hạn nhận của kết quả này đã được gia hạn một lần.",
                               "The deadline of this result was already extended once.")
            old, now = result.deadline, self._clock.now()
            result.deadline = old + self._extension
            result.extended_at, result.extension_reason, result.reminded_at = now, reason, None
            for cred in s.execute(select(Credential).where(Credential.result_id == result.id)).scalars():
                if cred.live(now):
                    cred.expires_at = result.deadline
            label = result.compartment.label if result.compartment else "?"
            self._audit.event(s, "deadline_extended", actor=actor, compartment=label, dossier=result.dossier.code,
                              result=result.id, reason=reason, old=iso(old), new=iso(result.deadline))
            self._messages.about_result(s, "extended", result, actor=actor, at=result.deadline)
            return result_deadline_view(result)

    def awaiting_return(self) -> list[dict[str, Any]]:
        """Expired results still in the cabinet, oldest deadline first."""
        with self._db.session() as s:
            rows = s.execute(select(Result).where(Result.status == ResultStatus.EXPIRED,
                                                  Result.compartment_id.is_not(None))
                             .order_by(Result.deadline)).scalars().all()
            return [result_deadline_view(r) for r in rows if r.dossier.status == DossierStatus.RESULT_EXPIRED]

    def waiting(self) -> list[dict[str, Any]]:
        """Results waiting for pickup, nearest deadline first."""
        with self._db.session() as s:
            rows = s.execute(select(Result).where(Result.status == ResultStatus.READY)
                             .order_by(Result.deadline)).scalars().all()
            return [result_deadline_view(r) for r in rows]

    # ---- inside ------------------------------------------------------------------------

    @staticmethod
    def _ready(s: Session, *where: Any) -> list[Result]:
        return list(s.execute(select(Result).where(Result.status == ResultStatus.READY,
                                                   Result.deadline.is_not(None), *where)
                              .order_by(Result.deadline).limit(50)).scalars())

    @staticmethod
    def _door_busy(s: Session, result: Result) -> bool:
        """A pickup (or anything else) is opening its door right now: wait for it."""
        return s.execute(select(DoorOperation.id).where(DoorOperation.compartment_id == result.compartment_id,
                                                        DoorOperation.status.in_(ACTIVE))).first() is not None

    def _remind(self, s: Session, result: Result, now: datetime) -> None:
        result.reminded_at = now
        label = result.compartment.label if result.compartment else "?"
        self._audit.event(s, "result_expiring", compartment=label, dossier=result.dossier.code, result=result.id,
                          deadline=iso(result.deadline))
        self._messages.about_result(s, "reminder", result, at=result.deadline)

    def _expire(self, s: Session, result: Result, now: datetime) -> None:
        result.status, result.updated_at = ResultStatus.EXPIRED, now
        result.dossier.status, result.dossier.updated_at = DossierStatus.RESULT_EXPIRED, now
        revoked = credentials.revoke_all(s, result.id, now)
        label = result.compartment.label if result.compartment else None
        self._audit.event(s, "result_expired", compartment=label, dossier=result.dossier.code, result=result.id,
                          revoked=revoked)
        # Once: only a ready result expires, and it is no longer ready.
        self._messages.about_result(s, "expired", result)

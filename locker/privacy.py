"""Personal data kept lawfully (Decree 13/2023): phone numbers and email addresses are
purged ``[privacy] retention_days`` after the flow that needed them ended, and erased at
once for a citizen who asks (a supervisor's decision, audited with its reason).

A purge blanks the personal columns of records whose flow ended and the payloads of
messages long sent; it never touches the audit log (which holds no personal data) nor
the reports' statistics (which name nobody), so the chain still verifies and every
report stays as it was.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from . import validation
from .audit import AuditRecorder
from .errors import InvalidInput, NotFound
from .models import Assignment, AuditEvent, Dossier, Dropoff, OutboxMessage, Result
from .models_runs import Announcement
from .ports import Clock
from .statuses import STARTED, SEEN_OPEN, AnnouncementStatus, DropoffStatus, ResultStatus

log = logging.getLogger(__name__)

#: Records whose flow has not ended: their citizen may still need a message. A record in
#: any other status that still occupies a compartment has not ended either.
ACTIVE = {
    Dropoff: (STARTED, SEEN_OPEN, DropoffStatus.CLOSED_EMPTY, DropoffStatus.STORED),
    Result: (STARTED, SEEN_OPEN, ResultStatus.CLOSED_EMPTY, ResultStatus.READY),
}
#: Announcements whose phone number and address are no longer needed: the result it announced holds its own.
ANNOUNCEMENT_DONE = (AnnouncementStatus.LOADED, AnnouncementStatus.WITHDRAWN)
#: What an erased outbox message becomes (the worker delivers only ``pending`` ones).
ERASED = "erased"
REASON_MAX = 500
#: The audit events that name an outbox message queued about a dossier.
QUEUED_KINDS = ("sms_queued", "email_queued")


@dataclass
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    records: dict[str, int] = field(default_factory=dict)
    messages: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run, "records": self.records,
                "messages": self.messages}


class Privacy:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, retention_days: int) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.retention = timedelta(days=retention_days)

    def purge(self, *, dry_run: bool = False, actor: str = "system") -> PurgeReport:
        """Blank the personal data of flows that ended before the retention period."""
        report = PurgeReport(cutoff=self._clock.now() - self.retention, dry_run=dry_run)
        with self._db.session() as s:
            for model, active in ACTIVE.items():
                rows = _holding(s, model, model.status.notin_(active), model.updated_at < report.cutoff,
                                _not_inside(model))
                report.records[model.__tablename__] = len(rows)
                if not dry_run:
                    _blank(s, model, rows)
            done = _holding(s, Announcement, Announcement.status.in_(ANNOUNCEMENT_DONE),
                            Announcement.updated_at < report.cutoff)
            report.records["announcements"] = len(done)
            # Sent long ago, or still undelivered after the whole retention period.
            sent = list(s.execute(select(OutboxMessage.id).where(OutboxMessage.payload != "", or_(
                and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < report.cutoff),
                and_(OutboxMessage.status == "pending", OutboxMessage.created_at < report.cutoff)))).scalars())
            report.messages = len(sent)
            if dry_run:
                s.rollback()
                return report
            _blank_messages(s, sent, status=ERASED)
            _blank(s, Announcement, done)
            if any(report.records.values()) or sent:
                self._audit.event(s, "personal_data_purged", actor=actor, retention_days=self.retention.days,
                                  messages=len(sent), **report.records)
        return report

    def erase(self, dossier_code: Any, *, actor: str, reason: Any) -> dict[str, Any]:
        """A citizen's request: every phone number and address of the dossier's records, now."""
        code = validation.dossier_code(dossier_code)
        reason = _reason(reason)
        with self._db.session() as s:
            dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            announced = list(s.execute(select(Announcement.id).where(Announcement.dossier_code == code))
                             .scalars())
            if dossier is None and not announced:
                raise NotFound("dossier", code)
            records = {}
            for model in ACTIVE:
                rows = [] if dossier is None else list(
                    s.execute(select(model.id).where(model.dossier_id == dossier.id)).scalars())
                _blank(s, model, rows)
                records[model.__tablename__] = len(rows)
            _blank(s, Announcement, announced)
            records["announcements"] = len(announced)
            messages = _messages_of(s, code)
            _blank_messages(s, messages, status=ERASED)
            self._audit.event(s, "personal_data_erased", actor=actor, dossier=code, reason=reason,
                              messages=len(messages), **records)
        return {"dossier_code": code, "records": records, "messages": len(messages)}


def _holding(s: Session, model: Any, *conditions: Any) -> list[int]:
    """Ids of records that still hold personal data, under ``conditions``."""
    held = [model.phone != ""]
    if hasattr(model, "email"):
        held.append(model.email.is_not(None))
    return list(s.execute(select(model.id).where(or_(*held), *conditions)).scalars())


def _not_inside(model: Any) -> Any:
    """The record no longer occupies a compartment (an expired result waiting for a retrieval run still does)."""
    column = Assignment.dropoff_id if model is Dropoff else Assignment.result_id
    return ~exists().where(column == model.id, Assignment.active.is_(True))


def _blank(s: Session, model: Any, ids: list[int]) -> None:
    values: dict[str, Any] = {"phone": ""}
    if hasattr(model, "email"):
        values["email"] = None
    for chunk in _chunks(ids):
        s.execute(update(model).where(model.id.in_(chunk)).values(**values))


def _messages_of(s: Session, code: str) -> list[int]:
    """The outbox messages queued about a dossier (its ``sms_queued`` and ``email_queued`` audit events name them)."""
    rows = s.execute(select(AuditEvent.data).where(AuditEvent.dossier_code == code,
                                                   AuditEvent.kind.in_(QUEUED_KINDS))).scalars()
    ids = [json.loads(data).get("message") for data in rows]
    return [i for i in ids if isinstance(i, int)]


def _blank_messages(s: Session, ids: list[int], *, status: str | None) -> None:
    values: dict[str, Any] = {"payload": "", "recipient": ""}
    for chunk in _chunks(ids):
        query = update(OutboxMessage).where(OutboxMessage.id.in_(chunk))
        s.execute(query.values(**values))
        if status is not None:
            s.execute(query.where(OutboxMessage.status == "pending").values(status=status))


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("reason", "Cần ghi lý do xoá dữ liệu.", "A reason for the erasure is required.")
    if len(value) > REASON_MAX:
        raise InvalidInput("reason", "Lý do quá dài.", "The reason is too long.")
    return value.strip()


class PurgeJob:
    """Runs :meth:`Privacy.purge` soon after start and then every ``interval_s`` on its own thread."""

    def __init__(self, *, privacy: Privacy, interval_s: float = 3600.0, first_after_s: float = 60.0) -> None:
        self._privacy = privacy
        self._interval = interval_s
        self._first = first_after_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="locker-purge", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        wait = self._first
        while not self._stop.wait(wait):
            try:
                report = self._privacy.purge()
                if any(report.records.values()) or report.messages:
                    log.info("personal data purged: %s", report.as_dict())
            except Exception:  # noqa: BLE001 - the job must survive a database hiccup
                log.exception("purge failed")
            wait = self._interval

"""Results the one-stop system announces before they reach the cabinet, so that a clerk
only scans the receipt: the phone and size come from the announcement.

Announcing is idempotent: the same announcement again changes nothing. A different
announcement for the same dossier code replaces the earlier one while its result is
not loaded yet (the one-stop system corrected it), and is refused (409) once loaded.
Withdrawing is idempotent too; a loaded result cannot be withdrawn (a clerk retrieves
it from the cabinet instead). A withdrawn announcement may be announced again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import validation
from .audit import AuditRecorder
from .errors import Conflict, InvalidInput, NotFound
from .models_runs import Announcement
from .ports import Clock
from .personal import mask_email, mask_phone
from .statuses import AnnouncementStatus


def masked_phone(phone: str) -> str:
    """A phone number as people see it (:func:`locker.personal.mask_phone`).

    >>> masked_phone("0912345678"), masked_phone("+84912345678")
    ('09******78', '+84*******78')
    """
    return mask_phone(phone)


def due_date(value: Any) -> date:
    """``YYYY-MM-DD`` (a full ISO date-time is accepted for its date)."""
    if isinstance(value, str) and 10 <= len(value.strip()) <= 40:
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise InvalidInput("due", "Ngày hẹn trả phải có dạng YYYY-MM-DD.", "The due date must look like YYYY-MM-DD.")


def procedure(value: Any) -> str:
    s = validation.name("procedure", value, 200)
    return s


@dataclass(frozen=True)
class Announced:
    """What the one-stop system sent, checked."""

    dossier_code: str
    phone: str
    due: date
    size: str
    procedure: str
    email: str | None = None
    #: None: the language of the dossier's drop-off, else ``vi`` (decided when the result is loaded).
    language: str | None = None

    @classmethod
    def checked(cls, dossier_code: Any, phone: Any, due: Any, size: Any, procedure_: Any, email: Any = None,
                language: Any = None) -> "Announced":
        return cls(validation.dossier_code(dossier_code).upper(), validation.phone(phone), due_date(due),
                   validation.size(size), procedure(procedure_), validation.email(email),
                   None if language is None else validation.language(language))

    def same_as(self, row: Announcement) -> bool:
        return ((self.phone, self.due, self.size, self.procedure, self.email, self.language)
                == (row.phone, row.due, row.size, row.procedure, row.email, row.language))


def view(row: Announcement) -> dict[str, Any]:
    return {"dossier_code": row.dossier_code, "phone": masked_phone(row.phone),
            "email": mask_email(row.email) if row.email else None, "language": row.language,
            "due": row.due.isoformat(), "size": row.size, "procedure": row.procedure, "status": row.status}


class Announcements:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit

    def announce(self, dossier_code: Any, phone: Any, due: Any, size: Any, procedure_: Any, *, actor: Any,
                 email: Any = None, language: Any = None) -> tuple[dict[str, Any], bool]:
        """(the announcement, whether it is new): new or announced again after a withdrawal.

        ``email`` (optional) and ``language`` (``vi``/``en``; None: the drop-off's) go with the
        result when a clerk loads it: its SMS in that language, its email when given."""
        given = Announced.checked(dossier_code, phone, due, size, procedure_, email, language)
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            row = self.find(s, given.dossier_code, lock=True)
            if row is not None and row.status != AnnouncementStatus.WITHDRAWN and given.same_as(row):
                return view(row), False
            if row is not None and row.status == AnnouncementStatus.LOADED:
                raise Conflict(f"Kết quả hồ sơ {row.dossier_code} đã được nạp vào tủ; không thể thay đổi thông báo.",
                               f"The result of dossier {row.dossier_code} is already loaded; "
                               "the announcement cannot change.")
            created = row is None or row.status == AnnouncementStatus.WITHDRAWN
            row = self._store(s, row, given, actor)
            self._audit.event(s, "result_announced" if created else "announcement_updated", actor=actor,
                              dossier=row.dossier_code, size=row.size, due=row.due.isoformat(),
                              procedure=row.procedure, language=row.language)
            return view(row), created

    def withdraw(self, dossier_code: Any, *, actor: Any) -> None:
        code = validation.dossier_code(dossier_code).upper()
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            row = self.find(s, code, lock=True)
            if row is None:
                raise NotFound("announcement", code)
            if row.status == AnnouncementStatus.LOADED:
                raise Conflict(f"Kết quả hồ sơ {code} đã ở trong tủ; hãy lấy ra tại tủ.",
                               f"The result of dossier {code} is already in the cabinet; retrieve it there.")
            if row.status == AnnouncementStatus.WITHDRAWN:
                return
            row.status, row.updated_at = AnnouncementStatus.WITHDRAWN, self._clock.now()
            self._audit.event(s, "announcement_withdrawn", actor=actor, dossier=code)

    def get(self, dossier_code: Any) -> dict[str, Any]:
        code = validation.dossier_code(dossier_code).upper()
        with self._db.session() as s:
            row = self.find(s, code)
            if row is None:
                raise NotFound("announcement", code)
            return view(row)

    @staticmethod
    def find(s: Session, code: str, *, lock: bool = False) -> Announcement | None:
        query = select(Announcement).where(Announcement.dossier_code == code.upper())
        return s.execute(query.with_for_update() if lock else query).scalar_one_or_none()

    def waiting(self, s: Session, code: str) -> Announcement | None:
        """The announcement a scanned receipt matches: announced, not loaded nor withdrawn."""
        row = self.find(s, code)
        return row if row is not None and row.status == AnnouncementStatus.ANNOUNCED else None

    def loaded(self, s: Session, code: str, result_id: int) -> None:
        row = self.waiting(s, code)
        if row is not None:
            row.status, row.result_id, row.updated_at = AnnouncementStatus.LOADED, result_id, self._clock.now()

    def _store(self, s: Session, row: Announcement | None, given: Announced, actor: str) -> Announcement:
        now = self._clock.now()
        if row is None:
            row = Announcement(dossier_code=given.dossier_code, created_at=now)
            s.add(row)
        row.phone, row.due, row.size, row.procedure = given.phone, given.due, given.size, given.procedure
        row.email, row.language = given.email, given.language
        row.status, row.result_id, row.actor, row.updated_at = AnnouncementStatus.ANNOUNCED, None, actor, now
        s.flush()
        return row

"""Compartment service by clerks and technicians: out of service for maintenance,
and back into use, saying what became of what it held."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from . import credentials, states, validation, views
from .allocator import Allocator
from .audit import AuditRecorder
from .compartments import Compartments
from .errors import Conflict, InvalidInput
from .journal import Journal
from .models import Assignment, Compartment
from .ports import Clock
from .statuses import DropoffStatus, ResultStatus


class Maintenance:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._compartments = compartments

    def set_out_of_service(self, compartment_label: Any, *, actor: Any, reason: Any = "maintenance") -> dict:
        """Take a compartment out of service (maintenance); it keeps what it holds."""
        actor = validation.name("actor", actor)
        reason = validation.name("reason", reason, 200)
        with self._db.session() as s:
            comp = self._compartments.find(s, compartment_label, lock=True)
            if not states.allowed(comp.state, states.OUT_OF_SERVICE) or self._journal.active(s, comp):
                raise Conflict(f"Ngăn {comp.label} đang được sử dụng.", f"Compartment {comp.label} is in use.")
            self._compartments.out_of_service(s, comp, reason, actor=actor)
            return views.compartment_view(comp, self._compartments.held_dossier(s, self._allocator.assignment(s, comp)))

    def return_to_service(self, compartment_label: Any, *, actor: Any, emptied: bool = False,
                          keep_contents: bool = False, reason: Any = None) -> dict:
        """Put an out-of-service compartment back into use. When it still holds a drop-off
        or a result, the clerk says what became of it: taken out (``emptied=True``, the
        compartment is free) or left inside (``keep_contents=True``, it holds it again and
        a pickup credential stays valid)."""
        actor = validation.name("actor", actor)
        reason = None if reason is None else validation.name("reason", reason, 200)
        if emptied is True and keep_contents is True:
            raise InvalidInput("emptied", "Chỉ chọn một: đã lấy hồ sơ ra hoặc để lại trong ngăn.",
                               "Choose one: the dossier was taken out, or it stays inside.")
        with self._db.session() as s:
            comp = self._compartments.find(s, compartment_label, lock=True)
            if comp.state != states.OUT_OF_SERVICE or self._journal.active(s, comp) or comp.board < 0:
                raise Conflict(f"Ngăn {comp.label} không ở trạng thái ngừng sử dụng.",
                               f"Compartment {comp.label} is not out of service.")
            if comp.door == "open":
                raise Conflict(f"Hãy đóng cửa ngăn {comp.label} trước.", f"Close compartment {comp.label} first.")
            held, new = self._allocator.assignment(s, comp), states.FREE
            if held is not None and emptied is True:
                self._empty(s, comp, held, actor)
            elif held is not None:
                new = self._holding_state(s, held) if keep_contents is True else None
                if new is None:
                    raise Conflict(f"Ngăn {comp.label} vẫn còn hồ sơ; hãy lấy ra và xác nhận.",
                                   f"Compartment {comp.label} still holds a dossier; take it out and confirm.")
            if new == states.FREE and comp.item is True:
                raise Conflict(f"Cảm biến thấy có vật trong ngăn {comp.label}; hãy lấy ra trước.",
                               f"The sensor sees something inside compartment {comp.label}; take it out first.")
            states.return_to_service(comp, new)
            comp.service_note, comp.updated_at = "", self._clock.now()
            dossier = self._compartments.held_dossier(s, held) if new != states.FREE else None
            self._audit.event(s, "compartment_returned", actor=actor, compartment=comp.label, dossier=dossier,
                              state=new, **({"reason": reason} if reason else {}))
            return views.compartment_view(comp, dossier)

    def _holding_state(self, s: Session, held: Assignment) -> str | None:
        """What a compartment holds again after a repair: a stored drop-off or a ready result."""
        record = self._compartments.held_record(s, held)
        if held.dropoff_id:
            return states.HOLDING_DROPOFF if record is not None and record.status == DropoffStatus.STORED else None
        return states.HOLDING_RESULT if record is not None and record.status == ResultStatus.READY else None

    def _empty(self, s: Session, comp: Compartment, held: Assignment, actor: str) -> None:
        now, record = self._clock.now(), self._compartments.held_record(s, held)
        if held.dropoff_id:
            if record.status == DropoffStatus.STORED:
                record.status, record.updated_at = DropoffStatus.COLLECTED, now
        else:
            if record.status == ResultStatus.READY:
                record.status, record.updated_at = ResultStatus.EXPIRED, now
            credentials.revoke_all(s, record.id, now)
        self._allocator.release(s, comp)
        self._audit.event(s, "compartment_emptied", actor=actor, compartment=comp.label, dossier=record.dossier.code)

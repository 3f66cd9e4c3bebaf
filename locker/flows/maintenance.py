"""A maintenance opening: a technician (or a clerk, for a compartment holding a
drop-off or a result) fires a lock for a reason. The lock is fired even when the
compartment is out of service or its sensor reads open; what the compartment holds
and its state do not change. What the sensors say is noted as it happens: the latch
released, the door seen open, the item sensor when the door closed again.

A compartment takes one door operation at a time: while another flow's operation is
in flight the opening is refused. A maintenance opening already confirmed open whose
door never closed (a broken sensor that always reads open) is ended by the next one.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import states, validation
from ..accounts import ROLE_RANK
from ..audit import AuditRecorder, iso
from ..compartments import Compartments
from ..errors import Conflict, Forbidden, InvalidInput
from ..journal import Journal, OpStatus, Unlock
from ..models import Compartment, DoorOperation
from ..models_maintenance import MaintenanceOpening
from ..ports import Clock
from ..statuses import MaintenanceStatus
from . import shown

#: The compartments a clerk may open for maintenance: those holding a load.
CLERK_STATES = (states.HOLDING_DROPOFF, states.HOLDING_RESULT)
LOCK_TEST = "lock test"


def reason_of(value: Any) -> str:
    """The reason a person gave: required, at most 200 characters on one line, none invisible
    (the rule of :func:`locker.validation.name`, stated in the API's document)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 200 or validation.NAME_FORBIDDEN_RE.search(text):
        raise InvalidInput("reason", "Hãy nhập lý do (tối đa 200 ký tự).",
                           "Give a reason (at most 200 characters).")
    return text


def opening_view(o: MaintenanceOpening) -> dict[str, Any]:
    return {"id": o.id, "compartment": o.compartment.label, "status": o.status, "reason": o.reason,
            "actor": o.actor, "run": o.run_id, "latch_released": o.latch_released, "door_opened": o.door_opened,
            "item": o.item, "outcome": o.outcome or None, "time": iso(o.created_at)}


class MaintenanceFlow:
    purpose = "maintenance"
    model = MaintenanceOpening
    #: A maintenance opening never waits on its contents: whatever is inside stays as it is.
    waiting = None

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal,
                 compartments: Compartments) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._compartments = compartments
        #: Told when an opening ends (``go_on``: its door closed, an "open all" run may move
        #: on); returns the next unlock to send, if any.
        self.on_end: Callable[..., Unlock | None] = lambda s, opening, *, go_on: None

    def start(self, compartment_label: Any, reason: Any, *, actor: Any,
              role: Any) -> tuple[dict[str, Any], Unlock]:
        """Commit an opening of ``compartment_label``; returns the answer and the unlock to send."""
        actor, reason = validation.name("actor", actor), reason_of(reason)
        with self._db.session() as s:
            comp = self._compartments.find(s, compartment_label, lock=True)
            if ROLE_RANK.get(role, 0) < ROLE_RANK["technician"] and comp.state not in CLERK_STATES:
                raise Forbidden()
            opening, unlock = self.open(s, comp, reason, actor=actor)
            return opening_view(opening), unlock

    def open(self, s: Session, comp: Compartment, reason: str, *, actor: str,
             run_id: int | None = None) -> tuple[MaintenanceOpening, Unlock]:
        """The opening and its journal entry in the caller's transaction (``comp`` locked)."""
        self._end_stuck(s, comp)
        if self._journal.active(s, comp) is not None:
            raise Conflict(f"Ngăn {comp.label} đang được mở cho một thao tác khác.",
                           f"Compartment {comp.label} is being opened for another operation.")
        now = self._clock.now()
        opening = MaintenanceOpening(compartment_id=comp.id, run_id=run_id, actor=actor, reason=reason,
                                     status=MaintenanceStatus.OPENING, latch_released=False, door_opened=False,
                                     item=None, outcome="", created_at=now, updated_at=now)
        s.add(opening)
        s.flush()
        self._audit.event(s, "maintenance_opening", actor=actor, compartment=comp.label, opening=opening.id,
                          reason=reason, state=comp.state, door=comp.door, run=run_id)
        return opening, self._journal.open(s, comp, self.purpose, opening.id, actor=actor, dossier=None)

    def _end_stuck(self, s: Session, comp: Compartment) -> None:
        """A maintenance opening confirmed open whose door never closed ends here."""
        op = self._journal.active(s, comp)
        if op is None or op.purpose != self.purpose or not self._journal.confirmed_open(op):
            return
        self._journal.advance(op, OpStatus.CLOSED)
        opening = s.get(MaintenanceOpening, op.ref_id)
        self._end(s, opening, MaintenanceStatus.CLOSED, "ended_by_next_opening")
        self.on_end(s, opening, go_on=False)

    def recent(self, *, label: Any = None, reason: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest openings first, of one compartment or for one reason if asked."""
        query = select(MaintenanceOpening).order_by(MaintenanceOpening.id.desc()).limit(limit)
        with self._db.session() as s:
            if label is not None:
                query = query.where(MaintenanceOpening.compartment_id == self._compartments.find(s, label).id)
            if reason is not None:
                query = query.where(MaintenanceOpening.reason == reason)
            return [opening_view(o) for o in s.execute(query).scalars()]

    def get(self, opening_id: Any) -> dict[str, Any]:
        return shown(self._db, MaintenanceOpening, opening_id, name="maintenance opening", view=opening_view)

    def opened(self, s: Session, op: DoorOperation, opening: MaintenanceOpening) -> None:
        """The latch released (the outcome) or the door was seen open."""
        opening.latch_released = True
        if op.status == OpStatus.OPENED:
            opening.door_opened = True
        opening.updated_at = self._clock.now()

    def complete(self, s: Session, op: DoorOperation, opening: MaintenanceOpening) -> Unlock | None:
        """The door closed again: the item sensor is noted; the compartment keeps its state."""
        opening.door_opened = opening.latch_released = True
        self._end(s, opening, MaintenanceStatus.CLOSED, "door_closed")
        return self.on_end(s, opening, go_on=True)

    def item_seen(self, s: Session, op: DoorOperation, opening: MaintenanceOpening, present: bool) -> None:
        """Never called (an opening never waits); an item reading is noted all the same."""
        opening.item = present

    def abandon(self, s: Session, opening: MaintenanceOpening, reason: str) -> None:
        """Never called (an opening never waits); ends it as closed, saying why."""
        self._end(s, opening, MaintenanceStatus.CLOSED, reason[:40])

    def fail(self, s: Session, op: DoorOperation, opening: MaintenanceOpening, reason: str, *,
             relocate: bool) -> Unlock | None:
        self._end(s, opening, MaintenanceStatus.FAILED, reason[:40])
        return self.on_end(s, opening, go_on=False)

    def _end(self, s: Session, opening: MaintenanceOpening, status: str, outcome: str) -> None:
        comp = opening.compartment
        opening.status, opening.outcome, opening.item = status, outcome, comp.item
        opening.updated_at = self._clock.now()
        self._audit.event(s, "maintenance_closed" if status == MaintenanceStatus.CLOSED else "maintenance_failed",
                          compartment=comp.label, opening=opening.id, outcome=outcome,
                          latch_released=opening.latch_released, door_opened=opening.door_opened, item=comp.item)

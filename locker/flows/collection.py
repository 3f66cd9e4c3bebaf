"""A clerk takes out what a compartment holds: a drop-off (it becomes ``collected``,
its dossier ``received``) or an uncollected result (``expired``, its codes revoked; its
dossier ``result_returned`` to the counter when its deadline had passed, else ``result_removed``).
The compartment is free when the door closes again (where item sensors tell: on an
empty compartment). With something still inside the collection is ``left_inside``,
then ``uncollected`` with an alarm: what the compartment holds stays recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import credentials, states, validation, views
from ..alarm_kinds import AlarmKind
from ..alarms import Alarms
from ..allocator import Allocator
from ..audit import AuditRecorder
from ..compartments import Compartments
from ..errors import Conflict
from ..journal import Journal, Unlock
from ..models import Collection, Compartment, DoorOperation, Dropoff, Result
from ..ports import Clock
from . import shown
from ..statuses import CollectionStatus, DossierStatus, DropoffStatus, ResultStatus


class CollectionFlow:
    purpose = "collection"
    model = Collection
    waiting = CollectionStatus.LEFT_INSIDE

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, alarms: Alarms) -> None:
        self._db = db
        self._alarms = alarms
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._compartments = compartments

    def start(self, compartment_label: Any, *, actor: Any) -> tuple[dict[str, Any], Unlock]:
        """Open a compartment holding a drop-off (or an uncollected result) for a clerk."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            comp = self._compartments.find(s, compartment_label, lock=True)
            if comp.state not in (states.HOLDING_DROPOFF, states.HOLDING_RESULT) or self._journal.active(s, comp):
                raise Conflict(f"Ngăn {comp.label} không chứa hồ sơ để lấy ra lúc này.",
                               f"Compartment {comp.label} holds nothing to collect right now.")
            held, now = self._allocator.assignment(s, comp), self._clock.now()
            coll = Collection(dropoff_id=held.dropoff_id if held else None,
                              result_id=held.result_id if held else None, compartment_id=comp.id, actor=actor,
                              status=CollectionStatus.OPENING, created_at=now, updated_at=now)
            s.add(coll)
            s.flush()
            dossier = self._compartments.held_dossier(s, held)
            self._audit.event(s, "collection_started", actor=actor, compartment=comp.label, dossier=dossier,
                              collection=coll.id)
            unlock = self._journal.open(s, comp, self.purpose, coll.id, actor=actor, dossier=dossier)
            return views.started(coll.id, comp), unlock

    def get(self, collection_id: Any) -> dict[str, Any]:
        return shown(self._db, Collection, collection_id, name="collection", view=views.collection_view)

    def opened(self, s: Session, op: DoorOperation, coll: Collection) -> None:
        """Nothing to note until the door closes."""

    def complete(self, s: Session, op: DoorOperation, coll: Collection) -> None:
        if self._compartments.holds_item(op.compartment) is True:
            coll.status = CollectionStatus.LEFT_INSIDE
            self._audit.event(s, "collection_item_left", actor=coll.actor, compartment=op.compartment.label,
                              collection=coll.id)
            return
        self._collected(s, op.compartment, coll)

    def item_seen(self, s: Session, op: DoorOperation, coll: Collection, present: bool) -> None:
        """What it held seen gone after all (the sensor's report came after the door's)."""
        if not present:
            self._collected(s, op.compartment, coll)

    def abandon(self, s: Session, coll: Collection, reason: str) -> None:
        coll.status = CollectionStatus.UNCOLLECTED
        self._alarms.raise_(s, AlarmKind.ITEM_LEFT_INSIDE, event="item_left_inside", actor=coll.actor,
                            compartment=coll.compartment.label, collection=coll.id, reason=reason)

    def _collected(self, s: Session, comp: Compartment, coll: Collection) -> None:
        now = self._clock.now()
        coll.status = CollectionStatus.COLLECTED
        if coll.dropoff_id is not None:
            dropoff = s.get(Dropoff, coll.dropoff_id)
            dropoff.status, dropoff.updated_at = DropoffStatus.COLLECTED, now
            dropoff.dossier.status, dropoff.dossier.updated_at = DossierStatus.RECEIVED, now
            kind, dossier = "dropoff_collected", dropoff.dossier.code
        else:
            result = s.get(Result, coll.result_id)
            returned = result.status == ResultStatus.EXPIRED  # its deadline passed: back to the counter
            result.status, result.updated_at = ResultStatus.EXPIRED, now
            result.dossier.status = DossierStatus.RESULT_RETURNED if returned else DossierStatus.RESULT_REMOVED
            result.dossier.updated_at = now
            credentials.revoke_all(s, result.id, now)
            kind, dossier = ("result_returned" if returned else "result_removed"), result.dossier.code
        self._allocator.release(s, comp)
        self._compartments.move(comp, states.FREE)
        self._alarms.clear(s, AlarmKind.ITEM_LEFT_INSIDE, event=kind, compartment=comp.label)
        where = {"to": "counter"} if kind == "result_returned" else {}
        self._audit.event(s, kind, actor=coll.actor, compartment=comp.label, dossier=dossier, collection=coll.id,
                          **where)

    def fail(self, s: Session, op: DoorOperation, coll: Collection, reason: str, *,
             relocate: bool) -> Unlock | None:
        """What the compartment holds stays inside."""
        coll.status = CollectionStatus.FAILED
        target = s.get(Dropoff, coll.dropoff_id) if coll.dropoff_id else s.get(Result, coll.result_id)
        self._audit.event(s, "collection_failed", compartment=op.compartment.label,
                          dossier=target.dossier.code if target is not None else None, reason=reason,
                          record=coll.id)
        return None

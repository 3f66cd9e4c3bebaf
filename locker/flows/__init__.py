"""The flows, one object per purpose of a door operation, found through one table.

A flow starts by committing its record and a door operation (it returns the
:class:`~locker.journal.Unlock` to send after the commit); the hardware events then
reach it through :class:`FlowTable`: the door was confirmed open, the door closed
again (complete), or the door never opened (fail).

Where item sensors tell, a door may close on the wrong contents (an empty
compartment for a drop-off, the result still inside after a pickup): the flow then
*waits* in its ``waiting`` status. A later item reading may still complete it (the
sensor's report can follow the door's), the kiosk may reopen the same compartment,
and a flow nobody comes back to is abandoned after ``[doors] reopen_window_s``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import states, validation, views
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import Conflict, HardwareUnavailable, NotFound
from ..journal import Journal, OpStatus, Unlock
from ..models import Compartment, DoorOperation
from ..ports import Clock
from ..kiosk import KIOSK_MODE_TTL_S, SCANNER
from ..statuses import ON_SCREEN, STARTED, door_seen_open


class Flow(Protocol):
    purpose: str
    model: type
    waiting: str

    def opened(self, s: Session, op: DoorOperation, record: Any) -> None:
        """The door is confirmed open (latch released or door seen open)."""

    def complete(self, s: Session, op: DoorOperation, record: Any) -> Unlock | None:
        """The door closed again after opening; returns an operation to pulse next, if any."""

    def fail(self, s: Session, op: DoorOperation, record: Any, reason: str, *, relocate: bool) -> Unlock | None:
        """The door never opened; returns an operation to pulse when the flow moved elsewhere."""

    def item_seen(self, s: Session, op: DoorOperation, record: Any, present: bool) -> None:
        """An item reading while the flow waits with its door closed."""

    def abandon(self, s: Session, record: Any, reason: str) -> None:
        """Nobody came back to a waiting flow."""


def shown(db: Any, model: type, record_id: Any, *, name: str, view: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """What ``GET`` answers for one record: its view, or :class:`NotFound` naming it."""
    with db.read_session() as s:
        record = s.get(model, validation.whole_number("id", record_id, 1, 2**63 - 1))
        if record is None:
            raise NotFound(name, record_id)
        return view(record)


#: How long a kiosk keeps showing a flow that ended (then it goes back to its start screen).
ENDED_ON_SCREEN_S = KIOSK_MODE_TTL_S


def code_shown(record: Any, kiosk: str | None, now: datetime) -> bool:
    """Whether ``kiosk`` may see the dossier code of a citizen's record: the kiosk that
    started it (the scanner's records are its kiosk's), while the flow is on its screen.
    ``None`` is a trusted caller (clerks, the service itself)."""
    if kiosk is None:
        return True
    if record.kiosk not in (kiosk, SCANNER):
        return False
    return record.status in ON_SCREEN or now - record.updated_at <= timedelta(seconds=ENDED_ON_SCREEN_S)


def kiosk_record(s: Session, model: type, record_id: Any, kiosk: Any, *, name: str) -> Any:
    """A record started at ``kiosk``, locked; another kiosk's is not found."""
    kiosk = validation.name("kiosk", kiosk, 58)
    record = s.get(model, validation.whole_number("id", record_id, 1, 2**63 - 1), with_for_update={"of": model})
    if record is None or record.kiosk != kiosk:
        raise NotFound(name, record_id)
    return record


def reopen_door(s: Session, record: Any, *, purpose: str, actor: str, dossier: str, journal: Journal,
                audit: AuditRecorder) -> Unlock:
    """Open the compartment of a waiting flow once more, for the same record."""
    comp = record.compartment
    s.refresh(comp, with_for_update=True)
    if comp.state == states.OUT_OF_SERVICE:
        raise HardwareUnavailable()
    if journal.active(s, comp) is not None:
        raise Conflict(f"Ngăn {comp.label} đang được mở.", f"Compartment {comp.label} is already being opened.")
    record.status = STARTED
    audit.event(s, f"{purpose}_reopened", actor=actor, compartment=comp.label, dossier=dossier, record=record.id)
    return journal.open(s, comp, purpose, record.id, actor=actor, dossier=dossier)


class KioskReturn:
    """A citizen's flow waiting at its kiosk with the door closed on the wrong contents: the
    kiosk opens the same compartment again, or ends it (``flow.abandon``). Given by keyword what
    differs: ``name`` (the record's, in errors), ``dossier`` (a record's dossier code), ``view``
    (the record's answer) and ``not_now`` (the refusal, Vietnamese then English, of a record
    that does not wait)."""

    def __init__(self, *, flow: Flow, name: str, dossier: Callable[[Any], str], view: Callable[[Any], dict[str, Any]],
                 not_now: tuple[str, str], db: Any, clock: Clock, journal: Journal, audit: AuditRecorder) -> None:
        self._flow = flow
        self._name = name
        self._dossier = dossier
        self._view = view
        self._not_now = not_now
        self._db = db
        self._clock = clock
        self._journal = journal
        self._audit = audit

    def reopen(self, record_id: Any, *, kiosk: Any) -> tuple[dict[str, Any], Unlock]:
        """The answer and the unlock to send."""
        with self._db.session() as s:
            record = kiosk_record(s, self._flow.model, record_id, kiosk, name=self._name)
            if record.status != self._flow.waiting:
                raise Conflict(*self._not_now)
            unlock = reopen_door(s, record, purpose=self._flow.purpose, actor=kiosk_actor(record.kiosk),
                                 dossier=self._dossier(record), journal=self._journal, audit=self._audit)
            return views.started(record.id, record.compartment), unlock

    def end(self, record_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The kiosk's person left: a waiting record is abandoned; any other is answered unchanged."""
        with self._db.session() as s:
            record = kiosk_record(s, self._flow.model, record_id, kiosk, name=self._name)
            if record.status == self._flow.waiting:
                record.updated_at = self._clock.now()
                self._flow.abandon(s, record, "ended at the kiosk")
            return self._view(record)


class FlowTable:
    """Purpose -> flow; what every flow's ending shares happens here, once."""

    def __init__(self, flows: Iterable[Flow], *, journal: Journal, compartments: Compartments,
                 clock: Clock) -> None:
        self._flows = {flow.purpose: flow for flow in flows}
        self._journal = journal
        self._compartments = compartments
        self._clock = clock
        self._maybe_waiting = True  # until a look finds none; saves the event thread a query a second

    def __getitem__(self, purpose: str) -> Flow:
        return self._flows[purpose]

    def record(self, s: Session, op: DoorOperation) -> Any:
        return s.get(self[op.purpose].model, op.ref_id)

    def opened(self, s: Session, op: DoorOperation) -> None:
        """The door is confirmed open: the record says so, then its flow notes what it must."""
        record = self.record(s, op)
        door_seen_open(record)
        self[op.purpose].opened(s, op, record)

    def complete(self, s: Session, op: DoorOperation) -> Unlock | None:
        """The flow's ending; an unlock to send after commit when the flow goes on elsewhere."""
        self._journal.advance(op, OpStatus.CLOSED)
        record = self.record(s, op)
        record.updated_at = self._clock.now()
        moved = self[op.purpose].complete(s, op, record)
        self._maybe_waiting = self._maybe_waiting or record.status == self[op.purpose].waiting
        return moved

    def fail(self, s: Session, op: DoorOperation, reason: str, *, out_of_service: str | None = None,
             relocate: bool = False) -> Unlock | None:
        """End the flow of an operation that did not open its door (its journal status is
        already final); ``out_of_service`` takes the compartment out with that reason."""
        if out_of_service:
            self._compartments.out_of_service(s, op.compartment, out_of_service, op=op.id)
        record = self.record(s, op)
        record.updated_at = self._clock.now()
        return self[op.purpose].fail(s, op, record, reason, relocate=relocate)

    def waiting_on(self, s: Session, comp: Compartment) -> tuple[DoorOperation, Any] | None:
        """The flow waiting with ``comp``'s door closed on the wrong contents, if any."""
        op = self._journal.latest(s, comp)
        if op is None or op.status != OpStatus.CLOSED:
            return None
        record = self.record(s, op)
        return (op, record) if record.status == self[op.purpose].waiting else None

    def item_seen(self, s: Session, comp: Compartment, present: bool) -> bool:
        """Give an item reading to the flow waiting on ``comp``; False when none waits."""
        waiting = self.waiting_on(s, comp)
        if waiting is None:
            return False
        op, record = waiting
        record.updated_at = self._clock.now()
        self[op.purpose].item_seen(s, op, record, present)
        return True

    def expire(self, s: Session, *, window_s: float) -> None:
        """Abandon the flows that have waited longer than ``window_s``."""
        if not self._maybe_waiting:
            return
        now = self._clock.now()
        still_waiting = False
        for flow in self._flows.values():
            waiting = s.execute(select(flow.model).where(flow.model.status == flow.waiting)).scalars().all()
            for record in waiting:
                if record.updated_at > now - timedelta(seconds=window_s):
                    still_waiting = True
                    continue
                record.updated_at = now
                flow.abandon(s, record, "nobody came back")
        self._maybe_waiting = still_waiting

"""Start-up reconciliation of the door-operation journal with what the boards report.

Never pulses a lock on its own. The sensors are the evidence: a door found open, or
(where items are sensed) an item come or gone since the last record, proves that an
operation's unlock went out and opened the door, even one whose pulse was never
recorded (the service stopped between the committed intent and the record), so the
operation is opened and its flow goes on or completes as live. An intent without such
evidence is abandoned, and anything the sensors cannot explain takes the compartment
out of service with an alarm."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import states
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .boards import Boards
from .compartments import Compartments
from .flows import FlowTable
from .journal import Journal, OpStatus
from .left_open import LeftOpenEscalation
from .models import Compartment, DoorOperation
from .ports import BoardReading, Clock

DOOR_OPEN_UNEXPLAINED = "door open without a door operation"


class Reconciler:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, flows: FlowTable,
                 boards: Boards, compartments: Compartments, left_open: LeftOpenEscalation, alarms: Alarms) -> None:
        self._db = db
        self._alarms = alarms
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._flows = flows
        self._boards = boards
        self._compartments = compartments
        self._left_open = left_open

    def reconcile(self, readings: dict[Any, BoardReading | None]) -> dict[str, Any]:
        """Compare every compartment's journal with the sensors; returns a report.

        ``readings`` are keyed by ``(bus, board)``; a plain board number is on the first bus."""
        report: dict[str, Any] = {"checked": 0, "doors_unknown": 0, "abandoned": 0, "completed": 0,
                                  "waiting": 0, "out_of_service": []}
        readings = {self._boards.key(k): v for k, v in readings.items()} if isinstance(readings, dict) else {}
        self._boards.read_at_start(readings)
        with self._db.session() as s:
            self._audit.event(s, "reconcile_started", boards=sorted(str(self._boards.name(k)) for k in readings))
            for comp in s.execute(select(Compartment).where(Compartment.board >= 0)
                                  .order_by(Compartment.label)).scalars().all():
                self._reconcile_one(s, comp, readings.get((comp.bus, comp.board)), report)
                if comp.door == "open":
                    self._left_open.door_opened(comp)
                elif comp.door == "closed" and comp.door_opened_at is not None:
                    self._left_open.door_closed(s, comp)  # it closed while the service was down
            self._audit.event(s, "reconcile_done", **report)
        return report

    def _reconcile_one(self, s: Session, comp: Compartment, reading: BoardReading | None,
                       report: dict[str, Any]) -> None:
        report["checked"] += 1
        lock = reading.locks.get(comp.lock) if reading is not None else None
        comp.updated_at = self._clock.now()
        if lock is None:
            comp.door = "unknown"
            report["doors_unknown"] += 1
            self._settle_pending(s, comp, report)
            return
        item_before = comp.item
        comp.door, comp.item = ("open" if lock.door_open else "closed"), bool(lock.item)
        proof = self._proof_of_opening(comp, item_before)
        op = self._settle_pending(s, comp, report, proof)
        if op is not None:
            self._settle_active(s, comp, op, report, proof)
        elif comp.door == "open" and comp.state != states.OUT_OF_SERVICE:
            self._unexplained(s, comp, DOOR_OPEN_UNEXPLAINED, report)
        elif self._flows.item_seen(s, comp, comp.item):
            report["waiting"] += 1  # a flow waits with the door closed: the reading is its to judge
        elif comp.state == states.RESERVED:
            self._unexplained(s, comp, "reserved without a door operation", report)
        elif self._compartments.unexplained_item(s, comp):
            report["out_of_service"].append(comp.label)

    def _proof_of_opening(self, comp: Compartment, item_before: bool | None) -> str | None:
        """``door`` or ``item`` when the reading proves the door opened since the last record."""
        if comp.door == "open":
            return "door"
        if item_before is not None and self._compartments.senses_items(comp) and comp.item != item_before:
            return "item"
        return None

    def _opened(self, s: Session, comp: Compartment, op: DoorOperation, proof: str) -> None:
        if self._journal.advance(op, OpStatus.OPENED):
            self._flows.opened(s, op)
            self._audit.event(s, "reconcile_opened", compartment=comp.label, op=op.id, purpose=op.purpose,
                              evidence=proof)

    def _settle_pending(self, s: Session, comp: Compartment, report: dict[str, Any],
                        proof: str | None = None) -> DoorOperation | None:
        """Abandon an intent with no evidence that it reached the bus; return the op still in
        flight, if any (a pending one the sensors prove opened is opened now)."""
        op = self._journal.active(s, comp)
        if op is None or op.status != OpStatus.PENDING:
            return op
        if proof is not None:
            self._opened(s, comp, op, proof)
            return op
        self._journal.advance(op, OpStatus.ABANDONED)
        self._audit.event(s, "reconcile_abandoned", compartment=comp.label, op=op.id, purpose=op.purpose)
        self._flows.fail(s, op, "interrupted before the unlock")
        report["abandoned"] += 1
        return None

    def _settle_active(self, s: Session, comp: Compartment, op: DoorOperation, report: dict[str, Any],
                       proof: str | None) -> None:
        if proof is not None and not self._journal.confirmed_open(op):
            self._opened(s, comp, op, proof)
        if comp.door == "open":
            report["waiting"] += 1
            self._audit.event(s, "reconcile_waiting", compartment=comp.label, op=op.id, purpose=op.purpose)
        elif self._journal.confirmed_open(op):
            # The door was open and is closed now: the same as a live close.
            self._audit.event(s, "reconcile_completed", compartment=comp.label, op=op.id, purpose=op.purpose)
            self._flows.complete(s, op)
            report["completed"] += 1
        else:
            self._journal.advance(op, OpStatus.UNKNOWN)
            self._flows.fail(s, op, "unlock outcome unknown after a restart")
            self._unexplained(s, comp, "unlock outcome unknown after a restart", report)

    def _unexplained(self, s: Session, comp: Compartment, reason: str, report: dict[str, Any]) -> None:
        kind = AlarmKind.FORCED_OPEN if reason == DOOR_OPEN_UNEXPLAINED else AlarmKind.JAM
        self._alarms.raise_(s, kind, event="reconcile_unexplained", compartment=comp.label, reason=reason,
                            state=comp.state, door=comp.door)
        self._compartments.out_of_service(s, comp, reason)
        if comp.label not in report["out_of_service"]:
            report["out_of_service"].append(comp.label)

"""The door-operation journal: an intent is written before a lock is pulsed, and the
hardware events advance it to its end.

``pending`` (committed, not yet on the bus) -> ``pulsed`` (the bus took the unlock)
-> ``released`` (a read showed the latch released) -> ``opened`` (the door was seen
open) -> ``closed`` (closed again: the flow completed). ``unconfirmed``: the unlock's
answer was lost, so the door may have opened; the operation stays with its
compartment until evidence arrives either way. An operation that never opened its
door ends ``abandoned`` (never pulsed), ``jammed`` or ``unknown``.

>>> may(OpStatus.PULSED, OpStatus.OPENED), may(OpStatus.OPENED, OpStatus.JAMMED)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .audit import AuditRecorder
from .boards import Boards
from .errors import HardwareUnavailable
from .models import Compartment, DoorOperation
from .ports import Clock


class OpStatus(StrEnum):
    PENDING = "pending"
    PULSED = "pulsed"
    RELEASED = "released"
    OPENED = "opened"
    UNCONFIRMED = "unconfirmed"
    CLOSED = "closed"
    ABANDONED = "abandoned"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


#: status -> the statuses it may move to; the ones absent here are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    OpStatus.PENDING: frozenset({OpStatus.PULSED, OpStatus.RELEASED, OpStatus.OPENED, OpStatus.ABANDONED,
                                 OpStatus.JAMMED, OpStatus.UNCONFIRMED, OpStatus.UNKNOWN}),
    OpStatus.PULSED: frozenset({OpStatus.RELEASED, OpStatus.OPENED, OpStatus.JAMMED, OpStatus.UNCONFIRMED,
                                OpStatus.UNKNOWN}),
    OpStatus.UNCONFIRMED: frozenset({OpStatus.RELEASED, OpStatus.OPENED, OpStatus.UNKNOWN}),
    OpStatus.RELEASED: frozenset({OpStatus.OPENED, OpStatus.CLOSED}),
    OpStatus.OPENED: frozenset({OpStatus.CLOSED}),
}

#: An operation still in flight: its compartment takes no other.
ACTIVE = tuple(TRANSITIONS)


def may(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())


@dataclass(frozen=True)
class Unlock:
    """What the bus needs to pulse one committed operation."""

    op_id: int
    bus: str
    board: int
    lock: int


class Journal:
    def __init__(self, *, audit: AuditRecorder, clock: Clock, boards: Boards | None = None) -> None:
        self._audit = audit
        self._clock = clock
        self._boards = boards

    def open(self, s: Session, comp: Compartment, purpose: str, ref_id: int, *, actor: str,
             dossier: str | None) -> Unlock:
        """Write the intent to unlock ``comp`` for a flow's record; pulse it after commit.

        A compartment whose board is known to be offline is not opened: a pulse into a dead
        board has an unknown outcome and would take the compartment out of service."""
        if self._boards is not None and (comp.bus, comp.board) in self._boards.offline():
            raise HardwareUnavailable()
        now = self._clock.now()
        op = DoorOperation(compartment_id=comp.id, purpose=purpose, ref_id=ref_id, status=OpStatus.PENDING,
                           created_at=now, updated_at=now)
        s.add(op)
        s.flush()
        self._audit.event(s, "unlock_requested", actor=actor, compartment=comp.label, dossier=dossier,
                          op=op.id, purpose=purpose, board=comp.board, lock=comp.lock)
        return Unlock(op.id, comp.bus, comp.board, comp.lock)

    def active(self, s: Session, comp: Compartment) -> DoorOperation | None:
        return s.execute(
            select(DoorOperation).where(DoorOperation.compartment_id == comp.id, DoorOperation.status.in_(ACTIVE))
            .order_by(DoorOperation.id.desc()).limit(1)
        ).scalar_one_or_none()

    def latest(self, s: Session, comp: Compartment) -> DoorOperation | None:
        """The compartment's most recent operation, in any status."""
        return s.execute(select(DoorOperation).where(DoorOperation.compartment_id == comp.id)
                         .order_by(DoorOperation.id.desc()).limit(1)).scalar_one_or_none()

    def advance(self, op: DoorOperation | None, status: str) -> bool:
        """Move ``op`` on when the journal allows it; False (and no change) otherwise."""
        if op is None or not may(op.status, status):
            return False
        op.status, op.updated_at = status, self._clock.now()
        return True

    def in_status(self, s: Session, status: str) -> list[DoorOperation]:
        return list(s.execute(select(DoorOperation).where(DoorOperation.status == status)).scalars())

    def touch(self, op: DoorOperation) -> None:
        """Something new was learnt about ``op`` without changing its status."""
        op.updated_at = self._clock.now()

    @staticmethod
    def confirmed_open(op: DoorOperation) -> bool:
        """The latch was seen released or the door open: closing it again completes the flow."""
        return may(op.status, OpStatus.CLOSED)

    def pulsed(self, s: Session, op_id: int) -> None:
        """The bus took the unlock; an event may already have moved the operation on."""
        s.execute(update(DoorOperation).where(DoorOperation.id == op_id, DoorOperation.status == OpStatus.PENDING)
                  .values(status=OpStatus.PULSED, updated_at=self._clock.now()))

"""Hardware events about compartments, applied in the event thread's transaction:
unlock outcomes, doors, items and boards. Each reaches the flow of the compartment's
door operation through the flow table; nothing here knows what a flow completes."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .boards import Boards
from .flows import FlowTable
from .journal import Journal, OpStatus, Unlock
from .left_open import LeftOpenEscalation
from .models import Compartment
from .ports import BoardAvailability, BoardKey, Clock, DoorChanged, ItemChanged, UnlockOutcome

log = logging.getLogger("locker.service")


class DoorEvents:
    def __init__(self, *, clock: Clock, audit: AuditRecorder, journal: Journal, flows: FlowTable, boards: Boards,
                 left_open: LeftOpenEscalation, alarms: Alarms) -> None:
        self._clock = clock
        self._alarms = alarms
        self._audit = audit
        self._journal = journal
        self._flows = flows
        self._boards = boards
        self._left_open = left_open

    def apply(self, s: Session, event: Any) -> list[Unlock]:
        """Apply one event; returns the unlocks to send once it is committed (a flow that moved)."""
        if isinstance(event, BoardAvailability):
            self._board(s, (event.bus, event.board), event.online)
            return []
        if not isinstance(event, (DoorChanged, ItemChanged, UnlockOutcome)):
            log.warning("ignoring unknown event %r", event)
            return []
        comp = s.execute(select(Compartment).where(
            Compartment.bus == event.bus, Compartment.board == event.board, Compartment.lock == event.lock,
        ).with_for_update()).scalar_one_or_none()
        if comp is None:
            log.info("event for unconfigured bus %s board %s lock %s ignored", event.bus, event.board, event.lock)
            return []
        comp.updated_at = self._clock.now()
        if isinstance(event, ItemChanged):
            comp.item = bool(event.present)
            return []
        if isinstance(event, DoorChanged):
            (self._door_opened if event.open else self._door_closed)(s, comp)
            return []
        return self._outcome(s, comp, event.result)

    def _door_opened(self, s: Session, comp: Compartment) -> None:
        op, before = self._journal.active(s, comp), comp.door
        comp.door = "open"
        self._left_open.door_opened(comp)
        if self._journal.advance(op, OpStatus.OPENED):
            self._flows.opened(s, op)
            self._audit.event(s, "door_opened", compartment=comp.label, op=op.id, purpose=op.purpose)
        elif op is None and before == "closed":
            self._alarms.raise_(s, AlarmKind.FORCED_OPEN, event="forced_open", compartment=comp.label,
                                state=comp.state)
        elif op is None and before == "unknown":
            self._audit.event(s, "door_opened", compartment=comp.label, op=None)

    def _door_closed(self, s: Session, comp: Compartment) -> None:
        op, before = self._journal.active(s, comp), comp.door
        comp.door = "closed"
        self._left_open.door_closed(s, comp)
        if before == "open":
            self._audit.event(s, "door_closed", compartment=comp.label, op=op.id if op else None)
        if op is not None and self._journal.confirmed_open(op):
            self._flows.complete(s, op)

    def _outcome(self, s: Session, comp: Compartment, result: str) -> list[Unlock]:
        op = self._journal.active(s, comp)
        if result == "released":
            comp.door = "open"
            self._journal.advance(op, OpStatus.RELEASED)
            if op is not None:
                self._flows.opened(s, op)
            self._audit.event(s, "unlock_released", compartment=comp.label, op=op.id if op else None)
            return []
        status, kind, reason = ((OpStatus.JAMMED, "lock_jammed", "lock jammed") if result == "jammed" else
                                (OpStatus.UNKNOWN, "unlock_unknown", "unlock outcome unknown"))
        self._alarms.raise_(s, AlarmKind.JAM, event=kind, compartment=comp.label, op=op.id if op else None)
        if not self._journal.advance(op, status):
            return []
        moved = self._flows.fail(s, op, reason, out_of_service=reason, relocate=True)
        return [moved] if moved is not None else []

    def _board(self, s: Session, key: BoardKey, online: bool) -> None:
        before = self._boards.set(key, online)
        if not online:
            for comp in s.execute(select(Compartment).where(Compartment.bus == key[0],
                                                            Compartment.board == key[1])).scalars():
                comp.door = "unknown"
        if before is not online:
            name = self._boards.name(key)
            if online:
                self._audit.event(s, "board_online", board=name)
                self._alarms.clear(s, AlarmKind.BOARD_OFFLINE, event="board_online", board=name)
            else:
                self._alarms.raise_(s, AlarmKind.BOARD_OFFLINE, event="board_offline", board=name)

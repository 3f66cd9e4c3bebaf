"""Hardware events about compartments, applied in the event thread's transaction:
unlock outcomes, doors, items and boards. Each reaches the flow of the compartment's
door operation through the flow table; nothing here knows what a flow completes.

Proof that a door opened: the latch seen released, the door seen open, or an item
coming or going. A lost unlock answer proves nothing: the operation stays
``unconfirmed`` with the compartment that was pulsed until such proof arrives, or
until a good read (its board online, the door seen closed, for a while) shows it did
not open; only then, and only where item sensors vouch that nothing went in or out,
may the flow move to another compartment. Without item sensors nothing more can be
learnt: after the same short wait the flow fails where it is."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .boards import Boards
from .compartments import Compartments
from .flows import FlowTable
from .journal import Journal, OpStatus, Unlock
from .left_open import LeftOpenEscalation
from .models import Compartment, DoorOperation
from .ports import BoardAvailability, BoardKey, Clock, DoorChanged, ItemChanged, UnlockOutcome

log = logging.getLogger("locker.service")

#: How long an unconfirmed unlock waits for proof (after its board's reads resumed).
SETTLE_S = 2.0
#: How long it waits at most for a silent board with item sensors before the flow fails where it is.
GIVE_UP_S = 60.0


class DoorEvents:
    def __init__(self, *, clock: Clock, audit: AuditRecorder, journal: Journal, flows: FlowTable, boards: Boards,
                 compartments: Compartments, left_open: LeftOpenEscalation, alarms: Alarms) -> None:
        self._clock = clock
        self._alarms = alarms
        self._audit = audit
        self._journal = journal
        self._flows = flows
        self._boards = boards
        self._compartments = compartments
        self._left_open = left_open
        self._maybe_unconfirmed = True  # until a look finds none

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
            return self._item(s, comp, bool(event.present))
        if isinstance(event, DoorChanged):
            if event.open:
                self._door_opened(s, comp)
                return []
            return self._door_closed(s, comp)
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

    def _item(self, s: Session, comp: Compartment, present: bool) -> list[Unlock]:
        """An item came or went: proof that the door opened, a late report for a flow
        waiting with its door closed, or an item nobody explains."""
        before, comp.item = comp.item, present
        if before is present:
            return []  # reported afresh (a board back online), not a change
        op = self._journal.active(s, comp)
        if op is not None:
            if self._journal.advance(op, OpStatus.OPENED):
                self._flows.opened(s, op)
                self._audit.event(s, "door_opened", compartment=comp.label, op=op.id, purpose=op.purpose,
                                  evidence="item")
                if comp.door == "closed":  # this very read shows it shut again: opened and closed unseen
                    return _sent(self._flows.complete(s, op))
            return []
        if not self._flows.item_seen(s, comp, present):
            self._compartments.unexplained_item(s, comp)
        return []

    def _door_closed(self, s: Session, comp: Compartment) -> list[Unlock]:
        op, before = self._journal.active(s, comp), comp.door
        comp.door = "closed"
        self._left_open.door_closed(s, comp)
        if before == "open":
            self._audit.event(s, "door_closed", compartment=comp.label, op=op.id if op else None)
        if op is not None and self._journal.confirmed_open(op):
            return _sent(self._flows.complete(s, op))
        if op is not None and op.status == OpStatus.UNCONFIRMED:
            self._journal.touch(op)  # a good read again: the settling starts now
        return []

    def _outcome(self, s: Session, comp: Compartment, result: str) -> list[Unlock]:
        op = self._journal.active(s, comp)
        if result == "released":
            comp.door = "open"
            self._journal.advance(op, OpStatus.RELEASED)
            if op is not None:
                self._flows.opened(s, op)
            self._audit.event(s, "unlock_released", compartment=comp.label, op=op.id if op else None)
            return []
        if result == "jammed":
            self._alarms.raise_(s, AlarmKind.JAM, event="lock_jammed", compartment=comp.label, op=op.id if op else None)
            if not self._journal.advance(op, OpStatus.JAMMED):
                return []
            moved = self._flows.fail(s, op, "lock jammed", out_of_service="lock jammed", relocate=True)
            return [moved] if moved is not None else []
        self._alarms.raise_(s, AlarmKind.JAM, event="unlock_unknown", compartment=comp.label,
                            op=op.id if op else None)
        if self._journal.advance(op, OpStatus.UNCONFIRMED):
            self._maybe_unconfirmed = True
        return []

    def settle_unconfirmed(self, s: Session) -> list[Unlock]:
        """Decide the unconfirmed unlocks whose wait is over; returns the moved flows' unlocks."""
        if not self._maybe_unconfirmed:
            return []
        ops = self._journal.in_status(s, OpStatus.UNCONFIRMED)
        self._maybe_unconfirmed = bool(ops)
        now, unlocks = self._clock.now(), []
        for op in ops:
            comp, waited = op.compartment, (now - op.updated_at).total_seconds()
            if waited < SETTLE_S:
                continue
            read_closed = self._boards.online((comp.bus, comp.board)) and comp.door == "closed"
            if read_closed and self._compartments.senses_items(comp):
                reason = "unlock outcome unknown; the latch stayed engaged and nothing went in or out"
                moved = self._give_up(s, op, reason, relocate=True)
                unlocks += [moved] if moved is not None else []
            elif not self._compartments.senses_items(comp) or waited >= GIVE_UP_S:
                # Nothing more can be learnt (no item sensor), or the board stays silent.
                self._give_up(s, op, "unlock outcome unknown; the door may have opened", relocate=False)
        return unlocks

    def _give_up(self, s: Session, op: DoorOperation, reason: str, *, relocate: bool) -> Unlock | None:
        self._journal.advance(op, OpStatus.UNKNOWN)
        return self._flows.fail(s, op, reason, out_of_service=reason, relocate=relocate)

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


def _sent(moved: Unlock | None) -> list[Unlock]:
    """The unlocks a flow's ending asks for (the next compartment of a check run), if any."""
    return [moved] if moved is not None else []

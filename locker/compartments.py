"""A compartment's state moves, taking it out of service, and what it holds (by its
assignment, and by its item sensor where the bus has them)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import states, validation
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .config import Config
from .errors import NotFound
from .models import Assignment, Compartment, Dropoff, Result
from .ports import Clock

log = logging.getLogger("locker.service")


class Compartments:
    def __init__(self, *, config: Config, audit: AuditRecorder, clock: Clock, alarms: Alarms) -> None:
        self._audit = audit
        self._alarms = alarms
        self._clock = clock
        self._item_sensors = {bus.name: bool(bus.item_sensors) for bus in config.buses}

    def senses_items(self, comp: Compartment) -> bool:
        """Whether the compartment's bus reports item sensors (else door-only rules apply)."""
        return self._item_sensors.get(comp.bus, False)

    def holds_item(self, comp: Compartment) -> bool | None:
        """What the item sensor last said; None on a bus without item sensors."""
        return bool(comp.item) if self.senses_items(comp) else None

    def find(self, s: Session, label: Any, *, lock: bool = False) -> Compartment:
        query = select(Compartment).where(Compartment.label == validation.label(label))
        comp = s.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if comp is None:
            raise NotFound("compartment", label)
        return comp

    def move(self, comp: Compartment, new: str) -> bool:
        """Transition when allowed; an impossible move is logged, never raised from event handling."""
        if comp.state == new:
            return True
        if not states.allowed(comp.state, new):
            log.warning("compartment %s: ignoring %s -> %s", comp.label, comp.state, new)
            return False
        states.transition(comp, new)
        comp.updated_at = self._clock.now()
        return True

    def out_of_service(self, s: Session, comp: Compartment, reason: str, **data: Any) -> None:
        """``actor`` in ``data`` names who did it (the system by default). Not an alarm of its own:
        a person chose it, or the cause (a jam, an unexplained door) raised one."""
        if comp.state != states.OUT_OF_SERVICE and self.move(comp, states.OUT_OF_SERVICE):
            comp.service_note = reason[:200]
            self._audit.event(s, "compartment_out_of_service", compartment=comp.label, reason=reason, **data)

    def unexplained_item(self, s: Session, comp: Compartment) -> bool:
        """A free compartment whose sensor sees an item no record explains is never
        allocated: out of service, with an alarm. True when that was the case."""
        if comp.state != states.FREE or not self.holds_item(comp):
            return False
        self._alarms.raise_(s, AlarmKind.UNEXPECTED_ITEM, event="unexpected_item", compartment=comp.label)
        self.out_of_service(s, comp, "an item no record explains")
        return True

    def held_record(self, s: Session, held: Assignment | None) -> Dropoff | Result | None:
        """The drop-off or result an active assignment puts in its compartment."""
        if held is None:
            return None
        return s.get(Dropoff, held.dropoff_id) if held.dropoff_id else s.get(Result, held.result_id)

    def held_dossier(self, s: Session, held: Assignment | None) -> str | None:
        record = self.held_record(s, held)
        return record.dossier.code if record is not None else None

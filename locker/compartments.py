"""A compartment's state moves, taking it out of service, and what it holds."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import states, validation
from .audit import AuditRecorder
from .errors import NotFound
from .models import Assignment, Compartment, Dropoff, Result
from .ports import Clock

log = logging.getLogger("locker.service")


class Compartments:
    def __init__(self, *, audit: AuditRecorder, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

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

    def held_record(self, s: Session, held: Assignment | None) -> Dropoff | Result | None:
        """The drop-off or result an active assignment puts in its compartment."""
        if held is None:
            return None
        return s.get(Dropoff, held.dropoff_id) if held.dropoff_id else s.get(Result, held.result_id)

    def held_dossier(self, s: Session, held: Assignment | None) -> str | None:
        record = self.held_record(s, held)
        return record.dossier.code if record is not None else None

"""The compartments as configured and as stored: syncing them without losing
history, and listing them with what they hold."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from . import states, views
from .audit import AuditRecorder
from .compartments import Compartments
from .config import Config
from .models import Assignment, Compartment, Dossier, Dropoff, Result
from .ports import Clock

log = logging.getLogger("locker.service")


class Inventory:
    def __init__(self, *, config: Config, db: Any, clock: Clock, audit: AuditRecorder,
                 compartments: Compartments) -> None:
        self._config = config
        self._db = db
        self._clock = clock
        self._audit = audit
        self._compartments = compartments

    def sync(self) -> None:
        """Make the stored compartments match the configuration without losing history."""
        wanted = {c.label: c for c in self._config.compartments}
        with self._db.session() as s:
            stored = {c.label: c for c in s.execute(select(Compartment)).scalars()}
            moving = []
            for label, comp in stored.items():
                cfg = wanted.get(label)
                if cfg is None:
                    self._retire(s, comp)
                elif (comp.bus, comp.board, comp.lock, comp.size) != (cfg.bus, cfg.board, cfg.lock, cfg.size):
                    if comp.state == states.FREE:
                        moving.append((comp, cfg))
                    else:
                        log.warning("compartment %s is %s; its new wiring waits until it is free", label, comp.state)
            for comp, _ in moving:  # free the (board, lock) slots first: two compartments may swap
                comp.board, comp.lock = -1, -comp.id
            s.flush()
            now = self._clock.now()
            for comp, cfg in moving:
                comp.bus, comp.board, comp.lock, comp.size, comp.door, comp.updated_at = \
                    cfg.bus, cfg.board, cfg.lock, cfg.size, "unknown", now
                self._audit.event(s, "compartment_configured", compartment=comp.label, bus=cfg.bus, board=cfg.board,
                                  lock=cfg.lock, size=cfg.size)
            for label, cfg in wanted.items():
                if label not in stored:
                    s.add(Compartment(label=label, size=cfg.size, bus=cfg.bus, board=cfg.board, lock=cfg.lock,
                                      state=states.FREE, door="unknown", item=None, service_note="", updated_at=now))
                    s.flush()
                    self._audit.event(s, "compartment_added", compartment=label, bus=cfg.bus, board=cfg.board,
                                      lock=cfg.lock, size=cfg.size)

    def _retire(self, s: Session, comp: Compartment) -> None:
        if comp.board < 0:
            return
        note = f"not configured (was board {comp.board} lock {comp.lock})"
        comp.board, comp.lock, comp.door = -1, -comp.id, "unknown"
        s.flush()
        if comp.state != states.OUT_OF_SERVICE:
            self._compartments.out_of_service(s, comp, note)
        comp.service_note = note

    def listing(self) -> list[dict[str, Any]]:
        with self._db.read_session() as s:
            held = self._held_codes(s)
            rows = s.execute(select(Compartment).where(Compartment.board >= 0).order_by(Compartment.label)).scalars()
            return [views.compartment_view(c, held.get(c.id)) for c in rows]

    def _held_codes(self, s: Session) -> dict[int, str]:
        out: dict[int, str] = {}
        for model, column in ((Dropoff, Assignment.dropoff_id), (Result, Assignment.result_id)):
            rows = s.execute(
                select(Assignment.compartment_id, Dossier.code).join(model, model.id == column)
                .join(Dossier, Dossier.id == model.dossier_id).where(Assignment.active == true())
            ).all()
            out.update({cid: code for cid, code in rows})
        return out

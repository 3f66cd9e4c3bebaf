"""``LockerService``: the flows of the dossier locker, as one object the API, the CLI
and the hardware coordinator call.

Every flow persists its intent (records, compartment state, door operation, audit
event) in one transaction before the lock bus is asked for a pulse; hardware events
(:meth:`handle_event`) then drive it to its end. The pieces live in ``core``,
``completion``, ``flows_dropoff``, ``flows_pickup``, ``doors`` and ``reconcile``.

>>> from locker.config import config_from_dict
>>> from locker.db import Database
>>> class Bus:
...     def request_unlock(self, board, lock, *, bus="main"): pass
...     def read_boards(self, timeout): return {}
>>> cfg = config_from_dict({"bus": {"url": "loop://"},
...     "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "M"}]}, env={})
>>> db = Database("sqlite://"); db.upgrade()
>>> svc = LockerService(config=cfg, db=db, bus=Bus(), secret=bytes(32))
>>> svc.sync_compartments()
>>> [c["state"] for c in svc.list_compartments()]
['free']
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import audit, states, validation, views
from .config import Config
from .core import log
from .errors import NotFound
from .models import Assignment, AuditEvent, Compartment, Dossier, Dropoff, Result
from .ports import Clock, LockBus, Panel, ScannerControl, SystemClock
from .reconcile import Reconciler

__all__ = ["LockerService"]


class LockerService(Reconciler):
    """The domain service; see docs/architecture.md for the method table."""

    def __init__(self, *, config: Config, db: Any, bus: LockBus, secret: bytes,
                 clock: Clock | None = None, scanner: ScannerControl | None = None,
                 panel: Panel | None = None, shutdown: Callable[[], None] | None = None) -> None:
        super().__init__(config=config, db=db, bus=bus, secret=secret, clock=clock or SystemClock(),
                         scanner=scanner, panel=panel, shutdown=shutdown)

    # ---- inventory ----------------------------------------------------------------------

    def sync_compartments(self) -> None:
        """Make the stored compartments match the configuration without losing history."""
        wanted = {c.label: c for c in self.config.compartments}
        with self.db.session() as s:
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
            now = self._now()
            for comp, cfg in moving:
                comp.bus, comp.board, comp.lock, comp.size, comp.door, comp.updated_at = \
                    cfg.bus, cfg.board, cfg.lock, cfg.size, "unknown", now
                self._audit(s, "compartment_configured", compartment=comp.label, bus=cfg.bus, board=cfg.board,
                            lock=cfg.lock, size=cfg.size)
            for label, cfg in wanted.items():
                if label not in stored:
                    s.add(Compartment(label=label, size=cfg.size, bus=cfg.bus, board=cfg.board, lock=cfg.lock,
                                      state=states.FREE, door="unknown", item=None, service_note="", updated_at=now))
                    s.flush()
                    self._audit(s, "compartment_added", compartment=label, bus=cfg.bus, board=cfg.board,
                                lock=cfg.lock, size=cfg.size)

    def _retire(self, s: Session, comp: Compartment) -> None:
        if comp.board < 0:
            return
        note = f"not configured (was board {comp.board} lock {comp.lock})"
        comp.board, comp.lock, comp.door = -1, -comp.id, "unknown"
        s.flush()
        if comp.state != states.OUT_OF_SERVICE:
            self._out_of_service(s, comp, note)
        comp.service_note = note

    # ---- queries ------------------------------------------------------------------------

    def list_compartments(self) -> list[dict[str, Any]]:
        with self.db.session() as s:
            held = self._held_codes(s)
            rows = s.execute(select(Compartment).where(Compartment.board >= 0).order_by(Compartment.label)).scalars()
            return [views.compartment_view(c, held.get(c.id)) for c in rows]

    def _held_codes(self, s: Session) -> dict[int, str]:
        out: dict[int, str] = {}
        for model, column in ((Dropoff, Assignment.dropoff_id), (Result, Assignment.result_id)):
            rows = s.execute(
                select(Assignment.compartment_id, Dossier.code).join(model, model.id == column)
                .join(Dossier, Dossier.id == model.dossier_id).where(Assignment.active.is_(True))
            ).all()
            out.update({cid: code for cid, code in rows})
        return out

    def get_dossier(self, code: Any) -> dict[str, Any]:
        code = validation.dossier_code(code)
        with self.db.session() as s:
            dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            if dossier is None:
                raise NotFound("dossier", code)
            events = s.execute(select(AuditEvent).where(AuditEvent.dossier_code == code)
                               .order_by(AuditEvent.seq)).scalars()
            return {"code": dossier.code, "status": dossier.status, "history": [audit.as_dict(e) for e in events]}

    def events_after(self, seq: Any = 0, limit: Any = 500) -> list[dict[str, Any]]:
        seq = validation.whole_number("after", seq)
        limit = validation.whole_number("limit", limit, 1, 1000)
        with self.db.session() as s:
            rows = s.execute(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
                             .limit(limit)).scalars()
            return [audit.as_dict(e) for e in rows]

    def health(self) -> dict[str, Any]:
        with self._guard:
            boards = {self._board_name(key): {True: "online", False: "offline", None: "unknown"}[v]
                      for key, v in sorted(self._boards.items())}
        counts = {state: 0 for state in states.STATES}
        database = "ok"
        try:
            with self.db.session() as s:
                s.execute(text("select 1"))
                for state, n in s.execute(select(Compartment.state, func.count()).where(Compartment.board >= 0)
                                          .group_by(Compartment.state)).all():
                    counts[state] = n
        except SQLAlchemyError as exc:
            log.warning("health check: database error: %s", exc)
            database = "error"
        return {"database": database, "boards": boards, "compartments": counts,
                "power": "battery" if self._sensors.on_battery else "mains",
                "tamper": bool(self._sensors.active.get("tamper"))}

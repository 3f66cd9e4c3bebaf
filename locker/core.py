"""What every flow shares: the clock, the audit helpers, allocation, the door-operation
journal, pulsing after commit, and completing or failing a flow by its purpose.

:class:`locker.service.LockerService` is built from this core and the flow mixins.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, states
from .config import Config
from .errors import HardwareUnavailable, NoCompartmentAvailable
from .models import Assignment, Collection, Compartment, DoorOperation, Dropoff, Pickup, Result
from .kiosk import KIOSK_MODE_TTL_S, ScannerGate
from .left_open import LeftOpenEscalation
from .sensors import CabinetSensors
from .ports import BoardKey, Clock, LockBus, Panel, ScannerControl

log = logging.getLogger("locker.service")

SIZE_ORDER = {"S": 0, "M": 1, "L": 2}
ACTIVE_OPS = ("pending", "pulsed", "released", "opened")
FLOW_MODELS: dict[str, type] = {"dropoff": Dropoff, "result_load": Result, "pickup": Pickup,
                                "collection": Collection}


class _Taken(Exception):
    """The candidate compartment changed under us; try the next one."""


class ServiceCore:
    """State and helpers shared by the flows; not used on its own."""

    def __init__(self, *, config: Config, db: Any, bus: LockBus, secret: bytes, clock: Clock,
                 scanner: ScannerControl | None = None, panel: Panel | None = None,
                 shutdown: Callable[[], None] | None = None) -> None:
        self.config = config
        self.db = db
        self.bus = bus
        self.secret = secret
        self.clock = clock
        self._guard = threading.Lock()
        self._main_bus = config.bus.name
        self._boards: dict[BoardKey, bool | None] = {
            (bus.name, board): None for bus in config.buses for board in config.boards_on(bus.name)}
        self._kiosk_modes: dict[str, tuple[str, float]] = {}
        self._last_scans: dict[str, dict[str, Any]] = {}
        self._scanner_gate = ScannerGate(scanner, lapse_after=KIOSK_MODE_TTL_S) if scanner is not None else None
        self._left_open = LeftOpenEscalation(self, panel)
        self._sensors = CabinetSensors(self, panel, shutdown)

    # ---- small helpers ----------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    def _audit(self, s: Session, kind: str, *, actor: str = "system", compartment: str | None = None,
               dossier: str | None = None, **data: Any) -> None:
        audit.record(s, kind, actor=actor, compartment=compartment, dossier_code=dossier, data=data,
                     clock=self.clock)

    def _alarm(self, s: Session, kind: str, *, actor: str = "system", compartment: str | None = None,
               dossier: str | None = None, **data: Any) -> None:
        audit.alarm(s, kind, actor=actor, compartment=compartment, dossier_code=dossier, data=data,
                    clock=self.clock)

    def _move(self, s: Session, comp: Compartment, new: str) -> bool:
        """Transition when allowed; an impossible move is logged, never raised from event handling."""
        if comp.state == new:
            return True
        if not states.allowed(comp.state, new):
            log.warning("compartment %s: ignoring %s -> %s", comp.label, comp.state, new)
            return False
        states.transition(comp, new)
        comp.updated_at = self._now()
        return True

    def _out_of_service(self, s: Session, comp: Compartment, reason: str, **data: Any) -> None:
        if comp.state != states.OUT_OF_SERVICE and self._move(s, comp, states.OUT_OF_SERVICE):
            comp.service_note = reason[:200]
            self._alarm(s, "compartment_out_of_service", compartment=comp.label, reason=reason, **data)

    def _board_key(self, key: Any) -> BoardKey:
        """``(bus, board)``; a plain board number is on the first bus."""
        return key if isinstance(key, tuple) else (self._main_bus, key)

    def _board_name(self, key: BoardKey) -> str | int:
        """How health and audit name a board: its number on the first bus, else ``bus/board``."""
        return key[1] if key[0] == self._main_bus else f"{key[0]}/{key[1]}"

    def _offline_boards(self) -> set[BoardKey]:
        with self._guard:
            return {b for b, online in self._boards.items() if online is False}

    # ---- allocation -------------------------------------------------------------------

    def _allocate(self, s: Session, size: str, *, dropoff_id: int | None = None, result_id: int | None = None,
                  exclude: tuple[int, ...] = ()) -> Compartment:
        """Reserve a free compartment of ``size`` or larger. The unique index on active
        assignments settles races: the loser retries with the next candidate."""
        wanted = [k for k, v in SIZE_ORDER.items() if v >= SIZE_ORDER[size]]
        query = select(Compartment).where(
            Compartment.state == states.FREE, Compartment.door == "closed", Compartment.size.in_(wanted),
            Compartment.board >= 0, Compartment.id.not_in(exclude or (-1,)),
        )
        offline = self._offline_boards()
        candidates = [c for c in s.execute(query).scalars() if (c.bus, c.board) not in offline]
        candidates.sort(key=lambda c: (SIZE_ORDER[c.size], c.label))
        for comp in candidates:
            try:
                with s.begin_nested():
                    s.add(Assignment(compartment_id=comp.id, dropoff_id=dropoff_id, result_id=result_id,
                                     active=True, created_at=self._now()))
                    s.flush()
                    s.refresh(comp)
                    if comp.state != states.FREE or comp.door != "closed":
                        raise _Taken()
            except (IntegrityError, _Taken):
                continue
            self._move(s, comp, states.RESERVED)
            return comp
        raise NoCompartmentAvailable(size)

    def _assignment(self, s: Session, comp: Compartment) -> Assignment | None:
        return s.execute(
            select(Assignment).where(Assignment.compartment_id == comp.id, Assignment.active.is_(True))
        ).scalar_one_or_none()

    def _release_assignment(self, s: Session, comp: Compartment) -> None:
        a = self._assignment(s, comp)
        if a is not None:
            a.active, a.released_at = False, self._now()
            s.flush()

    # ---- the door-operation journal ---------------------------------------------------

    def _new_op(self, s: Session, comp: Compartment, purpose: str, ref_id: int, *, actor: str,
                dossier: str | None) -> DoorOperation:
        now = self._now()
        op = DoorOperation(compartment_id=comp.id, purpose=purpose, ref_id=ref_id, status="pending",
                           created_at=now, updated_at=now)
        s.add(op)
        s.flush()
        self._audit(s, "unlock_requested", actor=actor, compartment=comp.label, dossier=dossier,
                    op=op.id, purpose=purpose, board=comp.board, lock=comp.lock)
        return op

    def _active_op(self, s: Session, comp: Compartment) -> DoorOperation | None:
        return s.execute(
            select(DoorOperation).where(DoorOperation.compartment_id == comp.id,
                                        DoorOperation.status.in_(ACTIVE_OPS))
            .order_by(DoorOperation.id.desc()).limit(1)
        ).scalar_one_or_none()

    def _set_op(self, op: DoorOperation, status: str) -> None:
        op.status, op.updated_at = status, self._now()

    def _record(self, s: Session, op: DoorOperation) -> Any:
        return s.get(FLOW_MODELS[op.purpose], op.ref_id)

    def _pulse(self, op_id: int) -> bool:
        """Ask the bus for the unlock of a committed ``pending`` operation."""
        with self.db.session() as s:
            op = s.get(DoorOperation, op_id)
            bus, board, lock = op.compartment.bus, op.compartment.board, op.compartment.lock
        try:
            self.bus.request_unlock(board, lock, bus=bus)
        except Exception as exc:  # noqa: BLE001 - any adapter failure means no pulse was sent
            log.error("unlock request for board %s lock %s failed: %s", board, lock, exc)
            with self.db.session() as s:
                op = s.get(DoorOperation, op_id)
                if op.status == "pending":
                    self._set_op(op, "abandoned")
                    self._alarm(s, "unlock_failed", compartment=op.compartment.label, op=op.id,
                                error=str(exc)[:200])
                    self._fail(s, op, "unlock request failed", out_of_service=None)
            return False
        with self.db.session() as s:
            s.execute(update(DoorOperation).where(DoorOperation.id == op_id, DoorOperation.status == "pending")
                      .values(status="pulsed", updated_at=self._now()))
        return True

    def _pulse_or_raise(self, op_id: int) -> None:
        if not self._pulse(op_id):
            raise HardwareUnavailable()

    def _pulse_quietly(self, op_ids: list[int]) -> None:
        for op_id in op_ids:
            self._pulse(op_id)

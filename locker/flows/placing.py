"""What the flows that put a dossier's paper into a compartment (drop-off, result loading)
share: their start (a new record, a compartment of its size, the door operation), their
cancellation, and a lock that fails them (another compartment of a fitting size, if any)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy.orm import Session

from .. import dossiers, views
from ..allocator import Allocator
from ..audit import AuditRecorder
from ..errors import OnBattery
from ..journal import Journal, Unlock
from ..models import DoorOperation
from ..ports import Clock
from ..sensors import CabinetSensors
from ..statuses import PENDING_DOSSIER

log = logging.getLogger("locker.service")


class Placing:
    """Given by keyword what differs: the flow's ``purpose``, and ``ref``, how assignments and
    the audit log name its records (``dropoff``, ``result``)."""

    def __init__(self, *, purpose: str, ref: str, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal,
                 allocator: Allocator, sensors: CabinetSensors) -> None:
        self._purpose = purpose
        self._ref = ref
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._sensors = sensors

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The transaction a start writes in; none while the cabinet runs on battery."""
        if self._sensors.on_battery:
            raise OnBattery()
        with self._db.session() as s:
            yield s

    def new(self, s: Session, model: type, code: str, *, pending: str, **fields: Any) -> Any:
        """A new ``model`` record of dossier ``code`` (created ``pending`` when new), flushed."""
        now = self._clock.now()
        dossier = dossiers.touch(s, code, new_status=pending, now=now)
        record = model(dossier_id=dossier.id, created_at=now, updated_at=now, **fields)
        s.add(record)
        s.flush()
        return record

    def open(self, s: Session, record: Any, *, kind: str, actor: str,
             low: bool = False) -> tuple[dict[str, Any], Unlock]:
        """Reserve a compartment of the record's size (``low``: within wheelchair reach), note
        ``kind`` and write the door operation; returns the answer and the unlock to send."""
        comp = self._allocator.allocate(s, record.size, low=low, **{f"{self._ref}_id": record.id})
        record.compartment_id = comp.id
        code = record.dossier.code
        self._audit.event(s, kind, actor=actor, compartment=comp.label, dossier=code, **{self._ref: record.id},
                          size=record.size, **({"low": True} if low else {}))
        unlock = self._journal.open(s, comp, self._purpose, record.id, actor=actor, dossier=code)
        return views.started(record.id, comp), unlock

    def cancel(self, s: Session, record: Any, reason: str, *, status: str, dossier_status: str, kind: str,
               actor: str = "system") -> None:
        """Nothing was put in: the record takes ``status``, its compartment is free again."""
        record.status = status
        self.settle_dossier(record, dossier_status)
        self._allocator.give_back(s, record.compartment)
        self._audit.event(s, kind, actor=actor, compartment=record.compartment.label, dossier=record.dossier.code,
                          **{self._ref: record.id}, reason=reason)

    def fail(self, s: Session, op: DoorOperation, record: Any, reason: str, *, relocate: bool, status: str,
             dossier_status: str, kinds: tuple[str, str]) -> Unlock | None:
        """The door never opened: with ``relocate``, another compartment (``kinds[0]`` noted; its
        unlock returned), else the record takes ``status`` (``kinds[1]`` noted)."""
        moved_kind, failed_kind = kinds
        self._allocator.give_back(s, op.compartment)
        if relocate:
            moved = self._move_elsewhere(s, op, record, kind=moved_kind)
            if moved is not None:
                return moved
        record.status = status
        self.settle_dossier(record, dossier_status)
        self._audit.event(s, failed_kind, compartment=op.compartment.label, dossier=record.dossier.code,
                          reason=reason, record=record.id)
        return None

    def settle_dossier(self, record: Any, status: str) -> None:
        """The record's dossier, while still waiting for it, takes ``status``."""
        if record.dossier.status in PENDING_DOSSIER:
            record.dossier.status, record.dossier.updated_at = status, self._clock.now()

    def _move_elsewhere(self, s: Session, op: DoorOperation, record: Any, *, kind: str) -> Unlock | None:
        """Reserve another compartment for ``record`` and write its door operation; None when none is free."""
        old = op.compartment
        new = self._allocator.relocate(s, record, away_from=old, **{f"{self._ref}_id": record.id})
        if new is None:
            return None
        self._audit.event(s, kind, compartment=new.label, dossier=record.dossier.code, record=record.id,
                          **{"from": old.label, "to": new.label})
        log.info("%s %s moved from %s to %s", op.purpose, record.id, old.label, new.label)
        return self._journal.open(s, new, op.purpose, record.id, actor="system", dossier=record.dossier.code)

"""What the flows that put something into a compartment (drop-off, result loading)
share when a lock fails them: another compartment of a fitting size, if any."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from ..allocator import Allocator
from ..audit import AuditRecorder
from ..journal import Journal, Unlock
from ..models import DoorOperation

log = logging.getLogger("locker.service")


def move_elsewhere(s: Session, op: DoorOperation, record: Any, *, allocator: Allocator, journal: Journal,
                   audit: AuditRecorder, moved_kind: str, **ids: int) -> Unlock | None:
    """Reserve another compartment for ``record`` and write its door operation; None when none is free."""
    old = op.compartment
    new = allocator.relocate(s, record, away_from=old, **ids)
    if new is None:
        return None
    audit.event(s, moved_kind, compartment=new.label, dossier=record.dossier.code, record=record.id,
                **{"from": old.label, "to": new.label})
    log.info("%s %s moved from %s to %s", op.purpose, record.id, old.label, new.label)
    return journal.open(s, new, op.purpose, record.id, actor="system", dossier=record.dossier.code)

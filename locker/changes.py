"""What each committed transaction changed, told after the commit: the audit events it
appended, the alarms it raised or changed, the compartments it touched. The console's
live updates are fed from here, so nothing is announced that was rolled back.

>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> from locker.audit import record
>>> db = Database("sqlite://"); db.upgrade()
>>> told = []
>>> ChangeFeed(db).subscribe(told.append)
>>> with db.session() as s:
...     _ = record(s, "door_opened", actor="system", compartment="A01", clock=SystemClock())
>>> [e["kind"] for e in told[0].audit], told[0].compartments
(['door_opened'], set())
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from .alarms import alarm_view
from .audit import as_dict
from .models import Alarm, AuditEvent, Compartment

log = logging.getLogger(__name__)
_KEY = "locker_changes"


@dataclass
class Changes:
    audit: list[dict[str, Any]] = field(default_factory=list)
    alarms: dict[int, dict[str, Any]] = field(default_factory=dict)
    compartments: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.audit or self.alarms or self.compartments)


class ChangeFeed:
    def __init__(self, db: Any) -> None:
        self._listeners: list[Callable[[Changes], None]] = []
        db.on_session("after_flush", self._collect)
        db.on_session("after_commit", self._deliver)
        db.on_session("after_rollback", self._forget)

    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        """``listener`` is called in the committing thread: it must be quick and never block."""
        self._listeners.append(listener)

    @staticmethod
    def _collect(session: Session, _context: Any) -> None:
        found: Changes = session.info.setdefault(_KEY, Changes())
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, AuditEvent):
                found.audit.append(as_dict(obj))
            elif isinstance(obj, Alarm):
                found.alarms[obj.id] = alarm_view(obj)
            elif isinstance(obj, Compartment):
                found.compartments.add(obj.label)

    def _deliver(self, session: Session) -> None:
        found = session.info.pop(_KEY, None)
        if not found:
            return
        found.audit.sort(key=lambda e: e["seq"])
        for listener in self._listeners:
            try:
                listener(found)
            except Exception:  # noqa: BLE001 - a listener must never undo a committed change
                log.exception("change listener failed")

    @staticmethod
    def _forget(session: Session) -> None:
        session.info.pop(_KEY, None)

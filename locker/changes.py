"""What each committed transaction changed, told after the commit: the audit events it
appended, the alarms it raised or changed, the compartments it touched, and the rows the
pages following a run or a maintenance opening read (:data:`FOLLOWED`). The console's
live updates are fed from here, so nothing is announced that was rolled back.

>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> from locker.audit import record
>>> db = Database("sqlite://"); db.upgrade()
>>> told = []
>>> ChangeFeed(db).subscribe(told.append)
>>> with db.session() as s:
...     _ = record(s, "door_opened", actor="system", compartment="A01", clock=SystemClock())
>>> [e["kind"] for e in told[0].audit], told[0].compartments, told[0].rows
(['door_opened'], set(), set())
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from .alarms import alarm_view
from .audit import as_dict
from .models import Alarm, AuditEvent, Collection, Compartment, Result
from .models_maintenance import MaintenanceCheck, MaintenanceOpening, MaintenanceRun
from .models_runs import CabinetRun, LoadItem, LoadRun, RunItem

log = logging.getLogger(__name__)
_KEY = "locker_changes"

#: Rows whose change a page following a run or an opening must see, as (what, id): the
#: model and the attribute naming that id.
FOLLOWED: dict[type, tuple[tuple[str, str], ...]] = {
    LoadRun: (("load_run", "id"),), LoadItem: (("load_run", "run_id"),),
    CabinetRun: (("cabinet_run", "id"),), RunItem: (("cabinet_run", "run_id"),),
    Result: (("result", "id"),), Collection: (("collection", "id"),),
    MaintenanceRun: (("check_run", "id"),), MaintenanceCheck: (("check_run", "run_id"),),
    MaintenanceOpening: (("opening", "id"), ("check_run", "run_id")),
}


@dataclass
class Changes:
    audit: list[dict[str, Any]] = field(default_factory=list)
    alarms: dict[int, dict[str, Any]] = field(default_factory=dict)
    compartments: set[str] = field(default_factory=set)
    rows: set[tuple[str, int]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.audit or self.alarms or self.compartments or self.rows)

    def ids(self, what: str) -> set[int]:
        """The ids of the changed rows of one kind of :data:`FOLLOWED`."""
        return {row_id for kind, row_id in self.rows if kind == what}


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
            for what, attribute in FOLLOWED.get(type(obj), ()):
                if getattr(obj, attribute) is not None:
                    found.rows.add((what, getattr(obj, attribute)))

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

"""The clerks' work at the cabinet, as one part of the service: announcements, loading
batches, collection and retrieval runs, and result deadlines; and where a scan of the
cabinet's scanner goes while a run holds it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select

from .announcements import Announcements
from .audit import AuditRecorder
from .cabinet_runs import CabinetRuns
from .changes import Changes
from .config import Config
from .notices import CitizenMessages
from .errors import LockerError
from .expiry import Expiry
from .load_runs import LoadRuns
from .models_runs import CabinetRun, LoadItem, LoadRun, RunItem
from .ports import Clock
from .run_support import ScannerHolder
from .statuses import ClerkRunStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClerkRuns:
    """``service.runs``: ``announcements``, ``load`` (batches), ``cabinet`` (collection and
    retrieval runs) and ``expiry`` (deadlines); see each module."""

    db: Any
    announcements: Announcements
    load: LoadRuns
    cabinet: CabinetRuns
    expiry: Expiry
    holder: ScannerHolder

    @classmethod
    def build(cls, *, config: Config, db: Any, clock: Clock, audit: AuditRecorder, messages: CitizenMessages,
              load_result: Callable[..., dict], start_collection: Callable[..., dict],
              holds_item: Callable[[Any], bool | None], scanner_on: Callable[[], None]) -> "ClerkRuns":
        announcements = Announcements(db=db, clock=clock, audit=audit)
        holder = ScannerHolder(read_session=db.read_session)
        return cls(db=db, announcements=announcements,
                   load=LoadRuns(db=db, clock=clock, audit=audit, announcements=announcements,
                                 load_result=load_result, scanner_on=scanner_on, scanner_changed=holder.changed),
                   cabinet=CabinetRuns(db=db, clock=clock, audit=audit, holds_item=holds_item,
                                       start_collection=start_collection, scanner_on=scanner_on,
                                       scanner_changed=holder.changed),
                   expiry=Expiry(config=config, db=db, clock=clock, audit=audit, messages=messages),
                   holder=holder)

    def scanned(self, data: Any) -> bool:
        """Give a scan of the cabinet's scanner to the run it feeds (in the name of the run's clerk,
        who holds the scanner); False when none does."""
        holder = self.holder.current()  # every scan passes here: kept in memory
        if holder is None:
            return False
        kind, run_id, clerk = holder
        part = self.load if kind == "load" else self.cabinet
        try:
            part.scan(run_id, data, actor=clerk)
        except LockerError as exc:  # the run's notice shows it on the clerk's page
            log.info("scan for %s run %s refused: %s", kind, run_id, exc.code)
        return True

    def touched(self, changes: Changes) -> list[dict[str, Any]]:
        """The runs committed ``changes`` concern, as ``{"kind", "id", "status"}``: those changed
        themselves, and the open ones holding a result or a collection that changed (a door of
        theirs moved)."""
        with self.db.read_session() as s:
            load = changes.ids("load_run") | set(s.scalars(
                select(LoadItem.run_id).join(LoadRun).where(LoadItem.result_id.in_(changes.ids("result")),
                                                            LoadRun.status == ClerkRunStatus.OPEN)))
            cabinet = changes.ids("cabinet_run") | set(s.scalars(
                select(RunItem.run_id).join(CabinetRun).where(RunItem.collection_id.in_(changes.ids("collection")),
                                                              CabinetRun.status == ClerkRunStatus.OPEN)))
            found = s.execute(select(LoadRun.id, LoadRun.status).where(LoadRun.id.in_(load))).all()
            rows = [{"kind": "load", "id": run_id, "status": status} for run_id, status in found]
            found = s.execute(select(CabinetRun.id, CabinetRun.kind, CabinetRun.status)
                              .where(CabinetRun.id.in_(cabinet))).all()
            return rows + [{"kind": kind, "id": run_id, "status": status} for run_id, kind, status in found]

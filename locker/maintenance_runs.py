"""The weekly "open all" check: every compartment opened one after another, each with
a checklist (opened ok, latch ok, sensor ok, a note), kept as a run record.

The next compartment opens when the door of the one before closes (while the service
is live: never on its own during the start-up reconciliation) or when the technician
says "next". A compartment another operation is using is skipped, never waited on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import validation
from .audit import AuditRecorder, iso
from .compartments import Compartments
from .errors import Conflict, InvalidInput, LockerError, NotFound
from .flows.maintenance import MaintenanceFlow, opening_view
from .journal import Unlock
from .models import Compartment
from .models_maintenance import MaintenanceCheck, MaintenanceOpening, MaintenanceRun
from .ports import Clock
from .statuses import CheckStatus, RunStatus

WEEKLY_CHECK = "weekly check"
CHECKLIST = ("opened_ok", "latch_ok", "sensor_ok")


def check_view(c: MaintenanceCheck) -> dict[str, Any]:
    return {"compartment": c.compartment.label, "size": c.compartment.size, "position": c.position,
            "status": c.status, "opening": opening_view(c.opening) if c.opening is not None else None,
            **{name: getattr(c, name) for name in CHECKLIST}, "note": c.note, "checked_by": c.checked_by or None,
            "checked_at": iso(c.checked_at) if c.checked_at else None}


class MaintenanceRuns:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, compartments: Compartments,
                 flow: MaintenanceFlow) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._compartments = compartments
        self._flow = flow
        #: False until the start-up reconciliation is done: no door opens on its own before.
        self.live = False
        flow.on_end = self._opening_ended

    def start(self, *, actor: Any) -> tuple[dict[str, Any], Unlock | None]:
        """A new run over every compartment in label order; the first one opens."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            running = s.execute(select(MaintenanceRun.id).where(MaintenanceRun.status == RunStatus.RUNNING)).first()
            if running is not None:
                raise Conflict(f"Lượt kiểm tra số {running[0]} đang chạy; hãy kết thúc nó trước.",
                               f"Check run {running[0]} is still running; finish it first.")
            run = MaintenanceRun(actor=actor, status=RunStatus.RUNNING, created_at=self._clock.now())
            s.add(run)
            s.flush()
            comps = s.execute(select(Compartment).where(Compartment.board >= 0).order_by(Compartment.label)).scalars()
            for position, comp in enumerate(comps, start=1):
                s.add(MaintenanceCheck(run_id=run.id, compartment_id=comp.id, position=position,
                                       status=CheckStatus.WAITING, note="", checked_by=""))
            s.flush()
            self._audit.event(s, "maintenance_run_started", actor=actor, run=run.id)
            unlock = self._open_next(s, run, actor)
            return self._view(s, run), unlock

    def next(self, run_id: Any, *, actor: Any) -> tuple[dict[str, Any], Unlock | None]:
        """Leave the compartment under way (its door may stay open) and open the next one."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = self._running(s, run_id)
            for check in self._checks(s, run, CheckStatus.OPENING):
                check.status = CheckStatus.DONE
            unlock = self._open_next(s, run, actor)
            return self._view(s, run), unlock

    def record_check(self, run_id: Any, label: Any, answers: dict[str, Any], *, actor: Any) -> dict[str, Any]:
        """The technician's checklist for one compartment of a running run."""
        actor = validation.name("actor", actor)
        values = {name: _yes_no(name, answers.get(name)) for name in CHECKLIST}
        note = answers.get("note") or ""
        if not isinstance(note, str) or len(note) > 200 or not note.replace("\n", " ").isprintable():
            raise InvalidInput("note", "Ghi chú tối đa 200 ký tự.", "The note is at most 200 characters.")
        with self._db.session() as s:
            run = self._running(s, run_id)
            comp = self._compartments.find(s, label)
            check = s.execute(select(MaintenanceCheck).where(MaintenanceCheck.run_id == run.id,
                                                             MaintenanceCheck.compartment_id == comp.id)
                              ).scalar_one_or_none()
            if check is None:
                raise NotFound("check", f"{run.id}/{comp.label}")
            for name, value in values.items():
                setattr(check, name, value)
            check.note, check.checked_by, check.checked_at = note.strip(), actor, self._clock.now()
            self._audit.event(s, "maintenance_checked", actor=actor, compartment=comp.label, run=run.id,
                              note=check.note, **values)
            return check_view(check)

    def finish(self, run_id: Any, *, actor: Any) -> dict[str, Any]:
        """End the run; compartments not reached yet are noted as skipped."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = self._running(s, run_id)
            for check in self._checks(s, run, CheckStatus.WAITING):
                check.status = CheckStatus.SKIPPED
            for check in self._checks(s, run, CheckStatus.OPENING):
                check.status = CheckStatus.DONE
            run.status, run.finished_at = RunStatus.FINISHED, self._clock.now()
            self._audit.event(s, "maintenance_run_finished", actor=actor, run=run.id)
            return self._view(s, run)

    def get(self, run_id: Any) -> dict[str, Any]:
        with self._db.session() as s:
            return self._view(s, self._find(s, run_id))

    def latest(self) -> dict[str, Any] | None:
        """The newest run, or None before the first."""
        with self._db.session() as s:
            run = s.execute(select(MaintenanceRun).order_by(MaintenanceRun.id.desc()).limit(1)).scalar_one_or_none()
            return self._view(s, run) if run is not None else None

    # ---- inside a transaction -----------------------------------------------------------

    def _opening_ended(self, s: Session, opening: MaintenanceOpening, *, go_on: bool) -> Unlock | None:
        if opening.run_id is None:
            return None
        check = s.execute(select(MaintenanceCheck).where(MaintenanceCheck.opening_id == opening.id)).scalar_one()
        was_current = check.status == CheckStatus.OPENING
        check.status = CheckStatus.DONE
        run = s.get(MaintenanceRun, opening.run_id)
        if go_on and was_current and self.live and run.status == RunStatus.RUNNING:
            return self._open_next(s, run, opening.actor)
        return None

    def _open_next(self, s: Session, run: MaintenanceRun, actor: str) -> Unlock | None:
        for check in self._checks(s, run, CheckStatus.WAITING):
            comp = self._compartments.find(s, check.compartment.label, lock=True)
            try:
                opening, unlock = self._flow.open(s, comp, WEEKLY_CHECK, actor=actor, run_id=run.id)
            except LockerError:
                check.status = CheckStatus.SKIPPED
                self._audit.event(s, "maintenance_check_skipped", actor=actor, compartment=comp.label, run=run.id)
                continue
            check.status, check.opening_id = CheckStatus.OPENING, opening.id
            return unlock
        return None

    def _checks(self, s: Session, run: MaintenanceRun, status: str) -> list[MaintenanceCheck]:
        return list(s.execute(select(MaintenanceCheck).where(MaintenanceCheck.run_id == run.id,
                                                             MaintenanceCheck.status == status)
                              .order_by(MaintenanceCheck.position)).scalars())

    def _find(self, s: Session, run_id: Any) -> MaintenanceRun:
        run = s.get(MaintenanceRun, validation.whole_number("id", run_id, 1, 2**63 - 1))
        if run is None:
            raise NotFound("run", run_id)
        return run

    def _running(self, s: Session, run_id: Any) -> MaintenanceRun:
        run = self._find(s, run_id)
        if run.status != RunStatus.RUNNING:
            raise Conflict(f"Lượt kiểm tra số {run.id} đã kết thúc.", f"Check run {run.id} is finished.")
        return run

    def _view(self, s: Session, run: MaintenanceRun) -> dict[str, Any]:
        checks = s.execute(select(MaintenanceCheck).where(MaintenanceCheck.run_id == run.id)
                           .order_by(MaintenanceCheck.position)).scalars().all()
        current = next((c.compartment.label for c in checks if c.status == CheckStatus.OPENING), None)
        return {"id": run.id, "actor": run.actor, "status": run.status, "started_at": iso(run.created_at),
                "finished_at": iso(run.finished_at) if run.finished_at else None, "current": current,
                "checks": [check_view(c) for c in checks]}


def _yes_no(name: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidInput(name, f"{name} phải là true, false hoặc null.", f"{name} must be true, false or null.")

"""A clerk's loading batch: each scanned receipt is matched to the result the one-stop
system announced (phone and size from the announcement; typed once when none was
announced), a compartment of the right size opens through the result-loading flow,
and the batch keeps the running list of what was loaded, for its manifest."""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import validation
from .announcements import Announcements, masked_phone
from .audit import AuditRecorder, iso
from .errors import Conflict, LockerError, NotFound
from .models_runs import LoadItem, LoadRun
from .ports import Clock
from .run_support import claim_scanner, notice, notice_view, open_run, receipt_code
from .statuses import AnnouncementStatus, ItemState, ResultStatus, ClerkRunStatus

#: A result's status as its batch shows it; once picked up or expired it was loaded: ``ready``.
_RESULT_STATE = {ResultStatus.OPENING: ItemState.OPENING, ResultStatus.DOOR_OPEN: ItemState.DOOR_OPEN,
                 ResultStatus.CLOSED_EMPTY: ItemState.CLOSED_EMPTY, ResultStatus.CANCELLED: ItemState.CANCELLED,
                 ResultStatus.FAILED: ItemState.FAILED}


def item_state(s: Session, item: LoadItem) -> str:
    return _RESULT_STATE.get(item.result.status, ItemState.READY)


def item_view(s: Session, item: LoadItem) -> dict[str, Any]:
    result = item.result
    return {"n": item.position, "dossier_code": result.dossier.code, "result_id": result.id,
            "compartment": result.compartment.label if result.compartment else None, "size": result.size,
            "phone": masked_phone(result.phone), "announced": item.announced, "state": item_state(s, item),
            "time": iso(item.created_at)}


def run_view(s: Session, run: LoadRun) -> dict[str, Any]:
    return {"id": run.id, "kind": "load", "clerk": run.clerk, "scanner": run.scanner, "status": run.status,
            "started_at": iso(run.started_at), "ended_at": iso(run.ended_at) if run.ended_at else None,
            "pending_code": run.pending_code, "notice": notice_view(run.notice),
            "items": [item_view(s, item) for item in run.items]}


class LoadRuns:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, announcements: Announcements,
                 load_result: Callable[..., dict[str, Any]], scanner_on: Callable[[], None],
                 scanner_changed: Callable[[], None]) -> None:
        self._db = db
        self._scanner_changed = scanner_changed
        self._clock = clock
        self._audit = audit
        self._announcements = announcements
        self._load_result = load_result
        self._scanner_on = scanner_on

    def start(self, *, actor: Any, scanner: bool = False) -> dict[str, Any]:
        """A new batch; with ``scanner`` the cabinet's scanner feeds it."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            if scanner:
                claim_scanner(s)
            now = self._clock.now()
            run = LoadRun(clerk=actor, scanner=bool(scanner), status=ClerkRunStatus.OPEN, notice="", started_at=now)
            s.add(run)
            s.flush()
            self._audit.event(s, "load_run_started", actor=actor, run=run.id, scanner=bool(scanner))
            answer = run_view(s, run)
        if scanner:
            self._scanner_changed()
            self._scanner_on()
        return answer

    def get(self, run_id: Any) -> dict[str, Any]:
        with self._db.session() as s:
            run = s.get(LoadRun, validation.whole_number("id", run_id, 1, 2**63 - 1))
            if run is None:
                raise NotFound("run", run_id)
            return run_view(s, run)

    def listing(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._db.session() as s:
            runs = s.execute(select(LoadRun).order_by(LoadRun.id.desc()).limit(limit)).scalars().all()
            return [run_view(s, run) for run in runs]

    def scan(self, run_id: Any, data: Any, *, actor: Any) -> dict[str, Any]:
        """A receipt scanned: load its announced result, or ask for its phone and size."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = open_run(s, LoadRun, run_id)
            try:
                code = receipt_code(data)
                announced = self._announcements.waiting(s, code)
                if announced is None:
                    self._refuse_loaded(s, code)
            except LockerError as exc:
                run.notice = notice(self._clock.now(), ok=False, error=exc)
                self._audit.event(s, "load_scan_refused", actor=actor, run=run.id, reason=exc.code)
                s.commit()
                raise
            if announced is None:
                run.pending_code = code
                run.notice = notice(self._clock.now(), ok=True, code=code, word="needs_details")
                self._audit.event(s, "load_scan_unannounced", actor=actor, dossier=code, run=run.id)
                return run_view(s, run)
            contact = {"email": announced.email, "language": announced.language}
            phone, size = announced.phone, announced.size
        return self._load(run_id, code, phone, size, actor=actor, announced=True, **contact)

    def details(self, run_id: Any, phone: Any, size: Any, *, actor: Any) -> dict[str, Any]:
        """The phone and size of the scanned dossier nobody announced, typed once."""
        actor = validation.name("actor", actor)
        phone, size = validation.phone(phone), validation.size(size)
        with self._db.session() as s:
            run = open_run(s, LoadRun, run_id)
            if run.pending_code is None:
                raise Conflict("Chưa quét biên nhận nào cần nhập thông tin.", "No scanned receipt is waiting for details.")
            code = run.pending_code
        return self._load(run_id, code, phone, size, actor=actor, announced=False)

    def close(self, run_id: Any, *, actor: Any) -> dict[str, Any]:
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = open_run(s, LoadRun, run_id)
            run.status, run.ended_at, run.pending_code = ClerkRunStatus.CLOSED, self._clock.now(), None
            states = [item_state(s, item) for item in run.items]
            self._audit.event(s, "load_run_closed", actor=actor, run=run.id, loaded=len(states),
                              ready=states.count(ItemState.READY), failed=states.count(ItemState.FAILED))
            answer = run_view(s, run)
        self._scanner_changed()
        return answer

    def _load(self, run_id: Any, code: str, phone: str, size: str, *, actor: str, announced: bool,
              email: str | None = None, language: str | None = None) -> dict:
        try:
            started = self._load_result(code, phone, size, actor=actor, email=email, language=language)
        except LockerError as exc:
            self._note(run_id, ok=False, code=code, error=exc)
            raise
        with self._db.session() as s:
            run = s.get(LoadRun, run_id)
            position = (s.execute(select(func.max(LoadItem.position)).where(LoadItem.run_id == run.id))
                        .scalar_one() or 0) + 1
            s.add(LoadItem(run_id=run.id, position=position, result_id=started["id"], announced=announced,
                           created_at=self._clock.now()))
            self._announcements.loaded(s, code, started["id"])
            run.pending_code = None
            run.notice = notice(self._clock.now(), ok=True, code=code, word="loading")
            s.flush()
            s.expire(run, ["items"])
            return run_view(s, run)

    def _refuse_loaded(self, s: Session, code: str) -> None:
        """The same announced receipt scanned twice opens no second door."""
        row = self._announcements.find(s, code)
        if row is not None and row.status == AnnouncementStatus.LOADED:
            raise Conflict(f"Kết quả của hồ sơ {code} đã được nạp.", f"The result of dossier {code} is already loaded.")

    def _note(self, run_id: Any, **what: Any) -> None:
        with self._db.session() as s:
            run = s.get(LoadRun, run_id)
            run.notice = notice(self._clock.now(), **what)

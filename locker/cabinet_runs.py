"""A clerk's run through the cabinet: the morning collection (every compartment holding
a drop-off) or the retrieval of expired results (back to the counter). The compartments
open one after another through the collection flow: the next when the previous door
closed, or when the clerk asks for it. Each dossier taken out is confirmed by a scan; a
code that is not the one recorded in that compartment, or an empty compartment, is
flagged at once. The run ends with a manifest signed by the clerk."""

from __future__ import annotations

import threading
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import states, validation
from .audit import AuditRecorder, iso
from .errors import Conflict, InvalidInput, LockerError, NotFound
from .models import Assignment, Compartment, Dropoff, Result
from .models_runs import CabinetRun, RunItem
from .ports import Clock
from .run_support import claim_scanner, notice, notice_view, open_run, receipt_code
from .statuses import CollectionStatus, ItemCheck, ItemState, ResultStatus, RunKind, ClerkRunStatus

_COLLECTION_STATE = {CollectionStatus.OPENING: ItemState.OPENING, CollectionStatus.DOOR_OPEN: ItemState.DOOR_OPEN,
                     CollectionStatus.LEFT_INSIDE: ItemState.LEFT_INSIDE, CollectionStatus.COLLECTED: ItemState.TAKEN,
                     CollectionStatus.UNCOLLECTED: ItemState.UNCOLLECTED, CollectionStatus.FAILED: ItemState.FAILED}
#: A compartment whose door is still open, or closed on what it held and waiting to be reopened.
_IN_FLIGHT = (CollectionStatus.OPENING, CollectionStatus.DOOR_OPEN, CollectionStatus.LEFT_INSIDE)


def item_state(s: Session, item: RunItem) -> str:
    if item.skipped:
        return ItemState.SKIPPED
    if item.collection is None:
        return ItemState.WAITING
    return _COLLECTION_STATE[item.collection.status]


def in_flight(item: RunItem) -> bool:
    return item.collection is not None and item.collection.status in _IN_FLIGHT


def item_view(s: Session, item: RunItem) -> dict[str, Any]:
    return {"id": item.id, "n": item.position, "compartment": item.compartment.label,
            "dossier_code": item.expected_code, "state": item_state(s, item), "check": item.check,
            "scanned_code": item.scanned_code, "note": item.note, "time": iso(item.updated_at)}


def _taken_from(opened: list[RunItem]) -> RunItem | None:
    """The compartment a scanned dossier that is none of the expected ones came out of.

    The clerk scans after taking it out, usually once the door is closed and the next compartment
    has already opened: the last emptied compartment not yet checked, else the one open now, else the
    last one opened that is not confirmed (even where the item sensor had read empty).
    """
    unconfirmed = [i for i in reversed(opened) if i.check != ItemCheck.CONFIRMED]
    taken = (i for i in unconfirmed if i.check == ItemCheck.UNCHECKED
             and i.collection.status == CollectionStatus.COLLECTED)
    open_now = (i for i in unconfirmed if in_flight(i))
    return next(taken, None) or next(open_now, None) or next(iter(unconfirmed), None)


def run_view(s: Session, run: CabinetRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "clerk": run.clerk, "scanner": run.scanner, "status": run.status,
            "started_at": iso(run.started_at), "ended_at": iso(run.ended_at) if run.ended_at else None,
            "signed_by": run.signed_by, "notice": notice_view(run.notice),
            "items": [item_view(s, item) for item in run.items]}


def run_kind(value: Any) -> str:
    if value not in tuple(RunKind):
        raise InvalidInput("kind", "Loại lượt phải là collection hoặc retrieval.",
                           "The kind of run must be collection or retrieval.")
    return str(value)


def holdings(s: Session, kind: str) -> list[tuple[Compartment, str]]:
    """(compartment, dossier code) of what a run of ``kind`` takes out, by label."""
    if kind == RunKind.COLLECTION:
        query = (select(Compartment, Dropoff).join(Assignment, Assignment.compartment_id == Compartment.id)
                 .join(Dropoff, Dropoff.id == Assignment.dropoff_id)
                 .where(Compartment.state == states.HOLDING_DROPOFF))
    else:
        query = (select(Compartment, Result).join(Assignment, Assignment.compartment_id == Compartment.id)
                 .join(Result, Result.id == Assignment.result_id)
                 .where(Compartment.state == states.HOLDING_RESULT, Result.status == ResultStatus.EXPIRED))
    rows = s.execute(query.where(Assignment.active.is_(True), Compartment.board >= 0)
                     .order_by(Compartment.label)).all()
    return [(comp, record.dossier.code) for comp, record in rows]


class CabinetRuns:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder,
                 holds_item: Callable[[Compartment], bool | None], start_collection: Callable[..., dict[str, Any]],
                 scanner_on: Callable[[], None], scanner_changed: Callable[[], None]) -> None:
        self._db = db
        self._scanner_changed = scanner_changed
        self._holds_item = holds_item
        self._clock = clock
        self._audit = audit
        self._start_collection = start_collection
        self._scanner_on = scanner_on
        self._opening = threading.Lock()

    def start(self, kind: Any, *, actor: Any, scanner: bool = False) -> dict[str, Any]:
        """A new run over every compartment it concerns; the first one opens."""
        kind, actor = run_kind(kind), validation.name("actor", actor)
        with self._db.session() as s:
            if s.execute(select(CabinetRun.id).where(CabinetRun.status == ClerkRunStatus.OPEN)).first() is not None:
                raise Conflict("Đang có một lượt lấy hồ sơ chưa kết thúc.", "Another collection run is still open.")
            if scanner:
                claim_scanner(s)
            found, now = holdings(s, kind), self._clock.now()
            if not found:
                raise Conflict("Không có ngăn nào cần lấy ra.", "No compartment holds anything for this run.")
            run = CabinetRun(kind=kind, clerk=actor, scanner=bool(scanner), status=ClerkRunStatus.OPEN, notice="",
                             started_at=now)
            s.add(run)
            s.flush()
            for n, (comp, code) in enumerate(found, 1):
                s.add(RunItem(run_id=run.id, position=n, compartment_id=comp.id, expected_code=code, skipped=False,
                              check=ItemCheck.UNCHECKED, note="", updated_at=now))
            self._audit.event(s, "cabinet_run_started", actor=actor, run=run.id, run_kind=kind, compartments=len(found))
            run_id = run.id
        if scanner:
            self._scanner_changed()
            self._scanner_on()
        self._open_next(run_id)
        return self.get(run_id)

    def get(self, run_id: Any) -> dict[str, Any]:
        with self._db.session() as s:
            run = s.get(CabinetRun, validation.whole_number("id", run_id, 1, 2**63 - 1))
            if run is None:
                raise NotFound("run", run_id)
            return run_view(s, run)

    def listing(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._db.session() as s:
            runs = s.execute(select(CabinetRun).order_by(CabinetRun.id.desc()).limit(limit)).scalars().all()
            return [run_view(s, run) for run in runs]

    def advance(self) -> None:
        """Open the next compartment of every open run whose doors are all closed again."""
        with self._db.session() as s:
            runs = s.execute(select(CabinetRun).where(CabinetRun.status == ClerkRunStatus.OPEN)).scalars().all()
            due = [run.id for run in runs if not any(in_flight(item) for item in run.items)
                   and any(item.collection_id is None and not item.skipped for item in run.items)]
        for run_id in due:
            self._open_next(run_id, when_idle=True)

    def next(self, run_id: Any, *, actor: Any) -> dict[str, Any]:
        """The clerk asks for the next compartment without waiting for the open door."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            open_run(s, CabinetRun, run_id)
        if not self._open_next(run_id, actor=actor):
            raise Conflict("Không còn ngăn nào chờ mở.", "No compartment is left to open.")
        return self.get(run_id)

    def scan(self, run_id: Any, data: Any, *, actor: Any) -> dict[str, Any]:
        """A dossier taken out was scanned: it confirms its item, or flags a mismatch at once."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = open_run(s, CabinetRun, run_id)
            try:
                code = receipt_code(data)
            except LockerError as exc:
                run.notice = notice(self._clock.now(), ok=False, error=exc)
                s.commit()
                raise
            return self._checked(s, run, code, actor)

    def mark_missing(self, run_id: Any, item_id: Any, *, actor: Any) -> dict[str, Any]:
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = open_run(s, CabinetRun, run_id)
            item = next((i for i in run.items if i.id == validation.whole_number("item", item_id)), None)
            if item is None:
                raise NotFound("item", item_id)
            if item.collection_id is None or item.check == ItemCheck.CONFIRMED:
                raise Conflict("Chỉ đánh dấu thiếu một ngăn đã mở và chưa xác nhận.",
                               "Only a compartment that was opened and not confirmed can be marked missing.")
            self._flag(s, run, item, ItemCheck.MISSING, actor=actor, note="marked by the clerk")
            return run_view(s, run)

    def close(self, run_id: Any, *, actor: Any) -> dict[str, Any]:
        """End the run: the clerk signs its manifest (name and time)."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            run = open_run(s, CabinetRun, run_id)
            if any(in_flight(item) for item in run.items):
                raise Conflict("Còn ngăn đang mở; hãy đóng cửa trước khi kết thúc.",
                               "A compartment is still open; close its door before ending the run.")
            run.status, run.ended_at, run.signed_by = ClerkRunStatus.CLOSED, self._clock.now(), actor
            checks = [item.check for item in run.items]
            self._audit.event(s, "cabinet_run_signed", actor=actor, run=run.id, run_kind=run.kind,
                              confirmed=checks.count(ItemCheck.CONFIRMED), mismatch=checks.count(ItemCheck.MISMATCH),
                              missing=checks.count(ItemCheck.MISSING))
            answer = run_view(s, run)
        self._scanner_changed()
        return answer

    # ---- inside ------------------------------------------------------------------------

    def _checked(self, s: Session, run: CabinetRun, code: str, actor: str) -> dict[str, Any]:
        opened = [item for item in run.items if item.collection_id is not None and not item.skipped]
        match = next((i for i in opened if i.expected_code.upper() == code and i.check != ItemCheck.CONFIRMED), None)
        now = self._clock.now()
        if match is not None:
            match.check, match.scanned_code, match.updated_at = ItemCheck.CONFIRMED, code, now
            run.notice = notice(now, ok=True, code=code, word="confirmed")
            self._audit.event(s, "run_item_confirmed", actor=actor, compartment=match.compartment.label,
                              dossier=match.expected_code, run=run.id)
            return run_view(s, run)
        current = _taken_from(opened)
        if current is None:
            run.notice = notice(now, ok=False, code=code, word="unexpected")
            self._audit.event(s, "run_scan_unexpected", actor=actor, dossier=code, run=run.id)
            return run_view(s, run)
        current.scanned_code = code
        self._flag(s, run, current, ItemCheck.MISMATCH, actor=actor, note=f"scanned {code}")
        return run_view(s, run)

    def _flag(self, s: Session, run: CabinetRun, item: RunItem, check: str, *, actor: str, note: str) -> None:
        now = self._clock.now()
        item.check, item.note, item.updated_at = check, note, now
        run.notice = notice(now, ok=False, code=item.scanned_code or item.expected_code, word=str(check))
        self._audit.event(s, f"run_item_{check}", actor=actor, compartment=item.compartment.label,
                          dossier=item.expected_code, run=run.id, scanned=item.scanned_code, note=note)

    def _open_next(self, run_id: int, *, actor: str | None = None, when_idle: bool = False) -> bool:
        """Open the run's next waiting compartment (skipping those that cannot start); False when none is left.

        ``when_idle``: only while none of its doors is open; checked again here, under the lock, since
        the run's start (or another event) may have opened one since the caller looked."""
        with self._opening:
            while True:
                with self._db.session() as s:
                    run = s.get(CabinetRun, run_id)
                    item = next((i for i in run.items if i.collection_id is None and not i.skipped), None)
                    if run.status != ClerkRunStatus.OPEN or item is None:
                        return False
                    if when_idle and any(in_flight(i) for i in run.items):
                        return False
                    if self._holds_item(item.compartment) is False:
                        self._flag(s, run, item, ItemCheck.MISSING, actor="system",
                                   note="the item sensor reads empty")
                    item_id, label, clerk = item.id, item.compartment.label, actor or run.clerk
                if self._started(item_id, label, clerk, run_id):
                    return True

    def _started(self, item_id: int, label: str, clerk: str, run_id: int) -> bool:
        try:
            started, error = self._start_collection(label, actor=clerk), None
        except LockerError as exc:
            started, error = None, exc
        with self._db.session() as s:
            item = s.get(RunItem, item_id)
            item.updated_at = self._clock.now()
            if started is not None:
                item.collection_id = started["id"]
                return True
            item.skipped, item.note = True, error.message_en[:200]
            self._audit.event(s, "run_item_skipped", actor=clerk, compartment=label, dossier=item.expected_code,
                              run=run_id, reason=error.code)
            return False

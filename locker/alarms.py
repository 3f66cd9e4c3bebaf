"""The alarms inbox: every alarm of the cabinet is raised here, recorded in the audit log
(its own event word, ``"alarm": true`` and the alarm's kind and id in its data) and kept as
a record a person acknowledges with a note and resolves.

A repeat of an alarm that is still open for the same kind and place (compartment and
board) is folded into it: its count goes up and its last time moves on. An alarm whose
condition the cabinet can see clearing (a board back online, mains back, tamper
cleared, a door closed) is resolved by the system; the others by a person.

>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> from locker.audit import AuditRecorder
>>> db = Database("sqlite://"); db.upgrade()
>>> alarms = Alarms(db=db, audit=AuditRecorder(clock=SystemClock()), clock=SystemClock())
>>> with db.session() as s:
...     first = alarms.raise_(s, AlarmKind.TAMPER, event="tamper")
...     again = alarms.raise_(s, AlarmKind.TAMPER, event="tamper")
>>> first.id == again.id, again.count
(True, 2)
>>> [a["state"] for a in alarms.listing()]
['open']
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import validation
from .alarm_kinds import AlarmKind
from .audit import AuditRecorder, canonical, iso
from .errors import Conflict, InvalidInput, NotFound
from .boards import Boards
from .models import Alarm, Compartment
from .ports import Clock
from .statuses import UNRESOLVED_ALARM, AlarmState

NOTE_MAX = 500
LIST_MAX = 500
SYSTEM = "system"


class Alarms:
    def __init__(self, *, db: Any, audit: AuditRecorder, clock: Clock, boards: Boards | None = None) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock
        self._boards = boards

    # ---- raised and cleared by the cabinet (in the caller's transaction) --------------------

    def raise_(self, s: Session, kind: AlarmKind, *, event: str, compartment: str | None = None,
               board: Any = None, actor: str = SYSTEM, dossier: str | None = None, cabinet_wide: bool = False,
               **details: Any) -> Alarm:
        """Raise (or fold a repeat into) an alarm and write ``event`` to the audit log.

        ``cabinet_wide``: the alarm is about the cabinet (e.g. its printer), not the
        compartment the event names; it is placed and folded without one."""
        kind = AlarmKind(kind)
        place = None if cabinet_wide else compartment
        board = (None if cabinet_wide else self._board_of(s, compartment)) if board is None else str(board)
        now = self._clock.now()
        alarm = s.execute(select(Alarm).where(
            Alarm.kind == kind.value, Alarm.state == AlarmState.OPEN,
            _same(Alarm.compartment, place), _same(Alarm.board, board),
        ).order_by(Alarm.id.desc()).limit(1).with_for_update()).scalar_one_or_none()
        if alarm is None:
            alarm = Alarm(kind=kind.value, compartment=place, board=board, time=now, last_time=now, count=1,
                          state=AlarmState.OPEN.value, note="", details=canonical({"event": event, **details}))
            s.add(alarm)
        else:
            alarm.count, alarm.last_time = alarm.count + 1, now
            alarm.details = canonical({**_details(alarm), "event": event, **details})
        s.flush()
        self._audit.event(s, event, actor=actor, compartment=compartment, dossier=dossier, alarm=True,
                          alarm_kind=kind.value, alarm_id=alarm.id, **({"board": board} if board else {}), **details)
        return alarm

    def clear(self, s: Session, kind: AlarmKind, *, event: str, compartment: str | None = None,
              board: Any = None) -> list[int]:
        """The condition is gone: resolve every unresolved alarm of that kind and place.

        ``board`` alone clears the board's alarms whatever their compartment."""
        query = select(Alarm).where(Alarm.kind == AlarmKind(kind).value, Alarm.state.in_(UNRESOLVED_ALARM))
        if compartment is not None or board is None:
            query = query.where(_same(Alarm.compartment, compartment))
        if board is not None:
            query = query.where(Alarm.board == str(board))
        resolved = []
        for alarm in s.execute(query.with_for_update()).scalars():
            self._resolve(s, alarm, actor=SYSTEM, note="", cleared_by=event)
            resolved.append(alarm.id)
        return resolved

    # ---- people ---------------------------------------------------------------------------

    def listing(self, state: Any = None, *, limit: int = LIST_MAX) -> list[dict[str, Any]]:
        """Newest first, optionally only those in ``state``."""
        query = select(Alarm).order_by(Alarm.last_time.desc(), Alarm.id.desc()).limit(limit)
        if state not in (None, ""):
            query = query.where(Alarm.state == _state(state))
        with self._db.read_session() as s:
            return [alarm_view(a) for a in s.execute(query).scalars()]

    def get(self, alarm_id: Any) -> dict[str, Any]:
        with self._db.read_session() as s:
            return alarm_view(self._find(s, alarm_id))

    def acknowledge(self, alarm_id: Any, *, actor: Any, note: Any) -> dict[str, Any]:
        """A person saw the alarm and says what is being done (the note is required)."""
        actor, note = validation.name("actor", actor), _note(note, required=True)
        with self._db.session() as s:
            alarm = self._find(s, alarm_id, lock=True)
            if alarm.state != AlarmState.OPEN:
                raise _not_open(alarm)
            alarm.state, alarm.acknowledged_by = AlarmState.ACKNOWLEDGED.value, actor
            alarm.acknowledged_at, alarm.note = self._clock.now(), note
            self._audit.event(s, "alarm_acknowledged", actor=actor, compartment=alarm.compartment,
                              alarm_id=alarm.id, alarm_kind=alarm.kind, note=note)
            return alarm_view(alarm)

    def resolve(self, alarm_id: Any, *, actor: Any, note: Any = None) -> dict[str, Any]:
        """A person dealt with the alarm (open or acknowledged)."""
        actor, note = validation.name("actor", actor), _note(note, required=False)
        with self._db.session() as s:
            alarm = self._find(s, alarm_id, lock=True)
            if alarm.state == AlarmState.RESOLVED:
                raise _not_open(alarm)
            self._resolve(s, alarm, actor=actor, note=note, cleared_by=None)
            return alarm_view(alarm)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{state: {kind: n}}`` for the unresolved states, every kind present (0 included)."""
        found = {state.value: dict.fromkeys((k.value for k in AlarmKind), 0) for state in UNRESOLVED_ALARM}
        with self._db.read_session() as s:
            rows = s.execute(select(Alarm.state, Alarm.kind, func.count()).where(Alarm.state.in_(UNRESOLVED_ALARM))
                             .group_by(Alarm.state, Alarm.kind)).all()
        for state, kind, n in rows:
            found[state][kind] = n
        return found

    def open_at(self, s: Session, labels: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The unresolved alarms of these compartments, by label (for the cabinet grid)."""
        found: dict[str, list[dict[str, Any]]] = {}
        rows = s.execute(select(Alarm).where(Alarm.compartment.in_(list(labels)), Alarm.state.in_(UNRESOLVED_ALARM))
                         .order_by(Alarm.id)).scalars()
        for alarm in rows:
            found.setdefault(alarm.compartment or "", []).append(alarm_view(alarm))
        return found

    def _resolve(self, s: Session, alarm: Alarm, *, actor: str, note: str, cleared_by: str | None) -> None:
        alarm.state, alarm.resolved_by, alarm.resolved_at = AlarmState.RESOLVED.value, actor, self._clock.now()
        if note:
            alarm.note = note
        data = {"alarm_id": alarm.id, "alarm_kind": alarm.kind, "note": note}
        if cleared_by:
            data["cleared_by"] = cleared_by
        self._audit.event(s, "alarm_resolved", actor=actor, compartment=alarm.compartment, **data)

    def _board_of(self, s: Session, label: str | None) -> str | None:
        """A compartment's board as health and the audit log name it."""
        if label is None or self._boards is None:
            return None
        row = s.execute(select(Compartment.bus, Compartment.board).where(Compartment.label == label)).first()
        return str(self._boards.name((row.bus, row.board))) if row is not None and row.board >= 0 else None

    def _find(self, s: Session, alarm_id: Any, *, lock: bool = False) -> Alarm:
        alarm_id = validation.whole_number("id", alarm_id, 1, 2**63 - 1)
        alarm = s.get(Alarm, alarm_id, with_for_update=lock)
        if alarm is None:
            raise NotFound("alarm", alarm_id)
        return alarm


def alarm_view(alarm: Alarm) -> dict[str, Any]:
    """The shape of docs/interface.md, plus the fold count, times and details."""
    return {
        "id": alarm.id, "kind": alarm.kind, "compartment": alarm.compartment, "board": _board(alarm.board),
        "time": iso(alarm.time), "state": alarm.state, "acknowledged_by": alarm.acknowledged_by,
        "note": alarm.note or None, "count": alarm.count, "last_time": iso(alarm.last_time),
        "acknowledged_at": iso(alarm.acknowledged_at) if alarm.acknowledged_at else None,
        "resolved_by": alarm.resolved_by, "resolved_at": iso(alarm.resolved_at) if alarm.resolved_at else None,
        "details": _details(alarm),
    }


def _board(board: str | None) -> int | str | None:
    """A board on the first bus by its number, one on another bus as ``bus/board``."""
    return int(board) if board is not None and board.isdigit() else board


def _details(alarm: Alarm) -> dict[str, Any]:
    try:
        value = json.loads(alarm.details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _same(column: Any, value: str | None) -> Any:
    return column.is_(None) if value is None else column == value


def _state(value: Any) -> AlarmState:
    try:
        return AlarmState(value)
    except ValueError:
        words = ", ".join(s.value for s in AlarmState)
        raise InvalidInput("state", f"state phải là một trong: {words}.", f"state must be one of: {words}.") from None


def _note(value: Any, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("note", "Ghi chú phải là chuỗi ký tự.", "The note must be a string.")
    note = value.strip()
    if required and not note:
        raise InvalidInput("note", "Hãy ghi chú việc đã làm hoặc sẽ làm.", "Write a note: what was or will be done.")
    if len(note) > NOTE_MAX or validation.NOTE_FORBIDDEN_RE.search(note):
        raise InvalidInput("note", f"Ghi chú tối đa {NOTE_MAX} ký tự in được.",
                           f"The note is at most {NOTE_MAX} printable characters.")
    return note


def _not_open(alarm: Alarm) -> Conflict:
    if alarm.state == AlarmState.RESOLVED:
        return Conflict(f"Cảnh báo {alarm.id} đã được xử lý xong.", f"Alarm {alarm.id} is already resolved.")
    return Conflict(f"Cảnh báo {alarm.id} đã được {alarm.acknowledged_by} xác nhận.",
                    f"Alarm {alarm.id} was already acknowledged by {alarm.acknowledged_by}.")

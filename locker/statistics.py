"""The reports' statistics, kept in the same transaction as the audit event that makes
them (:func:`locker.audit.record` calls :func:`observe`): counters per office day and
each collected result's wait. They name no dossier and no person, so a purge of personal
data leaves every report as it was; see docs/reports.md.

>>> from datetime import datetime, timezone
>>> office_day(datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc))
datetime.date(2026, 3, 2)
>>> counted("result_removed", {}), counted("door_opened", {}), counted("jam", {"alarm": True, "alarm_kind": "jam"})
(('returned', 'removed'), None, None)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .messages import VN_TIME
from .models import AuditEvent, Credential, Pickup
from .models_alarms import Alarm
from .models_stats import DailyStat, PickupWait

#: Audit kind -> (metric, key). Alarms are counted apart (by their kind, when first raised), and
#: so are ratings (by score and by comment chip).
COUNTED: dict[str, tuple[str, str]] = {
    "dropoff_stored": ("dropoffs", ""),
    "result_ready": ("results_loaded", ""),
    "pickup_collected": ("pickups", ""),
    "result_expired": ("expired", ""),
    "result_returned": ("returned", "counter"),
    "result_removed": ("returned", "removed"),
}
ALARMS = "alarms"
#: A citizen's rating at the kiosk (:mod:`locker.ratings`): one count under RATING_SCORES keyed by
#: its score ("1".."5"), and one under RATING_CHIPS per comment chip chosen.
RATED = "rating_recorded"
RATING_SCORES = "rating_scores"
RATING_CHIPS = "rating_chips"


def office_day(t: datetime) -> date:
    """The office's calendar day (Vietnam time) of an instant."""
    return t.astimezone(VN_TIME).date()


def counted(kind: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """The (metric, key) an audit event adds one to, alarms aside."""
    return COUNTED.get(kind)


def observe(s: Session, event: AuditEvent, data: dict[str, Any]) -> None:
    """Count what ``event`` (just recorded, in ``s``'s transaction) adds to the statistics."""
    day = office_day(event.time)
    metric = counted(event.kind, data)
    # The event itself is written at the transaction's next flush, like the audit log's own.
    with s.no_autoflush:
        if metric is not None:
            add(s, day, *metric)
        if data.get("alarm") is True and _first_raise(s, data.get("alarm_id")):
            add(s, day, ALARMS, str(data.get("alarm_kind") or event.kind)[:40])
        if event.kind == "pickup_collected":
            _pickup_wait(s, event, data, day)
        if event.kind == RATED:
            add(s, day, RATING_SCORES, str(data["score"]))
            for chip in data.get("chips", ()):
                add(s, day, RATING_CHIPS, str(chip)[:40])


def add(s: Session, day: date, metric: str, key: str = "", n: int = 1) -> None:
    """``count += n`` for (day, metric, key), in one statement on either database."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(DailyStat).values(day=day, metric=metric, key=key, count=n)
    s.execute(stmt.on_conflict_do_update(index_elements=["day", "metric", "key"],
                                         set_={"count": DailyStat.count + n}))


def _first_raise(s: Session, alarm_id: Any) -> bool:
    alarm = s.get(Alarm, alarm_id) if isinstance(alarm_id, int) else None
    return alarm is not None and alarm.count == 1


def _pickup_wait(s: Session, event: AuditEvent, data: dict[str, Any], day: date) -> None:
    ready = s.execute(select(AuditEvent.time).where(
        AuditEvent.dossier_code == event.dossier_code, AuditEvent.kind == "result_ready",
        AuditEvent.seq < event.seq).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    if ready is None:
        return
    deadline = _deadline(s, data.get("pickup"))
    on_time = deadline is None or event.time <= deadline
    s.add(PickupWait(day=day, wait_s=max(0, int((event.time - ready).total_seconds())), on_time=on_time))


def _deadline(s: Session, pickup_id: Any) -> datetime | None:
    """The result's deadline where it has one, else the expiry of the credential that opened it."""
    pickup = s.get(Pickup, pickup_id) if isinstance(pickup_id, int) else None
    if pickup is None:
        return None
    deadline = getattr(pickup.result, "deadline", None)
    if deadline is not None:
        return deadline
    cred = s.get(Credential, pickup.credential_id)
    return cred.expires_at if cred is not None else None


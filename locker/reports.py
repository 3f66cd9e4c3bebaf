"""The supervisors' reports, from the anonymous statistics only (:mod:`locker.statistics`):
drop-offs, results loaded, pickups, how long results wait (median and 90th percentile,
nearest rank), pickups before the deadline, expired and returned results, alarms by
kind, satisfaction, and the share of the office's dossiers that went through the
machine. Every figure is an indexed query over a range of office days; see docs/reports.md.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from . import report_periods, validation
from .audit import AuditRecorder
from .models_stats import CounterTotal, DailyStat, PickupWait
from .ports import Clock
from .statistics import ALARMS, RATING_CHIPS, RATING_SCORES

COUNTS = ("dropoffs", "results_loaded", "pickups", "expired", "returned")
#: The most dossiers a counter total may state for one day.
COUNTER_MAX = 1_000_000
#: A rating at least this (on the kiosk's 1-5 faces) is "satisfied".
SATISFIED_FROM = 4


class Reports:
    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit

    def figures(self, start: Any, end: Any, period: Any = None) -> dict[str, Any]:
        """``{"from", "to", "period", "total": {...}, "periods": [{...}], "notes": [...]}``."""
        first, last = report_periods.day_range(start, end)
        period = report_periods.period_name(period)
        with self._db.session() as s:
            counts = _counts(s, first, last)
            totals = _counter_totals(s, first, last)
            on_time = _on_time_by_day(s, first, last)
            spans = report_periods.periods(first, last, period)
            waits = [_waits_of(s, a, b) for a, b in spans]
            rows = [_figures(a, b, counts, totals, sorted(w), on_time) for (a, b), w in zip(spans, waits)]
            # The periods cover the range exactly, so the total's waits are theirs: no second read.
            every = sorted(itertools.chain.from_iterable(waits))
            total = _figures(first, last, counts, totals, every, on_time)
        notes = []
        if total["satisfaction"] is None:
            notes.append("satisfaction: no ratings were given at the kiosk in this range")
        missing = (last - first).days + 1 - len(totals)
        if missing:
            notes.append(f"machine_share: {missing} day(s) without the office's counter total are left out")
        return {"from": first.isoformat(), "to": last.isoformat(), "period": period, "total": total,
                "periods": rows, "notes": notes}

    def set_counter_total(self, day: Any, count: Any, *, actor: str) -> dict[str, Any]:
        """The office's dossiers in all on ``day`` (``YYYY-MM-DD``); a second total for a day replaces the first."""
        on = report_periods.parse_day("date", day)
        count = validation.whole_number("count", count, 0, COUNTER_MAX)
        with self._db.session() as s:
            row = s.get(CounterTotal, on)
            if row is None:
                row = CounterTotal(day=on)
                s.add(row)
            row.count, row.source, row.updated_at = count, actor, self._clock.now()
            self._audit.event(s, "counter_total_set", actor=actor, date=on.isoformat(), count=count)
        return {"date": on.isoformat(), "count": count, "source": actor}

    def counter_totals(self, start: Any, end: Any) -> list[dict[str, Any]]:
        first, last = report_periods.day_range(start, end)
        with self._db.session() as s:
            rows = s.execute(select(CounterTotal).where(CounterTotal.day.between(first, last))
                             .order_by(CounterTotal.day)).scalars()
            return [{"date": r.day.isoformat(), "count": r.count, "source": r.source} for r in rows]


def _counts(s: Session, first: date, last: date) -> dict[tuple[date, str, str], int]:
    rows = s.execute(select(DailyStat.day, DailyStat.metric, DailyStat.key, DailyStat.count)
                     .where(DailyStat.day.between(first, last))).all()
    return {(day, metric, key): n for day, metric, key, n in rows}


def _counter_totals(s: Session, first: date, last: date) -> dict[date, int]:
    rows = s.execute(select(CounterTotal.day, CounterTotal.count).where(CounterTotal.day.between(first, last))).all()
    return dict(rows)


def _figures(first: date, last: date, counts: dict, totals: dict[date, int], waits: list[int],
             on_time: dict[date, int]) -> dict[str, Any]:
    inside = {k: n for k, n in counts.items() if first <= k[0] <= last}
    out: dict[str, Any] = {"start": first.isoformat(), "end": last.isoformat()}
    for metric in COUNTS:
        out[metric] = sum(n for (_, m, _k), n in inside.items() if m == metric)
    alarms: dict[str, int] = {}
    for (_, metric, key), n in inside.items():
        if metric == ALARMS:
            alarms[key] = alarms.get(key, 0) + n
    out["alarms"] = dict(sorted(alarms.items()))
    out.update(_wait_figures(waits, sum(n for day, n in on_time.items() if first <= day <= last)))
    out["satisfaction"] = _satisfaction(inside)
    out.update(_machine_share(first, last, inside, totals))
    return out


def _waits_of(s: Session, first: date, last: date) -> list[int]:
    """The waits of the days first..last, read through the index on (day, wait_s) alone (each day's
    come sorted, so sorting the period's merges sorted runs), by the DB-API cursor: SQLAlchemy's
    per-row processing would triple the time of the some 300,000 rows of a year."""
    table = PickupWait.__table__
    query = select(table.c.wait_s).where(table.c.day.between(first, last))
    connection = s.connection()
    # Literal dates from report_periods (never user text): one statement for every driver's paramstyle.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return [wait for (wait,) in cursor.fetchall()]
    finally:
        cursor.close()


def _on_time_by_day(s: Session, first: date, last: date) -> dict[date, int]:
    rows = s.execute(select(PickupWait.day, func.sum(cast(PickupWait.on_time, Integer)))
                     .where(PickupWait.day.between(first, last)).group_by(PickupWait.day)).all()
    return {day: int(n or 0) for day, n in rows}


def _wait_figures(waits: list[int], on_time: int) -> dict[str, Any]:
    """``waits`` sorted; percentiles by nearest rank."""
    n = len(waits)
    return {"waits": n, "wait_median_s": _rank(waits, 0.5), "wait_p90_s": _rank(waits, 0.9),
            "pickups_on_time": on_time, "on_time_share": round(on_time / n, 4) if n else None}


def _rank(waits: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted ``waits``.

    >>> _rank([10, 20, 30, 40], 0.5), _rank([10, 20, 30, 40], 0.9), _rank([], 0.5)
    (20, 40, None)
    """
    if not waits:
        return None
    return waits[max(0, math.ceil(share * len(waits)) - 1)]


def _machine_share(first: date, last: date, inside: dict, totals: dict[date, int]) -> dict[str, Any]:
    days = [d for d in totals if first <= d <= last]
    office = sum(totals[d] for d in days)
    machine = sum(n for (d, m, _k), n in inside.items() if m in ("dropoffs", "results_loaded") and d in days)
    return {"counter_total": office if days else None, "machine_dossiers": machine if days else None,
            "machine_share": round(machine / office, 4) if office else None}


def _satisfaction(inside: dict[tuple[date, str, str], int]) -> dict[str, Any] | None:
    """The kiosk's ratings (score 1-5 and comment chips), None where there are none."""
    scores = {str(k): 0 for k in range(1, 6)}
    chips: dict[str, int] = {}
    for (_, metric, key), n in inside.items():
        if metric == RATING_SCORES:
            scores[key] = scores.get(key, 0) + n
        elif metric == RATING_CHIPS:
            chips[key] = chips.get(key, 0) + n
    ratings = sum(scores.values())
    if not ratings:
        return None
    satisfied = sum(n for key, n in scores.items() if int(key) >= SATISFIED_FROM)
    return {"ratings": ratings, "satisfied": satisfied, "share": round(satisfied / ratings, 4),
            "average": round(sum(int(key) * n for key, n in scores.items()) / ratings, 2), "scores": scores,
            "chips": dict(sorted(chips.items()))}

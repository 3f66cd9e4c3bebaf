"""The supervisors' reports, from the anonymous statistics only (:mod:`locker.statistics`):
drop-offs, results loaded, pickups, how long results wait (median and 90th percentile,
nearest rank), pickups before the deadline, expired and returned results, alarms by
kind, satisfaction, and the share of the office's dossiers that went through the
machine. Every figure is an indexed query over a range of office days; see docs/reports.md.
"""

from __future__ import annotations

import math
from itertools import chain
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func, inspect, select, text
from sqlalchemy.orm import Session

from . import report_periods, validation
from .audit import AuditRecorder
from .models_stats import CounterTotal, DailyStat, PickupWait
from .ports import Clock
from .statistics import ALARMS

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
            has_ratings = inspect(s.connection()).has_table("ratings")
            spans = list(report_periods.periods(first, last, period))
            waits = _waits(s, first, last, spans)
            rows = [_figures(s, a, b, counts, totals, has_ratings, waits[a, b]) for a, b in spans]
            total = _figures(s, first, last, counts, totals, has_ratings, waits[first, last])
        notes = []
        if not has_ratings:
            notes.append("satisfaction: no ratings are recorded by this cabinet yet")
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


def _figures(s: Session, first: date, last: date, counts: dict, totals: dict[date, int],
             has_ratings: bool, waits: dict[str, Any]) -> dict[str, Any]:
    inside = {k: n for k, n in counts.items() if first <= k[0] <= last}
    out: dict[str, Any] = {"start": first.isoformat(), "end": last.isoformat()}
    for metric in COUNTS:
        out[metric] = sum(n for (_, m, _k), n in inside.items() if m == metric)
    alarms: dict[str, int] = {}
    for (_, metric, key), n in inside.items():
        if metric == ALARMS:
            alarms[key] = alarms.get(key, 0) + n
    out["alarms"] = dict(sorted(alarms.items()))
    out.update(waits)
    out["satisfaction"] = _satisfaction(s, first, last) if has_ratings else None
    out.update(_machine_share(first, last, inside, totals))
    return out


def _waits(s: Session, first: date, last: date, spans: list[tuple[date, date]]) -> dict[tuple[date, date], dict]:
    """The wait figures of each span and of the whole range (the spans cover it). Each span's
    waits are read once from the index on (day, wait_s) and sorted here; the whole range
    merges the spans' sorted runs. One sorted query per percentile and span, as before,
    made a year by month take 3.4 s over a million dossiers."""
    out, runs, on_time = {}, [], 0
    for a, b in spans:
        where = PickupWait.day.between(a, b)
        ordered = s.connection().execute(select(PickupWait.wait_s).where(where)).scalars().all()
        ordered.sort()
        in_time = int(s.execute(select(func.sum(cast(PickupWait.on_time, Integer))).where(where)).scalar() or 0)
        out[a, b] = _wait_figures(ordered, in_time)
        runs.append(ordered)
        on_time += in_time
    everything = list(chain.from_iterable(runs))
    everything.sort()  # sorted runs: close to linear
    out[first, last] = _wait_figures(everything, on_time)
    return out


def _wait_figures(ordered: list[int], on_time: int) -> dict[str, Any]:
    """
    >>> _wait_figures([10, 20, 30, 40], 3)["wait_median_s"], _wait_figures([], 0)["wait_p90_s"]
    (20, None)
    """
    n = len(ordered)
    return {"waits": n, "wait_median_s": _rank(ordered, 0.5), "wait_p90_s": _rank(ordered, 0.9),
            "pickups_on_time": on_time, "on_time_share": round(on_time / n, 4) if n else None}


def _rank(ordered: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None


def _machine_share(first: date, last: date, inside: dict, totals: dict[date, int]) -> dict[str, Any]:
    days = [d for d in totals if first <= d <= last]
    office = sum(totals[d] for d in days)
    machine = sum(n for (d, m, _k), n in inside.items() if m in ("dropoffs", "results_loaded") and d in days)
    return {"counter_total": office if days else None, "machine_dossiers": machine if days else None,
            "machine_share": round(machine / office, 4) if office else None}


def _satisfaction(s: Session, first: date, last: date) -> dict[str, Any] | None:
    """From the kiosk's ratings table (score 1-5, ``created_at``), where that table exists."""
    columns = {c["name"] for c in inspect(s.connection()).get_columns("ratings")}
    if not {"score", "created_at"} <= columns:
        return None
    start, end = report_periods.utc_bounds(first, last)
    n, happy = s.execute(text(
        "SELECT count(*), sum(CASE WHEN score >= :good THEN 1 ELSE 0 END) FROM ratings "
        "WHERE created_at >= :a AND created_at < :b"),
        {"good": SATISFIED_FROM, "a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None)}).one()
    return {"ratings": n, "satisfied": int(happy or 0), "share": round(int(happy or 0) / n, 4) if n else None}

"""``reports``: how long the supervisors' reports take over the statistics of many dossiers.

A SQLite database (file, WAL) gets the anonymous statistics of ``n`` dossiers (default
1,000,000) spread over three years, as the service writes them: per office day the
counters (drop-offs, results loaded, pickups, returned, alarms by kind) and one wait
per collected result. Then each report is asked for through ``locker.reports`` as the
API does; the figure is the median of five runs.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from locker.audit import AuditRecorder
from locker.db import Database
from locker.ports import SystemClock
from locker.reports import Reports

from .table import Table

NAME = "reports"
COLUMNS = ["report", "period", "days", "dossiers", "median ms", "max ms"]
YEARS_DAYS = 3 * 365
FIRST = date(2024, 1, 1)
REPORTS = [("a month", "day", date(2026, 6, 1), date(2026, 6, 30)),
           ("a month", "week", date(2026, 6, 1), date(2026, 6, 30)),
           ("a year", "month", date(2025, 7, 1), date(2026, 6, 30))]


def fill(db: Database, dossiers: int, seed: int = 12) -> None:
    """The statistics of ``dossiers`` dossiers, each dropped off, its result loaded, most collected."""
    rng = random.Random(seed)
    per_day = dossiers / YEARS_DAYS
    stats, waits = [], []
    for offset in range(YEARS_DAYS):
        day = FIRST + timedelta(days=offset)
        n = int(per_day * (offset + 1)) - int(per_day * offset)
        picked = int(n * 0.9)
        stats += [(day, "dropoffs", "", n), (day, "results_loaded", "", n), (day, "pickups", "", picked),
                  (day, "returned", "removed", n - picked), (day, "alarms", "jam", rng.randint(0, 2))]
        waits += [(day, rng.randint(300, 5 * 86400), rng.random() < 0.97) for _ in range(picked)]
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO daily_stats (day, metric, key, count) VALUES (:d, :m, :k, :n)"),
                     [{"d": d, "m": m, "k": k, "n": c} for d, m, k, c in stats])
        for i in range(0, len(waits), 50_000):
            conn.execute(text("INSERT INTO pickup_waits (day, wait_s, on_time) VALUES (:d, :w, :o)"),
                         [{"d": d, "w": w, "o": o} for d, w, o in waits[i:i + 50_000]])


def run(n: int | None = None) -> list[Table]:
    dossiers = n or 1_000_000
    table = Table(f"Reports over the statistics of {dossiers:,} dossiers (SQLite)", COLUMNS)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'reports.db'}")
        try:
            db.upgrade()
            began = time.perf_counter()
            fill(db, dossiers)
            table.notes.append(f"filled in {time.perf_counter() - began:.1f} s")
            clock = SystemClock()
            reports = Reports(db=db, clock=clock, audit=AuditRecorder(clock=clock))
            for name, period, first, last in REPORTS:
                times = []
                for _ in range(5):
                    began = time.perf_counter()
                    reports.figures(first.isoformat(), last.isoformat(), period)
                    times.append(time.perf_counter() - began)
                table.add(name, period, (last - first).days + 1, dossiers, statistics.median(times) * 1000,
                          max(times) * 1000)
        finally:
            db.dispose()
    return [table]

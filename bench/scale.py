"""``scale``: a million dossiers and ten million audit events (issue 12, "Scale"), on
SQLite and on PostgreSQL.

The databases are built once (:mod:`bench.scale_data`, bulk inserts, a valid hash chain)
and kept in ``var/bench/``; a second one of a thousand dossiers is the listing's
baseline. Measured through the domain (this process) and through the commands:

* dossier lookup (:class:`locker.dossier_view.DossierView`, the clerk's ``GET
  /api/v1/dossiers/<code>``) and credential verification (the pickup's code and QR checks,
  :mod:`locker.credentials`), random dossiers; target p99 under 5 ms;
* the compartment listing (160 compartments, 120 holding a result): within 1.5x of its
  time with a thousand dossiers;
* the reports: a month by day (under 1 s) and a year by month;
* start-up: ``locker serve`` with 160 compartments (ten simulated CU16 boards over TCP),
  exec to the first ``/healthz`` 200: under 2 s;
* ``locker audit verify`` over every event (under 60 s) and ``--from-last`` (under 1 s),
  the latter after the start-up appended its events.

Start-ups append a few events to the cached databases (their chain stays valid).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from firmware_sim.simulator import Simulator
from locker import credentials, dossiers
from locker.audit import AuditRecorder, last_verified
from locker.config import config_from_dict
from locker.db import Database
from locker.dossier_view import DossierView
from locker.inventory import Inventory
from locker.ports import SystemClock
from locker.reports import Reports

from . import scale_data
from .rig import BenchError, service_config
from .served import LockerServe, locker_command
from .table import Table, percentile

NAME = "scale"
BASELINE = 1000
SAMPLES = 300
COLUMNS = ["database", "dossiers", "events", "what", "runs", "median ms", "p99 ms", "cpu median ms", "target",
           "met"]
MONTH = ("2026-06-01", "2026-06-30", "day")
YEAR = ("2025-07-01", "2026-06-30", "month")


def run(n: int | None = None, backends: tuple[str, ...] = ("sqlite", "postgresql")) -> list[Table]:
    dossier_count = n or 1_000_000
    table = Table(f"scale: {dossier_count:,} dossiers against {min(BASELINE, dossier_count):,}", COLUMNS)
    with ExitStack() as stack:
        urls = _databases(stack, dossier_count, backends, table)
        for backend, (big, small, facts) in urls.items():
            listing_small = _in_process(table, backend, small, min(BASELINE, dossier_count), facts["small"], None)
            _in_process(table, backend, big, dossier_count, facts["big"], listing_small)
            _commands(table, backend, big, dossier_count, facts["big"],
                      Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="locker-scale-"))))
    table.notes += [
        "cpu = CPU time of the measured process (this one in-process, the command's own otherwise; "
        "PostgreSQL's server work is not in it): what the figure would be without the other load",
        "lookups: random dossiers; credential checks as the pickup makes them (the code's keyed hash against "
        "the dossier's credentials; the QR's signature and stored nonce hash), in a read transaction",
        "listing baseline: the same cabinet with 1,000 dossiers on record; target: at most 1.5x of it",
        "start-up: `locker serve` exec to the first /healthz 200, ten simulated CU16 boards over TCP; "
        "audit verify: the `locker audit verify` command, exec to exit",
    ]
    return [table]


def _databases(stack: ExitStack, n: int, backends: tuple[str, ...], table: Table) -> dict[str, tuple]:
    out = {}
    small_n = min(BASELINE, n)
    if "sqlite" in backends:
        facts = {"big": scale_data.build_sqlite(n), "small": scale_data.build_sqlite(small_n)}
        out["sqlite"] = (scale_data.sqlite_url(n), scale_data.sqlite_url(small_n), facts)
    if "postgresql" in backends:
        from . import pgcache

        try:
            cluster = pgcache.start()
        except (BenchError, OSError) as exc:
            table.notes.append(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
            return out
        stack.callback(cluster.stop)
        big, small = cluster.ensure_database(f"scale_{n}"), cluster.ensure_database(f"scale_{small_n}")
        facts = {"big": scale_data.build_postgres(n, big), "small": scale_data.build_postgres(small_n, small)}
        out["postgresql"] = (big, small, facts)
    return out


def _timed(action: Callable[[int], Any], samples: list[int]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (this process's) of each sample."""
    times, cpu = [], []
    for i in samples:
        began, began_cpu = time.perf_counter(), time.process_time()
        action(i)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return times, cpu


def _add(table: Table, backend: str, n: int, facts: dict, what: str, timed: tuple[list[float], list[float]],
         target: str, met: bool | None) -> None:
    ms, cpu = ([s * 1000 for s in values] for values in timed)
    table.add(backend, n, facts["events"], what, len(ms), statistics.median(ms), percentile(ms, 99),
              statistics.median(cpu), target, "-" if met is None else ("yes" if met else "NO"))


def _in_process(table: Table, backend: str, url: str, n: int, facts: dict, baseline: float | None) -> float:
    """The domain's lookups, listing and reports on one database; returns the listing's median (s)."""
    db = Database(url)
    try:
        db.seal_with(scale_data.SECRET)
        clock = SystemClock()
        audit = AuditRecorder(clock=clock)
        config = config_from_dict({"bus": {"url": "tcp://127.0.0.1:9"}, "compartment": scale_data.compartments()},
                                 env={})
        rng = random.Random(n)
        samples = [rng.randint(1, n) for _ in range(SAMPLES)]
        if baseline is not None:
            view = DossierView(db=db)
            _add(table, backend, n, facts, "dossier lookup", _timed(
                lambda i: view.overview(scale_data.dossier_code(i)), samples), "p99 < 5 ms", None)
            _add(table, backend, n, facts, "pickup code check", _timed(
                lambda i: _code_check(db, i), samples), "p99 < 5 ms", None)
            _add(table, backend, n, facts, "pickup QR check", _timed(lambda i: _qr_check(db, i), samples),
                 "p99 < 5 ms", None)
            for row in table.rows[-3:]:
                row[-1] = "yes" if row[6] < 5 else "NO"
        inventory = Inventory(config=config, db=db, clock=clock, audit=audit, compartments=None)
        listing = _timed(lambda _: _listing(inventory), list(range(50)))
        median = statistics.median(listing[0])
        target = "<= 1.5x of 1,000" if baseline is not None else "baseline"
        _add(table, backend, n, facts, "compartment listing", listing, target,
             None if baseline is None else median <= 1.5 * baseline)
        if baseline is not None:
            table.rows[-1][8] = f"{median / baseline:.2f}x of 1,000"
            reports = Reports(db=db, clock=clock, audit=audit)
            _add(table, backend, n, facts, "report: a month by day", _timed(lambda _: reports.figures(*MONTH),
                                                                           list(range(5))), "< 1 s", None)
            table.rows[-1][-1] = "yes" if table.rows[-1][5] < 1000 else "NO"
            _add(table, backend, n, facts, "report: a year by month", _timed(lambda _: reports.figures(*YEAR),
                                                                            list(range(3))), "-", None)
        return median
    finally:
        db.dispose()


def _listing(inventory: Inventory) -> None:
    rows = inventory.listing()
    if len(rows) != len(scale_data.compartments()):
        raise BenchError(f"the listing has {len(rows)} compartments")


def _code_check(db: Database, i: int) -> None:
    code = scale_data.dossier_code(i)
    with db.read_session() as s:
        dossier = dossiers.find(s, code)
        found = credentials.verify_code(s, dossier.id, code, scale_data.pickup_code(i), secret=scale_data.SECRET)
    if found is None:
        raise BenchError(f"the code of {code} was not recognised")


def _qr_check(db: Database, i: int) -> None:
    token = credentials.parse_qr(scale_data.qr_token(i))
    with db.read_session() as s:
        if credentials.verify_qr(s, token, secret=scale_data.SECRET) is None:
            raise BenchError(f"the QR of dossier {i} was not recognised")


def _commands(table: Table, backend: str, url: str, n: int, facts: dict, workdir: Path) -> None:
    """``locker audit verify`` (whole chain, then from the last mark) and ``locker serve``'s start-up."""
    sim = Simulator(boards=scale_data.BOARDS, spring_delay=0.0)
    try:
        raw = service_config(workdir, bus_url=sim.serve_bus("tcp"), db_url=url, boards=scale_data.BOARDS)
        (workdir / "locker.secret").write_text(scale_data.SECRET.hex() + "\n")
        conf = workdir / "verify.toml"
        conf.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        # Without a remembered mark --from-last checks every event (and leaves the mark): that run is
        # the whole-chain figure, so that a fresh build is read through once, not twice.
        whole = ["--from-last"] if _mark(url) is None else []
        seconds, cpu, out = locker_command("audit", "verify", *whole, "--config", str(conf))
        what = "audit verify, every event" + (" (first --from-last)" if whole else "")
        _add(table, backend, n, facts, what, ([seconds], [cpu]), "< 60 s", seconds < 60)
        table.notes.append(f"{backend}: {out.strip().splitlines()[-1]}")
        if _mark(url) is None:
            locker_command("audit", "verify", "--from-last", "--config", str(conf))
        starts: tuple[list[float], list[float]] = ([], [])
        for _ in range(3 if n >= BASELINE else 1):
            service = LockerServe(raw, workdir)
            starts[0].append(service.started_s)
            starts[1].append(service.started_cpu_s)
            service.stop()
        _add(table, backend, n, facts, "locker serve start-up", starts, "< 2 s", max(starts[0]) < 2)
        seconds, cpu, out = locker_command("audit", "verify", "--from-last", "--config", str(conf))
        _add(table, backend, n, facts, "audit verify --from-last", ([seconds], [cpu]), "< 1 s", seconds < 1)
        table.notes.append(f"{backend} --from-last: {out.strip().splitlines()[-1]}")
    finally:
        sim.close()


def _mark(url: str) -> tuple[int, str] | None:
    db = Database(url)
    try:
        with db.read_session() as s:
            return last_verified(s)
    finally:
        db.dispose()

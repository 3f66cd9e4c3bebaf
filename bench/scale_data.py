"""The scale database: ``n`` dossiers and ten audit events each, built once by bulk
inserts and cached under ``var/bench/`` so that later runs reuse it.

Each dossier went the whole way: dropped off, collected by a clerk, its result
loaded, a pickup code issued and the result picked up, spread over three years. The
last :data:`HOLDING` dossiers still have their result in a compartment (a live
credential, an active assignment), so the compartment listing has something to join.
Every dossier has two (inactive) assignments of its past. Phone numbers are purged
(``""``), as the privacy purge leaves them. The audit events form one hash chain
computed with :func:`locker.audit.event_hash` (the domain's own function), so
``locker audit verify`` checks it like any other log. The reports' statistics are
filled by :func:`bench.reports.fill`.

SQLite: the file ``var/bench/scale-<n>.db``. PostgreSQL: a cluster kept in
``var/bench/pg/`` (see :mod:`bench.pgcache`), one database ``scale_<n>`` in it.
A build that did not finish leaves no ``.done`` mark and is made again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from firmware_sim.layout import demo_compartments
from locker.audit import GENESIS, canonical, event_hash
from locker.credentials import code_hash, qr_hash, qr_mac
from locker.db import Database

from .rig import ROOT

CACHE = ROOT / "var" / "bench"
SECRET = bytes(range(32))
BOARDS = 10
HOLDING = 120
EVENTS_PER_DOSSIER = 10
FIRST = datetime(2023, 7, 1, tzinfo=timezone.utc)
SPAN_S = 3 * 365 * 86400
CHUNK = 20_000
TABLES = ("dossiers", "dropoffs", "results", "credentials", "assignments", "audit_events")


def dossier_code(i: int) -> str:
    return f"H01.2025/{i:07d}"


def pickup_code(i: int) -> str:
    """The 8-digit code issued to dossier ``i`` (deterministic, so the benchmark can type it)."""
    return f"{int.from_bytes(hashlib.sha256(b'code%d' % i).digest()[:4], 'big') % 10**8:08d}"


def qr_nonce(i: int) -> str:
    return hashlib.sha256(b"nonce%d" % i).hexdigest()[:22]


def qr_token(i: int) -> str:
    """The QR token of dossier ``i``'s credential (its id is ``i``)."""
    return f"LK1.{i}.{qr_nonce(i)}.{qr_mac(SECRET, i, qr_nonce(i))}"


def compartments() -> list[dict[str, Any]]:
    return demo_compartments(BOARDS)


# ---- rows -------------------------------------------------------------------------------

def _when(i: int, n: int) -> datetime:
    return FIRST + timedelta(seconds=(i - 1) * SPAN_S // max(n, 1))


def _holding(i: int, n: int) -> bool:
    return i > n - min(HOLDING, n)


def _label(i: int, n: int, labels: list[str]) -> int:
    """The compartment (id, 1-based) dossier ``i``'s result is (or was) in."""
    return (i - 1) % len(labels) + 1 if not _holding(i, n) else (i - (n - min(HOLDING, n)) - 1) + 1


def dossier_rows(n: int, labels: list[str]) -> Iterator[tuple]:
    for i in range(1, n + 1):
        t = _when(i, n)
        status = "result_ready" if _holding(i, n) else "picked_up"
        yield i, dossier_code(i), status, t, t + timedelta(days=3)


def dropoff_rows(n: int, labels: list[str]) -> Iterator[tuple]:
    for i in range(1, n + 1):
        t = _when(i, n)
        yield i, i, (i * 7) % len(labels) + 1, "", "S", "collected", "k1", "vi", None, t, t + timedelta(days=1)


def result_rows(n: int, labels: list[str]) -> Iterator[tuple]:
    for i in range(1, n + 1):
        t = _when(i, n) + timedelta(days=2)
        status = "ready" if _holding(i, n) else "picked_up"
        yield (i, i, _label(i, n, labels), "", "S", status, "benchclerk", "vi", None, t + timedelta(days=30 * 12 * 5),
               None, None, "", t, t + timedelta(hours=5))


def credential_rows(n: int, labels: list[str]) -> Iterator[tuple]:
    for i in range(1, n + 1):
        t = _when(i, n) + timedelta(days=2)
        used = None if _holding(i, n) else t + timedelta(hours=5)
        yield (i, i, i, code_hash(SECRET, dossier_code(i), pickup_code(i)), qr_hash(SECRET, qr_nonce(i)), t,
               t + timedelta(days=365 * 5), used, None, 0)


def assignment_rows(n: int, labels: list[str]) -> Iterator[tuple]:
    for i in range(1, n + 1):
        t = _when(i, n)
        yield 2 * i - 1, (i * 7) % len(labels) + 1, i, None, False, t, t + timedelta(days=1)
        holding = _holding(i, n)
        yield 2 * i, _label(i, n, labels), None, i, holding, t + timedelta(days=2), \
            None if holding else t + timedelta(days=2, hours=5)


def _story(i: int, n: int, labels: list[str]) -> list[tuple[timedelta, str, str, str, dict]]:
    drop, held = labels[(i * 7) % len(labels)], labels[_label(i, n, labels) - 1]
    story = [
        (timedelta(0), "dropoff_started", "kiosk:k1", drop, {"dropoff": i, "size": "S"}),
        (timedelta(seconds=2), "door_opened", "system", drop, {"operation": 4 * i - 3}),
        (timedelta(seconds=40), "door_closed", "system", drop, {"operation": 4 * i - 3}),
        (timedelta(seconds=41), "dropoff_stored", "system", drop, {"dropoff": i}),
        (timedelta(days=1), "dropoff_collected", "benchclerk", drop, {"collection": i}),
        (timedelta(days=2), "result_loading", "benchclerk", held, {"result": i, "size": "S"}),
        (timedelta(days=2, seconds=30), "result_ready", "system", held, {"result": i, "credential": i}),
    ]
    if not _holding(i, n):
        story += [
            (timedelta(days=2, hours=5), "pickup_attempt", "kiosk:k1", held,
             {"ok": True, "reason": "ok", "method": "code"}),
            (timedelta(days=2, hours=5, seconds=1), "pickup_started", "kiosk:k1", held, {"pickup": i, "result": i}),
            (timedelta(days=2, hours=5, seconds=30), "pickup_collected", "system", held, {"pickup": i}),
        ]
    return story


def audit_rows(n: int, labels: list[str], *, done: Callable[[int, str], None]) -> Iterator[tuple]:
    """The chained events, seq from 1; ``done(seq, hash)`` is told the head at the end."""
    prev, seq = GENESIS, 0
    for i in range(1, n + 1):
        code, start = dossier_code(i), _when(i, n)
        for offset, kind, actor, label, data in _story(i, n, labels):
            seq += 1
            t = start + offset
            digest = event_hash(prev, seq, t, kind, actor, label, code, data)
            yield seq, t, kind, actor, label, code, canonical(data), prev, digest
            prev = digest
    done(seq, prev)


AUDIT_COLUMNS = "seq, time, kind, actor, compartment, dossier_code, data, prev_hash, hash"
COLUMNS = {
    "dossiers": ("id, code, status, created_at, updated_at", dossier_rows),
    "dropoffs": ("id, dossier_id, compartment_id, phone, size, status, kiosk, language, email, created_at, "
                 "updated_at", dropoff_rows),
    "results": ("id, dossier_id, compartment_id, phone, size, status, loaded_by, language, email, deadline, "
                "reminded_at, extended_at, extension_reason, created_at, updated_at", result_rows),
    "credentials": ("id, result_id, dossier_id, code_hash, qr_hash, created_at, expires_at, used_at, revoked_at, "
                    "failures", credential_rows),
    "assignments": ("id, compartment_id, dropoff_id, result_id, active, created_at, released_at", assignment_rows),
}


def compartment_rows(n: int, labels: list[str]) -> list[tuple]:
    now = FIRST
    rows = []
    for cid, c in enumerate(compartments(), 1):
        state = "holding_result" if cid <= min(HOLDING, n) else "free"
        rows.append((cid, c["label"], c["size"], "main", c["board"], c["lock"], state, "closed",
                     state != "free", "", now, None, 0))
    return rows


COMPARTMENT_COLUMNS = ("id, label, size, bus, board, lock, state, door, item, service_note, updated_at, "
                       "door_opened_at, left_open_stage")


# ---- the cache --------------------------------------------------------------------------

def mark_path(backend: str, n: int) -> Path:
    return CACHE / f"scale-{backend}-{n}.done"


def built(backend: str, n: int) -> dict | None:
    path = mark_path(backend, n)
    return json.loads(path.read_text()) if path.exists() else None


def sqlite_url(n: int) -> str:
    return f"sqlite:///{CACHE / f'scale-{n}.db'}"


def build_sqlite(n: int, log: Callable[[str], None] = print) -> dict:
    """The cached SQLite database of ``n`` dossiers (built now if missing): its facts."""
    facts = built("sqlite", n)
    if facts is not None:
        return facts
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"scale-{n}.db"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    began = time.perf_counter()
    _migrate(sqlite_url(n))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-200000")
        indexes = [(name, sql) for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            f"({','.join('?' * len(TABLES))})", TABLES)]
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        labels = [c["label"] for c in compartments()]
        _sqlite_insert(conn, "compartments", COMPARTMENT_COLUMNS, compartment_rows(n, labels))
        for table, (columns, rows) in COLUMNS.items():
            _sqlite_insert(conn, table, columns, (_sqlite_row(r) for r in rows(n, labels)))
            log(f"  sqlite: {table} written ({time.perf_counter() - began:.0f} s)")
        head: dict[str, Any] = {}
        _sqlite_insert(conn, "audit_events", AUDIT_COLUMNS,
                       (_sqlite_row(r) for r in audit_rows(n, labels, done=lambda s, h: head.update(seq=s, hash=h))))
        log(f"  sqlite: audit_events written ({time.perf_counter() - began:.0f} s)")
        conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (head["seq"], head["hash"]))
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        log(f"  sqlite: indexes built ({time.perf_counter() - began:.0f} s)")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    _fill_statistics(sqlite_url(n), n)
    return _mark("sqlite", n, head, time.perf_counter() - began, path.stat().st_size)


def _sqlite_row(row: tuple) -> tuple:
    return tuple(v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                 for v in row)


def _sqlite_insert(conn: sqlite3.Connection, table: str, columns: str, rows: Iterable[tuple]) -> None:
    marks = ", ".join("?" * len(columns.split(",")))
    conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def build_postgres(n: int, url: str, log: Callable[[str], None] = print) -> dict:
    """The scale database in the cached cluster at ``url`` (built now if missing): its facts."""
    import psycopg

    facts = built("postgresql", n)
    if facts is not None:
        return facts
    began = time.perf_counter()
    _migrate(url)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)", (list(TABLES),)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        labels = [c["label"] for c in compartments()]
        source = _sqlite_source(n)
        _copy(conn, "compartments", COMPARTMENT_COLUMNS, compartment_rows(n, labels))
        for table, (columns, rows) in COLUMNS.items():
            _copy(conn, table, columns, source(table, columns) if source else (_pg_row(r) for r in rows(n, labels)))
            log(f"  postgresql: {table} written ({time.perf_counter() - began:.0f} s)")
        head: dict[str, Any] = {}
        events = audit_rows(n, labels, done=lambda s, h: head.update(seq=s, hash=h))
        if source:  # the chain already computed for SQLite: the same rows, not hashed again
            events = source("audit_events", AUDIT_COLUMNS, key="seq")
            head.update(seq=built("sqlite", n)["events"], hash=built("sqlite", n)["head"])
        _copy(conn, "audit_events", AUDIT_COLUMNS, (_pg_row(r) for r in events))
        log(f"  postgresql: audit_events written ({time.perf_counter() - began:.0f} s)")
        conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (head["seq"], head["hash"]))
        for table in ("compartments",) + TABLES[:-1]:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
        conn.execute("SELECT setval(pg_get_serial_sequence('audit_events', 'seq'), %s)", (head["seq"],))
        for _, sql in indexes:
            conn.execute(sql)
        conn.commit()
        log(f"  postgresql: indexes built ({time.perf_counter() - began:.0f} s)")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    _fill_statistics(url, n)
    return _mark("postgresql", n, head, time.perf_counter() - began, 0)


def _sqlite_source(n: int) -> Callable[..., Iterator[tuple]] | None:
    """Rows read back from the cached SQLite build (cheaper than making and hashing them again)."""
    if built("sqlite", n) is None:
        return None

    def rows(table: str, columns: str, key: str = "id") -> Iterator[tuple]:
        conn = sqlite3.connect(CACHE / f"scale-{n}.db")
        try:
            yield from conn.execute(f"SELECT {columns} FROM {table} WHERE {key} <= ? ORDER BY {key}",
                                    (built("sqlite", n)["events"] if table == "audit_events" else 2 * n,))
        finally:
            conn.close()
    return rows


def _pg_row(row: tuple) -> tuple:
    return tuple(v.astimezone(timezone.utc).replace(tzinfo=None) if isinstance(v, datetime) else v for v in row)


def _copy(conn: Any, table: str, columns: str, rows: Iterable[tuple]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _migrate(url: str) -> None:
    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()


def _fill_statistics(url: str, n: int) -> None:
    from .reports import fill

    db = Database(url)
    try:
        fill(db, n)
    finally:
        db.dispose()


def _mark(backend: str, n: int, head: dict, seconds: float, size: int) -> dict:
    facts = {"dossiers": n, "events": head["seq"], "head": head["hash"], "build_s": round(seconds, 1),
             "bytes": size, "built": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    mark_path(backend, n).write_text(json.dumps(facts))
    return facts



def build(n: int, backends: Iterable[str], log: Callable[[str], None] = print) -> dict[str, dict]:
    """Build (or find cached) the scale database on each backend; PostgreSQL's cluster is stopped after."""
    facts = {}
    for backend in backends:
        if backend == "sqlite":
            facts[backend] = build_sqlite(n, log)
            continue
        from . import pgcache

        cluster = pgcache.start()
        try:
            facts[backend] = build_postgres(n, cluster.ensure_database(f"scale_{n}"), log)
        finally:
            cluster.stop()
    return facts


if __name__ == "__main__":  # python -m bench.scale_data N [sqlite] [postgresql]: build ahead of `bench scale`
    import sys

    print(build(int(sys.argv[1]), sys.argv[2:] or ["sqlite", "postgresql"]))

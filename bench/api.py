"""``api``: drop-off requests (``POST /api/v1/dropoffs``) per second and their latency,
through the Flask test client (runtime in this process) and through waitress on
loopback (a separate service process), on SQLite and, when a throwaway cluster can
be started, on PostgreSQL.

Each request validates, allocates a compartment, commits the intent and an audit
record, and queues the pulse; the production bus driver then pulses the simulated
cabinet in the background. The cabinet has just enough boards (16 compartments each,
at most 16 boards) that no compartment is reused during a run.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

from firmware_sim.simulator import Simulator
from locker.config import config_from_dict

from .rig import (Cabinet, HttpApi, InProcessApi, ServiceProcess, prepare_database, service_config,
                  start_runtime)
from .table import Table, summary_ms

NAME = "api"
MAX_BOARDS = 16
POLL_MS = 1000
CLIENTS = 4
COLUMNS = ["database", "server", "clients", "requests", "requests/s", "p50 ms", "p95 ms", "max ms"]


def run(n: int | None = None) -> list[Table]:
    requests = min(n or 60, MAX_BOARDS * 16)
    boards = -(-requests // 16)
    table = Table(f"api: {requests} drop-off requests per row", COLUMNS)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="locker-bench-")))
        databases = {"sqlite": lambda name: f"sqlite:///{tmp / name / 'locker.db'}"}
        cluster, why = _postgres()
        if cluster is not None:
            stack.callback(cluster.stop)
            databases["postgresql"] = lambda name: cluster.create_database()
        else:
            table.notes.append(f"PostgreSQL skipped: {why}")
        for database, make_url in databases.items():
            for server, clients in (("flask test client", 1), ("waitress", 1), ("waitress", CLIENTS)):
                name = f"{database}-{server.split()[0]}-{clients}"
                (tmp / name).mkdir()
                with _cabinet(tmp / name, make_url(name), server, boards) as cabinet:
                    table.add(database, server, clients, requests, *_measure(cabinet, requests, clients))
    table.notes += [
        f"simulated cabinet: {boards} Kerong boards over locksim:// (test client) or TCP (waitress), "
        f"polled every {POLL_MS} ms; pulses go without the 0.2 s production gap, so door events "
        "(released, opened) are written while the requests run",
        "requests/s = requests / wall time of the requests; waitress runs 8 threads in its own process",
    ]
    return [table]


def _postgres():  # type: ignore[no-untyped-def]
    try:
        from tests.support.postgres import PostgresUnavailable, start_cluster
    except ImportError as exc:
        return None, f"tests.support.postgres is not importable ({exc})"
    try:
        return start_cluster(), None
    except PostgresUnavailable as exc:
        return None, str(exc).splitlines()[0]


@contextmanager
def _cabinet(workdir: Path, db_url: str, server: str, boards: int) -> Iterator[Cabinet]:
    sim = Simulator(boards=boards, spring_delay=0.0)
    try:
        in_process = server != "waitress"
        raw = service_config(workdir, bus_url=sim.serve_bus("inprocess" if in_process else "tcp"), db_url=db_url,
                             boards=boards, poll_interval_ms=POLL_MS)
        raw["kiosk"] = {"dropoffs_per_minute": 600}  # one client stands for a whole office: the highest limit
        token = prepare_database(raw["database"]["url"])
        if in_process:
            runtime = start_runtime(config_from_dict(raw, env={}), simulator=sim, pulse_gap=0.0)
            try:
                yield Cabinet(InProcessApi(runtime, token), sim, raw["compartment"])
            finally:
                runtime.stop()
        else:
            service = ServiceProcess(raw, workdir, pulse_gap=0.0)
            try:
                yield Cabinet(HttpApi(service.base, token), sim, raw["compartment"])
            finally:
                service.stop()
    finally:
        sim.close()


def _measure(cabinet: Cabinet, requests: int, clients: int) -> list[float]:
    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(count: int) -> list[float]:
        api = cabinet.api.fork()
        return [cabinet.dropoff(api)[2] for _ in range(count)]

    began = time.perf_counter()
    if clients == 1:
        latencies = client(requests)
    else:
        with ThreadPoolExecutor(clients) as pool:
            latencies = [s for part in pool.map(client, shares) for s in part]
    elapsed = time.perf_counter() - began
    return [len(latencies) / elapsed, *summary_ms(latencies)]

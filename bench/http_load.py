"""``http``: requests per second and p99 of ``locker serve`` over real sockets, at 1, 4
and 16 concurrent clients, for three requests: the compartment listing (a clerk's token),
``/healthz`` and a pickup verification (the SMS link ``GET /q/<token>``: the QR's
signature and its credential checked against the database, the page rendered).

The service is ``locker serve`` (its production configuration: waitress, the pulse gap,
polling every 150 ms) with 160 compartments (ten CU16 boards simulated in this process
over TCP) on a copy of the thousand-dossier scale database (:mod:`bench.scale_data`).
The clients are ``wrk`` (keep-alive connections, its own process and threads) when it is
installed, otherwise processes of this module's own client.
"""

from __future__ import annotations

import multiprocessing
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from firmware_sim.simulator import Simulator

from . import scale_data
from .rig import BenchError, prepare_database, service_config
from .served import LockerServe
from .table import Table, percentile

NAME = "http"
CLIENTS = (1, 4, 16)
COLUMNS = ["request", "clients", "client", "requests", "requests/s", "p50 ms", "p99 ms", "x of 1 client",
           "service cpu ms/req"]
DOSSIERS = 1000


def run(n: int | None = None) -> list[Table]:
    seconds = n or 5
    table = Table(f"http: locker serve, {seconds} s per row, 160 compartments, SQLite", COLUMNS)
    scale_data.build_sqlite(DOSSIERS, log=lambda _: None)
    with tempfile.TemporaryDirectory(prefix="locker-http-") as tmp:
        workdir = Path(tmp)
        shutil.copy(scale_data.CACHE / f"scale-{DOSSIERS}.db", workdir / "locker.db")
        (workdir / "locker.secret").write_text(scale_data.SECRET.hex() + "\n")
        sim = Simulator(boards=scale_data.BOARDS, spring_delay=0.0)
        try:
            raw = service_config(workdir, bus_url=sim.serve_bus("tcp"), boards=scale_data.BOARDS)
            token = prepare_database(raw["database"]["url"])
            service = LockerServe(raw, workdir)
            try:
                requests_ = {
                    "compartment listing": ("/api/v1/compartments", {"Authorization": f"Bearer {token}"}),
                    "/healthz": ("/healthz", {}),
                    "pickup verification": (f"/q/{scale_data.qr_token(DOSSIERS)}", {"Accept": "text/html"}),
                }
                for what, (path, headers) in requests_.items():
                    _check(service.base + path, headers)
                    single = None
                    for clients in CLIENTS:
                        cpu = service.cpu_s()
                        client, done, rate, p50, p99 = _load(service.base + path, headers, clients, seconds)
                        cpu_ms = (service.cpu_s() - cpu) * 1000 / max(done, 1)
                        single = single or rate
                        table.add(what, clients, client, done, rate, p50, p99, rate / single, cpu_ms)
            finally:
                service.stop()
        finally:
            sim.close()
    table.notes += [
        "requests/s over the whole row; p50/p99 per request as the client sees it (wrk --latency)",
        "target (read-only requests): 16 clients at least 3x the requests/s of 1, on 2 cores",
        "service cpu ms/req: the service process's CPU time (all its threads, the bus polling included) "
        "over the row, per request; one process's Python runs one thread at a time (the GIL), so "
        "about 1000 / that figure is its ceiling in requests/s, whatever the number of clients",
    ]
    return [table]


def _check(url: str, headers: dict) -> None:
    answer = requests.get(url, headers=headers, timeout=30)
    if answer.status_code != 200:
        raise BenchError(f"GET {url} answered {answer.status_code}: {answer.text[:200]}")


def _load(url: str, headers: dict, clients: int, seconds: int) -> tuple[str, int, float, float, float]:
    if shutil.which("wrk"):
        return ("wrk", *_wrk(url, headers, clients, seconds))
    return ("python", *_python_clients(url, headers, clients, seconds))


def _wrk(url: str, headers: dict, clients: int, seconds: int) -> tuple[int, float, float, float]:
    args = ["wrk", "-t", str(min(clients, 4)), "-c", str(clients), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    done = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50, p99 = (re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)\b", out) for q in (50, 99))
    if not (done and rate and p50 and p99) or "Non-2xx" in out or "Socket errors" in out:
        raise BenchError(f"wrk did not run cleanly:\n{out}")
    return int(done.group(1)), float(rate.group(1)), _ms(p50), _ms(p99)


def _ms(found: re.Match) -> float:
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def _python_clients(url: str, headers: dict, clients: int, seconds: int) -> tuple[int, float, float, float]:
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        began = time.perf_counter()
        parts = pool.starmap(_client, [(url, headers, seconds)] * clients)
        elapsed = time.perf_counter() - began
    latencies = [s * 1000 for part in parts for s in part]
    return len(latencies), len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99)


def _client(url: str, headers: dict, seconds: float) -> list[float]:
    """One keep-alive client in its own process, as fast as it can for ``seconds``."""
    latencies = []
    with requests.Session() as http:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            began = time.perf_counter()
            if http.get(url, headers=headers, timeout=30).status_code != 200:
                raise BenchError(f"GET {url} did not answer 200")
            latencies.append(time.perf_counter() - began)
    return latencies

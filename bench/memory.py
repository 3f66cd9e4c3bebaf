"""``memory``: resident memory of a service process with 160 compartments over a day's
traffic in compressed time: flat within 5% after warm-up (issue 12, "Memory").

The service is a separate process (``python -m bench.serve``: the production
runtime and waitress, as ``locker serve``, without the pulse gap) on SQLite with ten
Kerong CU16 boards (160 compartments) simulated in this process over TCP, so the
figures hold the service only. Each cycle is a drop-off through the API, its door
closed until it is stored, then a clerk's collection through the API, its door
closed until it is collected; 160 compartments go round at a time. The default, 640
cycles (1,280 requests, 1,280 pulses, 2,560 door events), is more than a district
office's day of dossiers; the bus polls every board every 150 ms meanwhile. Warm-up is
the first round of 160; the growth is from there to the end.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from firmware_sim.simulator import Simulator

from .rig import Cabinet, HttpApi, ServiceProcess, prepare_database, service_config
from .table import Table

NAME = "memory"
BOARDS = 10
DEFAULT_CYCLES = 640
FLAT = 0.05
COLUMNS = ["stage", "drop-offs", "collections", "RSS MiB", "peak RSS MiB", "threads"]
IDLE_SECONDS = 2.0


def run(n: int | None = None) -> list[Table]:
    cycles = n or DEFAULT_CYCLES
    table = Table(f"memory: a service process (160 compartments), idle and over {cycles} drop-offs and "
                  "collections", COLUMNS)
    with tempfile.TemporaryDirectory(prefix="locker-bench-") as tmp:
        sim = Simulator(boards=BOARDS, spring_delay=0.0)
        try:
            raw = service_config(Path(tmp), bus_url=sim.serve_bus("tcp"), boards=BOARDS)
            raw["kiosk"] = {"dropoffs_per_minute": 600}  # the flood limit's highest setting: one test client
            token = prepare_database(raw["database"]["url"])
            service = ServiceProcess(raw, Path(tmp), pulse_gap=0.0)
            try:
                time.sleep(IDLE_SECONDS)  # the bus polls meanwhile: idle, but not asleep
                _row(table, "idle after start", 0, service)
                cabinet = Cabinet(HttpApi(service.base, token), sim, raw["compartment"])
                checkpoints = sorted({max(1, cycles * k // 8) for k in range(1, 9)})
                done = 0
                began = time.perf_counter()
                for checkpoint in checkpoints:
                    while done < checkpoint:
                        batch = min(cabinet.capacity, checkpoint - done)
                        cabinet.cycle_round(batch)
                        done += batch
                    _row(table, f"after {done} cycles", done, service)
                elapsed = time.perf_counter() - began
            finally:
                service.stop()
        finally:
            sim.close()
    table.notes.append(_flatness(table, cabinet.capacity))
    table.notes += [
        f"{cycles} cycles in {elapsed:.1f} s ({cycles / elapsed:.1f} cycles/s); a cycle is 2 API requests, "
        "2 pulses and 4 door events",
        "RSS and peak (VmHWM) from /proc/PID/status of the service process; SQLite database on disk",
        "pulses go without the 0.2 s production gap (simulated solenoids draw no current)",
    ]
    return [table]


def _row(table: Table, stage: str, cycles: int, service: ServiceProcess) -> None:
    memory = service.memory()
    table.add(stage, cycles, cycles, memory["rss_mib"], memory["peak_mib"], memory["threads"])


def _flatness(table: Table, warm_up: int) -> str:
    """Growth of RSS from the first checkpoint after one full round (warm-up) to the last one."""
    rows = [(done, rss) for done, rss in zip(table.column("drop-offs"), table.column("RSS MiB")) if done >= warm_up]
    if len(rows) < 2:
        return f"flatness: too few cycles to judge (warm-up is {warm_up} cycles)"
    (first, start), (last, end) = rows[0], rows[-1]
    growth = (end - start) / start
    verdict = "met" if growth <= FLAT else "MISSED"
    return (f"flatness: RSS {start:.1f} MiB after {first} cycles -> {end:.1f} MiB after {last}: {growth:+.1%} "
            f"(target within {FLAT:.0%}: {verdict})")

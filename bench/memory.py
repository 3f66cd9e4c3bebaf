"""``memory``: resident memory of a service process, idle and after many drop-offs
and collections.

The service is a separate process (``python -m bench.serve``: the production
runtime and waitress, as ``locker serve``) on SQLite with the demo cabinet (two
Kerong boards, 32 compartments) simulated in this process over TCP, so the figures
hold the service only. Each cycle is a drop-off through the API, its door closed
until it is stored, then a clerk's collection through the API, its door closed
until it is collected; 32 compartments go round at a time.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from firmware_sim.simulator import Simulator

from .rig import Cabinet, HttpApi, ServiceProcess, prepare_database, service_config
from .table import Table

NAME = "memory"
BOARDS = 2
COLUMNS = ["stage", "drop-offs", "collections", "RSS MiB", "peak RSS MiB", "threads"]
IDLE_SECONDS = 2.0


def run(n: int | None = None) -> list[Table]:
    cycles = n or 200
    table = Table(f"memory: a service process, idle and after {cycles} drop-offs and collections", COLUMNS)
    with tempfile.TemporaryDirectory(prefix="locker-bench-") as tmp:
        sim = Simulator(boards=BOARDS, spring_delay=0.0)
        try:
            raw = service_config(Path(tmp), bus_url=sim.serve_bus("tcp"), boards=BOARDS)
            token = prepare_database(raw["database"]["url"])
            service = ServiceProcess(raw, Path(tmp), pulse_gap=0.0)
            try:
                time.sleep(IDLE_SECONDS)  # the bus polls meanwhile: idle, but not asleep
                _row(table, "idle after start", 0, service)
                cabinet = Cabinet(HttpApi(service.base, token), sim, raw["compartment"])
                checkpoints = sorted({max(1, cycles // 4), max(1, cycles // 2), cycles})
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

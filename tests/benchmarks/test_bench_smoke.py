"""Each benchmark runs with a tiny N and prints a table of sane figures.

No timing thresholds here: speed and memory are reported by ``python -m bench``.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench import BENCHMARKS, api, bus, doors, gpio, memory, recovery, reports, unlock, wire
from bench.table import Table

ROOT = Path(__file__).resolve().parents[2]


def assert_sane(table: Table, columns: list[str], rows: int) -> None:
    assert table.columns == columns
    assert len(table.rows) == rows, table.render()
    for row in table.rows:
        for name, value in zip(columns, row):
            if isinstance(value, str):
                assert value, name
                continue
            assert math.isfinite(value) and value >= 0, (name, value)
            if any(unit in name for unit in (" ms", "/s", "MiB", "threads")):
                assert value > 0, (name, value)
    rendered = table.render()
    assert rendered.splitlines()[0] == table.title
    assert all(name in rendered.splitlines()[1] for name in columns)


def test_bus_benchmark():
    measured, limits = bus.run(5)
    assert_sane(measured, bus.COLUMNS, 2)
    assert measured.column("transport") == ["inprocess", "tcp"]
    assert measured.column("reads") == [5, 5]
    assert any("does not throttle" in note for note in measured.notes)
    assert_sane(limits, bus.LINE_COLUMNS, 3)
    row = dict(zip(limits.column("baud"), limits.column("line ms/read")))
    assert row[19200] == pytest.approx(14 * 10 / 19200 * 1000)


def test_unlock_benchmark():
    [table] = unlock.run(2)
    assert_sane(table, unlock.COLUMNS, 2)
    assert table.column("path") == ["service", "REST"]


def test_wire_benchmark():
    [table] = wire.run(1)
    assert table.columns == wire.COLUMNS and len(table.rows) == 4, table.render()
    assert all(math.isfinite(value) for row in table.rows for value in row if not isinstance(value, str))
    assert all(total > 0 for total in table.column("total p50 ms") + table.column("commit p50 ms"))
    assert all(busy >= 0 for busy in table.column("line busy p99 ms"))
    assert table.column("path") == ["scan", "REST"] * 2 and table.column("pickups") == [1] * 4
    assert table.column("line") == ["paced 19200", "paced 19200", "unpaced", "unpaced"]
    # the unlock frame's own wire time, from the frame log: 5 characters of 10 bits at 19200 baud when paced
    assert table.column("unlock wire ms")[0] == pytest.approx(5 * 10 / 19200 * 1000, abs=0.01)
    assert set(table.column("target met")) <= {"met", "missed"}


def test_doors_benchmark():
    records, parts = doors.run(1)
    assert_sane(records, doors.COLUMNS, 2)
    assert records.column("line use") == ["quiet", "busy"] and records.column("closes") == [1, 1]
    assert records.column("line round ms")[0] == pytest.approx(10 * (14 * 10 / 19200 + 0.004) * 1000)
    assert parts.column("part") == list(doors.PART_FLOORS)
    assert all(value >= 0 for value in parts.column("p50 ms"))


def test_reports_benchmark():
    [table] = reports.run(3000)
    assert_sane(table, reports.COLUMNS, 3)
    assert table.column("dossiers") == [3000] * 3 and table.column("days") == [30, 30, 365]


def test_api_benchmark():
    [table] = api.run(3)
    postgres = 0 if any("PostgreSQL skipped" in note for note in table.notes) else 3
    assert_sane(table, api.COLUMNS, 3 + postgres)
    assert set(table.column("requests")) == {3}
    assert table.column("clients")[:3] == [1, 1, api.CLIENTS]


def test_memory_benchmark():
    [table] = memory.run(2)
    assert_sane(table, memory.COLUMNS, 3)
    assert table.column("drop-offs") == [0, 1, 2]
    assert all(later >= rss for rss, later in zip(table.column("RSS MiB"), table.column("peak RSS MiB")))


def test_gpio_benchmark():
    [table] = gpio.run(4)
    assert_sane(table, gpio.COLUMNS, 2)
    assert table.column("pins") == ["mock", "pigpio"] and table.column("runs") == [4, 4]


def test_recovery_benchmark():
    [table] = recovery.run(2)
    assert_sane(table, recovery.COLUMNS, len(recovery.FAMILIES) * len(recovery.FAULTS))
    assert table.column("corrupted") and all(1 <= n <= 2 for n in table.column("corrupted"))
    rows = {(family, fault): reference for family, fault, reference
            in zip(table.column("family"), table.column("fault"), table.column("reference ms"))}
    # Kerong CU16: 4 character times of silence + a 9-byte answer, at 19200 baud
    assert rows["kerong-cu16", "bad_checksum"] == pytest.approx(13 * 10 / 19200 * 1000)
    assert rows["8a", "bad_checksum"] == pytest.approx(25 + 7 * 10 / 9600 * 1000)
    assert set(table.column("target met")) <= {"yes", "NO"}


def test_command_line_runs_one_benchmark_and_refuses_unknown_names():
    done = subprocess.run([sys.executable, "-m", "bench", "bus", "--n", "3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "reads/s" in done.stdout and "max reads/s" in done.stdout and "unlock:" not in done.stdout
    refused = subprocess.run([sys.executable, "-m", "bench", "nope"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "known: " + ", ".join(BENCHMARKS) in refused.stderr

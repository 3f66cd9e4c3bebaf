"""``locker serve`` itself as the system under test: its configuration written as a
``locker.toml``, the command started as a child process (the console script of this
virtual environment), timed from exec to the first ``/healthz`` 200, its resident
memory read from ``/proc``, stopped by SIGTERM.

>>> print(toml({"database": {"url": "sqlite:///x.db"}, "notify": {"sms": {"kind": "log"}},
...             "compartment": [{"label": "A01", "board": 0}]}))
[database]
url = "sqlite:///x.db"
[notify.sms]
kind = "log"
[[compartment]]
label = "A01"
board = 0
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from .rig import ROOT, BenchError, process_memory, terminate

LOCKER = Path(sys.executable).parent / "locker"


def toml(raw: dict[str, Any], prefix: str = "") -> str:
    """A TOML document of a configuration dict (tables, arrays of tables, plain values)."""
    lines: list[str] = []
    plain = {k: v for k, v in raw.items() if not isinstance(v, dict) and not _tables(v)}
    if plain and prefix:
        lines.append(f"[{prefix}]")
    lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in plain.items()]
    for key, value in raw.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            lines.append(toml(value, name))
        elif _tables(value):
            for item in value:
                lines.append(f"[[{name}]]")
                lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in item.items()]
    return "\n".join(line for line in lines if line)


def _tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


class LockerServe:
    """``locker serve --config FILE`` in a child process; ``started_s`` is exec to the first /healthz 200."""

    def __init__(self, raw_config: dict, workdir: Path, *, timeout: float = 120.0) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "locker.toml"
        self.config_path.write_text(toml(raw_config) + "\n", encoding="utf-8")
        self.base = f"http://127.0.0.1:{raw_config['http']['port']}"
        self.log_path = workdir / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
        began = time.perf_counter()
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([str(LOCKER), "serve", "--config", str(self.config_path)], cwd=ROOT,
                                         stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        self.started_s = time.perf_counter() - began
        self.started_cpu_s = self.cpu_s()

    def cpu_s(self) -> float:
        """User and system CPU seconds the service process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with requests.Session() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise BenchError(f"locker serve exited with {self.proc.returncode}:\n{self.output()}")
                try:
                    if http.get(self.base + "/healthz", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.01)
        raise BenchError(f"locker serve did not answer /healthz 200 in {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def memory(self) -> dict[str, float]:
        return process_memory(self.proc.pid)

    def stop(self) -> None:
        terminate(self.proc, grace_s=30)


def locker_command(*args: str, timeout: float = 1800.0) -> tuple[float, float, str]:
    """Run ``locker ARGS``: (seconds from exec to exit, its CPU seconds, output); BenchError when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([str(LOCKER), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")})
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchError(f"locker {' '.join(args)} exited with {done.returncode}: {done.stderr or done.stdout}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, done.stdout + done.stderr

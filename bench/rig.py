"""What the benchmarks run against: the simulator, the service (a runtime in this
process or a separate service process), API clients for both, and a clerk who
empties the cabinet between rounds of drop-offs.

Pulses: the production driver keeps ``pulse_gap`` (0.2 s) between two pulses so
that a real cabinet's power supply never drives two solenoids at once. Simulated
solenoids draw nothing, so benchmarks that need many doors opened quickly set it
to 0 (``pulse_gap=0``); the ``unlock`` benchmark keeps the production value.
The service's SMS go to its log gateway (``notify.sms.kind = "log"``), which keeps
the last messages; :func:`pickup_code` reads a pickup code from them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import requests

from api.app import create_app
from api.runtime import Runtime
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker.accounts import create_account, create_token
from locker.config import Config
from locker.db import Database

PHONE = "0912345678"
CLERK = "benchclerk"
ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """The system under test did not do what the benchmark needs (not a slow result)."""


def wait_until(check: Callable[[], Any], *, timeout: float = 10.0, what: str = "condition",
               interval: float = 0.005) -> Any:
    """Poll ``check`` until it returns something truthy; BenchError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pickup_code(sent: list[tuple[str, str]], dossier_code: str) -> str | None:
    """The 8-digit pickup code in the last SMS (``(to, text)``) about that dossier that holds one.

    >>> sent = [("0912345678", "Hồ sơ BENCH-1 ... Mã nhận: 01234567")]
    >>> pickup_code(sent, "BENCH-1"), pickup_code(sent, "BENCH-2")
    ('01234567', None)
    """
    texts = [re.sub(r"\S+/q/\S+", "", text) for _, text in sent if dossier_code in text]  # the link SMS has none
    for text in reversed(texts):
        found = re.search(r"(?<!\d)\d{8}(?!\d)", text)
        if found:
            return found.group(0)
    return None


def service_config(data_dir: Path, *, bus_url: str, db_url: str | None = None, port: int = 0,
                   boards: int = 2, poll_interval_ms: int = 150) -> dict:
    """The raw configuration (as ``locker.toml`` would give it) of a benchmark cabinet."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "database": {"url": db_url or f"sqlite:///{data_dir / 'locker.db'}"},
        "http": {"host": "127.0.0.1", "port": port or free_port(), "public_url": "http://127.0.0.1"},
        "bus": {"url": bus_url, "protocol": "kerong-cu16", "baudrate": 19200,
                "poll_interval_ms": poll_interval_ms},
        "notify": {"sms": {"kind": "log"}},
        "security": {"secret_file": str(data_dir / "locker.secret")},
        "compartment": demo_compartments(boards),
    }


def prepare_database(url: str) -> str:
    """Migrate the database and create a clerk; returns the clerk's API token."""
    database = Database(url)
    try:
        database.upgrade()
        with database.session() as s:
            create_account(s, CLERK, "clerk", "bench-password")
            return create_token(s, CLERK)
    finally:
        database.dispose()


class SettledRuntime(Runtime):
    """The production runtime, whose start also waits until the events of the first
    board reads (every latch and item sensor of every board) have been handled, so
    that a measurement does not compete with that start-up burst."""

    def start(self) -> None:
        super().start()
        if not self.coordinator.drain(60):
            raise BenchError("the coordinator did not catch up with the start-up events in 60 s")


def start_runtime(config: Config, *, simulator: Simulator | None = None, pulse_gap: float | None = None) -> Runtime:
    """A started runtime in this process (the database must be migrated already)."""
    runtime = SettledRuntime(config, simulator=simulator)
    if pulse_gap is not None:
        set_pulse_gap(runtime, pulse_gap)
    runtime.start()
    return runtime


# ---- API clients ------------------------------------------------------------------------

class InProcessApi:
    """The Flask app of a runtime through Werkzeug's test client (no sockets)."""

    def __init__(self, runtime: Runtime, token: str) -> None:
        self.client = create_app(runtime).test_client()
        self.clerk = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict, *, clerk: bool = False) -> tuple[int, Any]:
        response = self.client.post(path, json=body, headers=self.clerk if clerk else {})
        return response.status_code, response.get_json()

    def get(self, path: str, *, clerk: bool = False) -> tuple[int, Any]:
        response = self.client.get(path, headers=self.clerk if clerk else {})
        return response.status_code, response.get_json()

    def fork(self) -> "InProcessApi":
        return self  # the test client is used from one thread only


class HttpApi:
    """The service over loopback HTTP, one keep-alive connection per instance."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.session = requests.Session()
        self.clerk = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict, *, clerk: bool = False) -> tuple[int, Any]:
        response = self.session.post(self.base + path, json=body, headers=self.clerk if clerk else {}, timeout=30)
        return response.status_code, response.json()

    def get(self, path: str, *, clerk: bool = False) -> tuple[int, Any]:
        response = self.session.get(self.base + path, headers=self.clerk if clerk else {}, timeout=30)
        return response.status_code, response.json()

    def fork(self) -> "HttpApi":
        return HttpApi(self.base, self.token)


# ---- a separate service process ---------------------------------------------------------

class ServiceProcess:
    """``python -m bench.serve``: the production runtime and waitress in a child process."""

    def __init__(self, raw_config: dict, workdir: Path, *, pulse_gap: float | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "service.json"
        self.config_path.write_text(json.dumps(raw_config), encoding="utf-8")
        self.base = f"http://127.0.0.1:{raw_config['http']['port']}"
        self.log_path = workdir / "service.log"
        args = [sys.executable, "-m", "bench.serve", str(self.config_path)]
        if pulse_gap is not None:
            args += ["--pulse-gap", str(pulse_gap)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        try:
            wait_until(self._up, timeout=60, what="the service process to answer /healthz", interval=0.05)
        except BaseException:
            self.stop()
            raise

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise BenchError(f"service exited with {self.proc.returncode}:\n{self.output()}")
        try:
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def memory(self) -> dict[str, float]:
        return process_memory(self.proc.pid)

    def stop(self) -> None:
        terminate(self.proc, grace_s=15)


def process_memory(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (MiB) and the thread count of ``pid``, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()
    return {"rss_mib": int(fields["VmRSS"][0]) / 1024, "peak_mib": int(fields["VmHWM"][0]) / 1024,
            "threads": int(fields["Threads"][0])}


def terminate(proc: subprocess.Popen, *, grace_s: float) -> None:
    """SIGTERM, and SIGKILL to its process group if it has not ended within ``grace_s``."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

# ---- the cabinet in use -----------------------------------------------------------------

class Cabinet:
    """Drop-offs through an API client; a clerk takes them out again, round by round.

    Doors are closed in the simulator as soon as their latch is released, the way a
    quick citizen or clerk would.
    """

    def __init__(self, api: Any, simulator: Simulator, compartments: list[dict]) -> None:
        self.api = api
        self.sim = simulator
        self.where = {c["label"]: (c["board"], c["lock"]) for c in compartments}
        self.capacity = len(compartments)
        self.serial = 0

    def dropoff(self, api: Any = None) -> tuple[int, str, float]:
        """One timed drop-off request: (id, compartment, seconds)."""
        self.serial += 1
        body = {"dossier_code": f"BENCH-{self.serial:06d}", "phone": PHONE, "size": "S"}
        started = time.perf_counter()
        status, answer = (api or self.api).post("/api/v1/dropoffs", body)
        elapsed = time.perf_counter() - started
        if status != 201:
            raise BenchError(f"drop-off answered {status}: {answer}")
        return answer["id"], answer["compartment"], elapsed

    def close_after_unlock(self, label: str, *, item: bool) -> None:
        """The person closes the door after putting the paper in (``item``) or taking it out."""
        board, lock = self.where[label]
        wait_until(lambda: self.sim.lock_state(board, lock)["door"] == "open", what=f"{label} to unlock")
        self.sim.item(board, lock, item)
        self.sim.door(board, lock, "close")

    def wait_states(self, labels: list[str], state: str) -> None:
        """Wait until every one of these compartments is in ``state`` (one list request per look)."""
        def reached() -> bool:
            code, answer = self.api.get("/api/v1/compartments", clerk=True)
            states = {c["label"]: c["state"] for c in answer} if code == 200 else {}
            return all(states.get(label) == state for label in labels)
        wait_until(reached, what=f"{len(labels)} compartments to become {state}", interval=0.05)

    def store(self, started: list[tuple[int, str, float]]) -> None:
        """Close the doors of these drop-offs and wait until each is stored."""
        labels = [label for _, label, _ in started]
        for label in labels:
            self.close_after_unlock(label, item=True)
        self.wait_states(labels, "holding_dropoff")

    def collect(self, labels: list[str]) -> None:
        """A clerk takes out what these compartments hold; they end free."""
        for label in labels:
            status, answer = self.api.post("/api/v1/collections", {"compartment": label}, clerk=True)
            if status != 201:
                raise BenchError(f"collection of {label} answered {status}: {answer}")
        for label in labels:
            self.close_after_unlock(label, item=False)
        self.wait_states(labels, "free")

    def cycle_round(self, count: int) -> list[float]:
        """``count`` drop-offs, stored, then collected: the seconds each drop-off request took."""
        started = [self.dropoff() for _ in range(count)]
        self.store(started)
        self.collect([label for _, label, _ in started])
        return [seconds for _, _, seconds in started]


def set_pulse_gap(runtime: Runtime, seconds: float) -> None:
    """Change the pause the bus drivers keep between two unlock pulses."""
    for bus in runtime.bus.buses.values():
        bus.driver.pulse_gap = seconds

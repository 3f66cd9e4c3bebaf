"""Commissioning a cabinet played by `locker sim`, as separate processes over TCP."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from locker.config import load_config
from tests.support.net import free_port, wait_for
from tests.support.processes import LockerProcess, locker_command

pytestmark = pytest.mark.e2e

CONFIG = '''# Commissioning test cabinet
[database]
url = "sqlite:///var/locker.db"

[bus]
url = "{url}"
protocol = "kerong-cu16"
answer_timeout_ms = 200

[notify.sms]
kind = "log"
'''


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`locker sim` with two boards: (bus URL, control URL)."""
    bus_port, scanner_port, control_port = free_port(), free_port(), free_port()
    process = LockerProcess("sim", "--boards", "2", "--serial", f"tcp://127.0.0.1:{bus_port}",
                            "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                            "--gpio", "none", "--seed", "3", cwd=tmp_path, name="sim")
    try:
        control = f"http://127.0.0.1:{control_port}"
        process.wait_http(control + "/sim/state")
        yield f"socket://127.0.0.1:{bus_port}", control
    finally:
        process.stop()


def commission(*args: str, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env["PYTHONUNBUFFERED"] = "1"
    # Ctrl-C as a terminal sends it: a test runner's worker may ignore SIGINT, and a child would
    # inherit that (Python then installs no KeyboardInterrupt handler).
    return subprocess.Popen([*locker_command(), "commission", *args], cwd=cwd, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@contextmanager
def technician(control: str) -> Iterator[None]:
    """Closes every door a moment after it opens, through the control API."""
    stop = threading.Event()
    seen: dict[tuple[int, int], float] = {}

    def walk() -> None:
        while not stop.is_set():
            for board in requests.get(control + "/sim/state", timeout=5).json()["boards"]:
                for entry in board["locks"]:
                    key = (board["address"], entry["lock"])
                    if entry["door"] != "open":
                        seen.pop(key, None)
                    elif time.monotonic() - seen.setdefault(key, time.monotonic()) > 0.2:
                        requests.post(control + "/sim/door", json={"board": key[0], "lock": key[1],
                                                                   "action": "close"}, timeout=5)
            stop.wait(0.05)

    thread = threading.Thread(target=walk, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def test_auto_commissioning_writes_a_configuration_that_loads(sim, tmp_path: Path) -> None:
    bus_url, control = sim
    requests.post(control + "/sim/fault", json={"kind": "jam", "board": 1, "lock": 7}, timeout=5).raise_for_status()
    path = tmp_path / "locker.toml"
    original = CONFIG.format(url=bus_url)
    path.write_text(original, encoding="utf-8")
    with technician(control):
        process = commission("--config", str(path), "--auto", "--write", "--probe-timeout-ms", "60",
                             "--release-timeout-ms", "500", "--close-timeout", "20", cwd=tmp_path)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    cfg = load_config(path)
    assert cfg.bus.latched_bit == 1 and cfg.bus.url == bus_url
    assert len(cfg.compartments) == 31
    assert {(c.board, c.lock) for c in cfg.compartments} == {(b, n) for b in (0, 1) for n in range(1, 17)} - {(1, 7)}
    assert "bo mạch/board 1 khóa/lock 7: chốt không nhả / the latch did not release" in output
    assert "doors still open" not in output
    assert (tmp_path / "locker.toml.bak").read_text(encoding="utf-8") == original
    assert path.read_text(encoding="utf-8").startswith("# Commissioning test cabinet\n[database]")


def test_ctrl_c_during_the_questions_leaves_the_configuration_untouched(sim, tmp_path: Path) -> None:
    bus_url, _ = sim
    path = tmp_path / "locker.toml"
    original = CONFIG.format(url=bus_url)
    path.write_text(original, encoding="utf-8")
    process = commission("--config", str(path), "--write", "--probe-timeout-ms", "60", cwd=tmp_path)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(lambda: process.stdout.read(1), "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: "which door opened?" in "".join(seen), timeout=30, message="the first question")
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    reader.join(5)
    assert "the configuration is unchanged" in "".join(seen)
    assert path.read_text(encoding="utf-8") == original
    assert not (tmp_path / "locker.toml.bak").exists()

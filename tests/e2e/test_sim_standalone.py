"""The simulator's standalone runner as a separate process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


def _read_until(stream, marker: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while marker not in seen and time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen += line
    return seen


@pytest.mark.timeout(30)
def test_standalone_runner_serves_and_stops_on_sigterm():
    code = ("from firmware_sim.runner import run_standalone\n"
            "run_standalone(boards=1, board_type='kerong-cu16', serial='tcp://127.0.0.1:0',"
            " scanner='pty', control='127.0.0.1:0', seed=1)\n")
    proc = subprocess.Popen([sys.executable, "-u", "-c", code], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        shown = _read_until(proc.stdout, "[[compartment]]")
        assert 'protocol = "kerong-cu16"' in shown and 'url = "socket://127.0.0.1:' in shown
        control = next(word for word in shown.split() if word.startswith("http://"))
        with urllib.request.urlopen(control, timeout=5) as response:
            state = json.load(response)
        assert len(state["boards"]) == 1
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "Simulator stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

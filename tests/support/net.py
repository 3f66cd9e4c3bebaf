"""Network helpers for tests: free ports, and waiting for a condition (in this process or another)."""

from __future__ import annotations

import os
import random
import socket
import time
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nobody listens on, below the kernel's ephemeral range.

    A port from ``bind(0)`` can be taken by any outgoing connection (the tests'
    own HTTP requests) before the server that was meant to get it binds it; ports
    below the ephemeral range are never picked for outgoing connections. A port
    is handed out once per test run.
    """
    low = _ephemeral_low()
    for _ in range(500):
        port = random.randint(min(10000, low - 1000), low - 1)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Every wait lasts this many times its stated timeout (``TEST_PATIENCE``, default 2): the suite
#: runs on two workers on two cores, where a process under test may wait for the CPU. Waiting
#: longer costs time only when a test is failing anyway.
PATIENCE = float(os.environ.get("TEST_PATIENCE", "2"))


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, *, interval: float | None = None,
             message: str = "condition") -> T:
    """Poll ``predicate`` until it returns a truthy value, and return that value; fail with
    ``message`` after ``timeout`` seconds. An exception from ``predicate`` counts as not yet.

    Without ``interval`` the pause between checks is 5 ms, or four times as long as one
    check took when that is longer (a request to a process under test), so that a short
    pulse is not missed and waiting leaves the machine to the code being waited for.
    """
    timeout *= PATIENCE
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        started = time.monotonic()
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the service may still be starting
            last_error = exc
        now = time.monotonic()
        if now >= deadline:
            break
        pause = interval if interval is not None else max(0.005, 4 * (now - started))
        time.sleep(min(pause, deadline - now))
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" +
                         (f" (last error: {last_error!r})" if last_error else ""))

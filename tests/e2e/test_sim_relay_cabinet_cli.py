"""``locker sim --board-type gpio-relay`` as a separate process, and a service using its relay cabinet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from drivers.pin_factories import open_pin_factory
from firmware_sim.layout import DEMO_GPIO, DEMO_RELAY_LOCKS
from locker.config import load_config
from tests.support.net import wait_for

ROOT = Path(__file__).resolve().parents[2]
LOCKER = Path(sys.executable).with_name("locker")
LOCK_KEYS = {"lock", "door", "latched", "item", "jammed", "pulses"}


def start_sim(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(LOCKER), "sim", "--board-type", "gpio-relay", "--scanner", "tcp://127.0.0.1:0",
                             "--gpio", "tcp://127.0.0.1:0", "--control", "127.0.0.1:0", *args],
                            cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def read_announcement(proc: subprocess.Popen, locks: int, timeout: float = 20) -> tuple[str, str]:
    """(everything printed before the snippet, the snippet), once ``locks`` compartments are printed."""
    deadline, seen = time.monotonic() + timeout, ""
    while seen.count("\nsize = ") < locks and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    head, _, snippet = seen.partition("Paste into locker.toml:\n")
    assert snippet.count("\nsize = ") == locks, seen
    return head, snippet


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()


def service_config(tmp_path: Path, snippet: str):
    path = tmp_path / "service.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "l.db"}"\n\n{snippet}', encoding="utf-8")
    return load_config(path)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.timeout(60)
def test_the_demo_relay_cabinet_snippet_is_accepted_and_its_relays_work(tmp_path):
    proc = start_sim(tmp_path, "--boards", "3", "--serial", "pty")  # neither applies to relay locks
    try:
        head, snippet = read_announcement(proc, len(DEMO_RELAY_LOCKS))
        assert "RS485" not in head and "Relay locks (GPIO): 6" in head
        config = service_config(tmp_path, snippet)
        [bus] = config.buses
        assert (bus.protocol, bus.url, bus.relay_locks) == ("gpio-relay", "", DEMO_RELAY_LOCKS)
        assert [(c.board, c.lock, c.size) for c in config.compartments] == [
            (0, n, size) for n, size in enumerate("SSMMLL", start=1)]
        assert {key: value for key, value in config.gpio.items()} == DEMO_GPIO
        control = next(word for word in head.split() if word.endswith("/sim/state")).removesuffix("/state")
        [board] = get_json(control + "/state")["boards"]
        assert board["address"] == 0 and [lock["lock"] for lock in board["locks"]] == [1, 2, 3, 4, 5, 6]
        assert all(set(lock) == LOCK_KEYS | {"label"} and lock["pulses"] == 0 for lock in board["locks"])

        factory = open_pin_factory(config.gpio_pin_factory)  # what the service's RelayLockBus drives
        try:
            factory.connection.write(DEMO_RELAY_LOCKS[2]["relay"], 1)
            factory.connection.write(DEMO_RELAY_LOCKS[2]["relay"], 0)
        finally:
            factory.close()
        locks = wait_for(lambda: [lk for lk in get_json(control + "/state")["boards"][0]["locks"]
                                  if lk["door"] == "open"], message="lock 3 sprang open")
        assert [(lk["lock"], lk["pulses"], lk["label"]) for lk in locks] == [(3, 1, "A03")]
        assert get_json(control + "/frames") == []
    finally:
        stop(proc)


@pytest.mark.timeout(60)
def test_relay_locks_come_from_the_config_file(tmp_path):
    locks = [{"relay": 20, "switch": 21, "pull_up": False}, {"relay": 12, "switch": 16}]
    given = tmp_path / "locker.toml"
    given.write_text('[bus]\nprotocol = "gpio-relay"\nrelay_locks = [{ relay = 20, switch = 21, pull_up = false },'
                     ' { relay = 12, switch = 16 }]\n\n[gpio]\ntamper = 4\n', encoding="utf-8")
    proc = start_sim(tmp_path, "--config", str(given))
    try:
        _, snippet = read_announcement(proc, len(locks))
        config = service_config(tmp_path, snippet)
        assert config.buses[0].relay_locks == tuple(locks) and config.gpio == {"tamper": 4}
        assert [c.label for c in config.compartments] == ["A01", "A02"]
    finally:
        stop(proc)

"""``locker commission`` on a relay-lock cabinet, run as a separate process."""

from __future__ import annotations

import threading
import time

import pytest

from firmware_sim.gpio import SimGpio
from locker.config import load_config
from tests.support.net import free_port
from tests.support.processes import run_locker


RELAYS = [{"relay": 20, "switch": 21}, {"relay": 12, "switch": 16}, {"relay": 25, "switch": 26}]


@pytest.fixture
def cabinet():
    sim = SimGpio(relay_locks=RELAYS, spring_delay=0.05)
    yield sim
    sim.close()


class ClosingDoors:
    """A technician who shuts each door that springs open, half a second later (not ``leave``)."""

    def __init__(self, sim: SimGpio, leave: tuple[int, ...] = ()) -> None:
        self.sim, self.leave, self.stop = sim, leave, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seen_open: dict[int, float] = {}
        while not self.stop.wait(0.02):
            now = time.monotonic()
            for lock in range(1, len(RELAYS) + 1):
                if lock in self.leave or self.sim.lock_state(lock)["door"] != "open":
                    seen_open.pop(lock, None)
                elif now - seen_open.setdefault(lock, now) >= 0.5:
                    self.sim.door(lock, "close")

    def __enter__(self) -> "ClosingDoors":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def test_command_writes_the_map_reaching_the_pins_through_pigpio(cabinet, tmp_path):
    url = cabinet.serve_pigpio(port=0)
    path = tmp_path / "locker.toml"
    path.write_text(f'[bus]\nprotocol = "gpio-relay"\npulse_ms = 50\n'
                    f'relay_locks = [{{relay = 20, switch = 21}}, {{relay = 12, switch = 16}}, '
                    f'{{relay = 25, switch = 26}}]\n\n[gpio]\npin_factory = "{url}"\n', encoding="utf-8")
    with ClosingDoors(cabinet):
        result = run_locker("commission", "--config", str(path), "--auto", "--write", "--size", "s",
                            "--release-timeout-ms", "1500", "--close-timeout", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    config = load_config(path)
    assert [(c.label, c.lock, c.size) for c in config.compartments] == [("A01", 1, "S"), ("A02", 2, "S"),
                                                                       ("A03", 3, "S")]
    assert "latched_bit" not in path.read_text(encoding="utf-8")


def test_command_names_a_missing_pigpio_daemon(tmp_path):
    path = tmp_path / "locker.toml"
    path.write_text(f'[bus]\nprotocol = "gpio-relay"\nrelay_locks = [{{relay = 20, switch = 21}}]\n\n'
                    f'[gpio]\npin_factory = "pigpio://127.0.0.1:{free_port()}"\n', encoding="utf-8")
    result = run_locker("commission", "--config", str(path), "--auto", cwd=tmp_path)
    assert result.returncode == 1
    assert "Lỗi GPIO / GPIO error: gpio.pin_factory: no pigpio daemon answers" in result.stderr
    assert path.read_text(encoding="utf-8").count("[bus]") == 1 and not (tmp_path / "locker.toml.bak").exists()

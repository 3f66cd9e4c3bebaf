"""``locker sim --gpio``: the simulated pins served as a pigpio daemon, laid out as the
technician's ``[gpio]`` table says, and announced in the printed locker.toml snippet."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from drivers.pin_factories import open_pin_factory
from firmware_sim.runner import SimulatorSetupError, run_standalone

ROOT = Path(__file__).resolve().parents[2]
LOCKER = Path(sys.executable).with_name("locker")


def read_snippet(stream) -> dict:
    lines, started = [], False
    for line in stream:
        if "Paste into locker.toml" in line:
            started = True
            continue
        if started:
            if line.startswith("[[compartment]]"):
                break
            lines.append(line)
    return tomllib.loads("".join(lines))


@pytest.mark.timeout(60)
def test_sim_serves_the_pins_of_the_config_file(tmp_path):
    config = tmp_path / "locker.toml"
    config.write_text('[gpio]\ntamper = 4\npresence = { pin = 26, pull_up = false }\nled_red = 13\n',
                      encoding="utf-8")
    proc = subprocess.Popen([str(LOCKER), "sim", "--config", str(config), "--serial", "tcp://127.0.0.1:0",
                             "--scanner", "tcp://127.0.0.1:0", "--gpio", "tcp://127.0.0.1:0",
                             "--control", "127.0.0.1:0", "--boards", "1"],
                            cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        snippet = read_snippet(proc.stdout)
        gpio = snippet["gpio"]
        assert gpio["pin_factory"].startswith("pigpio://127.0.0.1:")
        assert {k: v for k, v in gpio.items() if k != "pin_factory"} == {
            "tamper": 4, "presence": {"pin": 26, "pull_up": False}, "led_red": 13}
        factory = open_pin_factory(gpio["pin_factory"])
        try:
            # Inputs start inactive: the pulled-up tamper switch reads high, the active-high presence low.
            assert factory.connection.read(4) == 1 and factory.connection.read(26) == 0
        finally:
            factory.close()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_gpio_port_in_use_says_how_to_choose_another():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(SimulatorSetupError) as caught:
            run_standalone(serial="tcp://127.0.0.1:0", scanner="tcp://127.0.0.1:0", control="127.0.0.1:0",
                           gpio=f"tcp://127.0.0.1:{port}", out=lambda line: None)
    message = str(caught.value)
    assert "--gpio none" in message and "GPIO" in message and " / " in message

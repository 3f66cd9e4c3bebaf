"""``locker sim --pace``: the simulated bus as slow as a real RS485 line at its baud rate."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import serial

from tests.support.kerong import read_cmd
from tests.support.net import free_port
from tests.support.processes import LockerProcess

pytestmark = pytest.mark.e2e

#: A CU16 read: 5 bytes out, 9 back, 10 bits a character at 19200 baud.
READ_WIRE_TIME = 14 * 10 / 19200


def test_a_paced_bus_answers_no_faster_than_the_line_carries(tmp_path: Path) -> None:
    bus_port, scanner_port, control_port = free_port(), free_port(), free_port()
    process = LockerProcess("sim", "--boards", "1", "--serial", f"tcp://127.0.0.1:{bus_port}",
                            "--scanner", f"tcp://127.0.0.1:{scanner_port}", "--control", f"127.0.0.1:{control_port}",
                            "--gpio", "none", "--pace", cwd=tmp_path, name="sim")
    try:
        process.wait_http(f"http://127.0.0.1:{control_port}/sim/state")
        port = serial.serial_for_url(f"socket://127.0.0.1:{bus_port}", timeout=2)
        try:
            times = []
            for _ in range(5):
                started = time.monotonic()
                port.write(read_cmd(0))
                assert len(port.read(9)) == 9
                times.append(time.monotonic() - started)
        finally:
            port.close()
    finally:
        process.stop()
    # unpaced, the simulator answers after its 4 ms reply delay: faster than the wire allows
    assert min(times) >= READ_WIRE_TIME

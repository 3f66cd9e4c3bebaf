"""LineSplitter (pure) and LineScanner (thread) for serial QR scanners."""

from __future__ import annotations

import random
import time

import pytest
import serial

from drivers.scanner import LineScanner
from drivers.scanner_models import get_model, ssi_packet
from tests.support.net import wait_for
from tests.support.recorder import Recorder
from tests.support.serial_port import FakeSerialPort


# ---- LineScanner ------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def loop_port():
    port = serial.serial_for_url("loop://", timeout=0.02)
    yield port
    port.close()


def test_scanner_delivers_codes_and_drops_quick_repeats(loop_port):
    codes, clock = Recorder(), FakeClock()
    scanner = LineScanner(url="loop://", on_code=codes, clock=clock, dedupe_window=2.0,
                          serial_for_url=lambda url, **options: loop_port)
    scanner.start()
    try:
        loop_port.write(b"QR-1\r\nQR-1\r\n")
        assert wait_for(lambda: scanner.stats()["duplicates"] == 1)
        clock.now += 1.0
        loop_port.write(b"QR-1\r\n")
        assert wait_for(lambda: scanner.stats()["duplicates"] == 2)
        clock.now += 2.5
        loop_port.write(b"QR-1\rQR-2\r\n")
        assert wait_for(lambda: len(codes) == 3)
        assert codes == ["QR-1", "QR-1", "QR-2"]
        assert scanner.connected()
    finally:
        scanner.stop()
    assert not scanner.connected()


def test_a_different_code_is_never_deduplicated(loop_port):
    codes = Recorder()
    scanner = LineScanner(url="loop://", on_code=codes, serial_for_url=lambda url, **options: loop_port)
    scanner.start()
    try:
        loop_port.write(b"A\nB\nA\n")
        assert wait_for(lambda: len(codes) == 3)
        assert codes == ["A", "B", "A"]
    finally:
        scanner.stop()


def test_scanner_reopens_a_vanished_port_with_backoff():
    opened, codes = [], Recorder()

    def open_port(url, **options):
        if len(opened) == 1:
            opened.append(None)
            raise serial.SerialException("not there yet")
        port = FakeSerialPort()
        if opened:
            port.feed(b"AFTER-REOPEN\r\n")
        else:
            port.fail_reads = 1  # the first port vanishes under the reader
        opened.append(port)
        return port

    scanner = LineScanner(url="/dev/serial/by-id/scanner", on_code=codes, serial_for_url=open_port,
                          reopen_backoff=(0.01, 0.02))
    scanner.start()
    try:
        assert wait_for(lambda: codes == ["AFTER-REOPEN"])
        assert len(opened) == 3
        assert scanner.stats()["reopens"] == 1
    finally:
        scanner.stop()


def test_on_code_failure_does_not_stop_the_scanner(loop_port):
    codes = Recorder()

    def fragile(code: str) -> None:
        codes(code)
        raise ValueError("consumer bug")

    scanner = LineScanner(url="loop://", on_code=fragile, serial_for_url=lambda url, **options: loop_port)
    scanner.start()
    try:
        loop_port.write(b"ONE\n")
        assert wait_for(lambda: codes == ["ONE"])
        loop_port.write(b"TWO\n")
        assert wait_for(lambda: codes == ["ONE", "TWO"])
    finally:
        scanner.stop()


# ---- LineScanner with a command set --------------------------------------------------


def running(port: FakeSerialPort, codes, **options) -> LineScanner:
    scanner = LineScanner(url="/dev/serial/by-id/scanner", on_code=codes,
                          serial_for_url=lambda url, **kw: port, **options)
    scanner.start()
    return scanner


def test_enable_disable_and_trigger_write_the_model_commands():
    port, codes = FakeSerialPort(), Recorder()
    scanner = running(port, codes, model="datalogic", enabled=False)
    try:
        assert wait_for(lambda: port.sent() == [b"D"])  # the wanted state, sent on open
        scanner.enable()
        scanner.trigger()
        scanner.disable()
        assert wait_for(lambda: port.sent() == [b"D", b"E", b"T", b"D"])
        assert scanner.stats()["commands"] == 4 and scanner.stats()["enabled"] is False
    finally:
        scanner.stop()


def test_line_model_writes_nothing():
    port, codes = FakeSerialPort(fail_writes=True), Recorder()
    scanner = running(port, codes)
    try:
        scanner.enable(), scanner.trigger(), scanner.disable()
        port.feed(b"HS-1\r\n")
        assert wait_for(lambda: codes == ["HS-1"])
        assert scanner.stats()["commands"] == 0 and scanner.connected()
    finally:
        scanner.stop()


def test_trigger_mode_retriggers_after_each_code_and_when_due():
    port, codes, clock = FakeSerialPort(), Recorder(), FakeClock()
    scanner = running(port, codes, model=get_model("honeywell", trigger=True), clock=clock, rearm_interval=5.0)
    manual, trigger = b"\x16M\rTRGMOD0!", b"\x16T\r"
    try:
        assert wait_for(lambda: port.sent() == [manual, trigger])
        port.feed(b"HS-1\r\n")
        assert wait_for(lambda: port.sent() == [manual, trigger, trigger])
        assert codes == ["HS-1"]
        clock.now += 5.0
        assert wait_for(lambda: port.sent()[-1:] == [trigger] and len(port.sent()) == 4)
        scanner.disable()
        assert wait_for(lambda: port.sent()[-2:] == [b"\x16U\r", manual])
        clock.now += 50.0
        time.sleep(0.1)
        assert port.sent()[-1] == manual  # no trigger while disabled
    finally:
        scanner.stop()


def test_ssi_codes_are_acknowledged():
    port, codes = FakeSerialPort(), Recorder()
    scanner = running(port, codes, model="zebra-ssi")
    ack = bytes.fromhex("04 D0 04 00 FF 28")
    try:
        assert wait_for(lambda: port.sent() == [bytes.fromhex("04 E9 04 00 FF 0F")])
        port.feed(ssi_packet(0xF3, b"\x1cQR-1", source=0))
        assert wait_for(lambda: codes == ["QR-1"])
        assert wait_for(lambda: port.sent()[-1] == ack)
    finally:
        scanner.stop()


def test_noise_before_a_pause_is_dropped():
    port, codes, clock = FakeSerialPort(), Recorder(), FakeClock()
    scanner = running(port, codes, clock=clock, stale_after=0.5)
    try:
        port.feed(b"\x00\xff\xfe\x13")
        assert wait_for(lambda: port.in_waiting == 0)
        clock.now += 1.0
        port.feed(b"HS-2\r\n")
        assert wait_for(lambda: codes == ["HS-2"])
        assert scanner.stats()["garbage"] == 1
    finally:
        scanner.stop()


def test_reopen_sends_the_wanted_state_again():
    ports: list[FakeSerialPort] = []

    def open_port(url, **options):
        ports.append(FakeSerialPort(fail_writes=not ports))
        return ports[-1]

    scanner = LineScanner(url="/dev/serial/by-id/scanner", on_code=Recorder(), serial_for_url=open_port,
                          model="datalogic", reopen_backoff=(0.01, 0.02))
    scanner.start()
    try:
        assert wait_for(lambda: len(ports) >= 2 and ports[1].sent() == [b"E"])
        scanner.disable()
        assert wait_for(lambda: ports[1].sent() == [b"E", b"D"])
        assert scanner.stats()["reopens"] == 1 and ports[0].closed
    finally:
        scanner.stop()


def test_binary_noise_never_stops_the_reader():
    port, codes = FakeSerialPort(), Recorder()
    scanner = running(port, codes, model="zebra-ssi")
    rng = random.Random(3)
    try:
        for _ in range(50):
            port.feed(bytes(rng.randrange(256) for _ in range(40)))
        port.feed(ssi_packet(0xF3, b"\x1cAFTER", source=0))
        assert wait_for(lambda: "AFTER" in codes)
        assert scanner.stats()["garbage"] >= 1 and scanner.connected()
    finally:
        scanner.stop()

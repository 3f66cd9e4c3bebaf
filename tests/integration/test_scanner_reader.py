"""LineSplitter (pure) and LineScanner (thread) for serial QR scanners."""

from __future__ import annotations

import random
import threading
import time

import pytest
import serial

from drivers.scanner import LineScanner
from drivers.scanner_models import get_model, ssi_packet


# ---- LineScanner ------------------------------------------------------------------

class Collected(list):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def __call__(self, code: str) -> None:
        with self.lock:
            self.append(code)


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


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
    codes, clock = Collected(), FakeClock()
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
    codes = Collected()
    scanner = LineScanner(url="loop://", on_code=codes, serial_for_url=lambda url, **options: loop_port)
    scanner.start()
    try:
        loop_port.write(b"A\nB\nA\n")
        assert wait_for(lambda: len(codes) == 3)
        assert codes == ["A", "B", "A"]
    finally:
        scanner.stop()


class VanishingPort:
    """A scanner port whose first instance fails on read; later ones deliver a code."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.sent = False
        self.timeout = 0.02

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        if self.generation == 0:
            raise serial.SerialException("device disconnected")
        if not self.sent:
            self.sent = True
            return b"AFTER-REOPEN\r\n"
        time.sleep(self.timeout)
        return b""

    def close(self) -> None:
        pass


def test_scanner_reopens_a_vanished_port_with_backoff():
    opened, codes = [], Collected()

    def open_port(url, **options):
        if len(opened) == 1:
            opened.append(None)
            raise serial.SerialException("not there yet")
        port = VanishingPort(generation=len(opened))
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
    codes = Collected()

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

class ScriptedPort:
    """A scanner port: records what the reader writes and returns queued input."""

    def __init__(self, fail_writes: bool = False) -> None:
        self.timeout = 0.02
        self.written: list[bytes] = []
        self.fail_writes = fail_writes
        self._input = bytearray()
        self._lock = threading.Lock()
        self.closed = False

    def feed(self, data: bytes) -> None:
        with self._lock:
            self._input += data

    @property
    def in_waiting(self) -> int:
        with self._lock:
            return len(self._input)

    def read(self, size: int = 1) -> bytes:
        with self._lock:
            data = bytes(self._input[:size])
            del self._input[:size]
        if not data:
            time.sleep(self.timeout)
        return data

    def write(self, data: bytes) -> int:
        if self.fail_writes:
            raise serial.SerialException("write failed")
        with self._lock:
            self.written.append(bytes(data))
        return len(data)

    def writes(self) -> list[bytes]:
        with self._lock:
            return list(self.written)

    def close(self) -> None:
        self.closed = True


def running(port: ScriptedPort, codes, **options) -> LineScanner:
    scanner = LineScanner(url="/dev/serial/by-id/scanner", on_code=codes,
                          serial_for_url=lambda url, **kw: port, **options)
    scanner.start()
    return scanner


def test_enable_disable_and_trigger_write_the_model_commands():
    port, codes = ScriptedPort(), Collected()
    scanner = running(port, codes, model="datalogic", enabled=False)
    try:
        assert wait_for(lambda: port.writes() == [b"D"])  # the wanted state, sent on open
        scanner.enable()
        scanner.trigger()
        scanner.disable()
        assert wait_for(lambda: port.writes() == [b"D", b"E", b"T", b"D"])
        assert scanner.stats()["commands"] == 4 and scanner.stats()["enabled"] is False
    finally:
        scanner.stop()


def test_line_model_writes_nothing():
    port, codes = ScriptedPort(fail_writes=True), Collected()
    scanner = running(port, codes)
    try:
        scanner.enable(), scanner.trigger(), scanner.disable()
        port.feed(b"HS-1\r\n")
        assert wait_for(lambda: codes == ["HS-1"])
        assert scanner.stats()["commands"] == 0 and scanner.connected()
    finally:
        scanner.stop()


def test_trigger_mode_retriggers_after_each_code_and_when_due():
    port, codes, clock = ScriptedPort(), Collected(), FakeClock()
    scanner = running(port, codes, model=get_model("honeywell", trigger=True), clock=clock, rearm_interval=5.0)
    manual, trigger = b"\x16M\rTRGMOD0!", b"\x16T\r"
    try:
        assert wait_for(lambda: port.writes() == [manual, trigger])
        port.feed(b"HS-1\r\n")
        assert wait_for(lambda: port.writes() == [manual, trigger, trigger])
        assert codes == ["HS-1"]
        clock.now += 5.0
        assert wait_for(lambda: port.writes()[-1:] == [trigger] and len(port.writes()) == 4)
        scanner.disable()
        assert wait_for(lambda: port.writes()[-2:] == [b"\x16U\r", manual])
        clock.now += 50.0
        time.sleep(0.1)
        assert port.writes()[-1] == manual  # no trigger while disabled
    finally:
        scanner.stop()


def test_ssi_codes_are_acknowledged():
    port, codes = ScriptedPort(), Collected()
    scanner = running(port, codes, model="zebra-ssi")
    ack = bytes.fromhex("04 D0 04 00 FF 28")
    try:
        assert wait_for(lambda: port.writes() == [bytes.fromhex("04 E9 04 00 FF 0F")])
        port.feed(ssi_packet(0xF3, b"\x1cQR-1", source=0))
        assert wait_for(lambda: codes == ["QR-1"])
        assert wait_for(lambda: port.writes()[-1] == ack)
    finally:
        scanner.stop()


def test_noise_before_a_pause_is_dropped():
    port, codes, clock = ScriptedPort(), Collected(), FakeClock()
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
    ports: list[ScriptedPort] = []

    def open_port(url, **options):
        ports.append(ScriptedPort(fail_writes=not ports))
        return ports[-1]

    scanner = LineScanner(url="/dev/serial/by-id/scanner", on_code=Collected(), serial_for_url=open_port,
                          model="datalogic", reopen_backoff=(0.01, 0.02))
    scanner.start()
    try:
        assert wait_for(lambda: len(ports) >= 2 and ports[1].writes() == [b"E"])
        scanner.disable()
        assert wait_for(lambda: ports[1].writes() == [b"E", b"D"])
        assert scanner.stats()["reopens"] == 1 and ports[0].closed
    finally:
        scanner.stop()


def test_binary_noise_never_stops_the_reader():
    port, codes = ScriptedPort(), Collected()
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

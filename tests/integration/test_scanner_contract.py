"""The production scanner reader (drivers.scanner.LineScanner) against the simulated
scanner of every model, over in-process ``locksim://``, TCP and a pty."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.scanner import LineScanner
from drivers.scanner_models import get_model
from firmware_sim import Simulator
from firmware_sim.scanner import SimScanner
from firmware_sim.inprocess import InProcessTransport
from firmware_sim.transports import PtyTransport, TcpTransport
from tests.support.net import wait_for

MODELS = ["line", "honeywell", "zebra-ssi", "newland", "datalogic"]
COMMANDED = [m for m in MODELS if m != "line"]
TRANSPORTS = ["inprocess", "tcp", "pty"]
STALE_AFTER = 0.1


class Codes(list):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def __call__(self, code: str) -> None:
        with self.lock:
            self.append(code)

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self)


def reading(scanner: SimScanner) -> bool:
    state = scanner.state()
    return state["enabled"] and (state["mode"] == "presentation" or state["triggered"])


def reader(url: str, model, codes: Codes, **options) -> LineScanner:
    scanner = LineScanner(url=url, on_code=codes, model=model, read_timeout=0.02,
                          stale_after=STALE_AFTER, dedupe_window=0.0, **options)
    scanner.start()
    return scanner


@pytest.fixture(params=TRANSPORTS)
def kind(request):
    return request.param


@pytest.mark.parametrize("model", MODELS)
def test_enable_scan_disable_and_noise(model, kind):
    sim = Simulator(boards=1, scanner_model=model)
    codes = Codes()
    scanner = reader(sim.serve_scanner(kind), model, codes, enabled=False)
    try:
        assert wait_for(scanner.connected)
        if model != "line":
            assert wait_for(lambda: not reading(sim.scanner))
            sim.scan("HS-DISABLED")
            assert sim.state()["scanner"]["dropped"] == 1
        scanner.enable()
        assert wait_for(lambda: reading(sim.scanner))
        sim.scan("Hồ sơ HS-0001")
        assert wait_for(lambda: codes.snapshot() == ["Hồ sơ HS-0001"])

        sim.scanner.noise(b"\x00\xff\xfe\x13\x11garbage")
        time.sleep(STALE_AFTER * 1.5)
        sim.scan("HS-0002")
        assert wait_for(lambda: codes.snapshot()[-1:] == ["HS-0002"])

        scanner.disable()
        if model != "line":
            assert wait_for(lambda: not reading(sim.scanner))
            sim.scan("HS-IGNORED")
            scanner.enable()
            assert wait_for(lambda: reading(sim.scanner))
        sim.scan("HS-0003")
        assert wait_for(lambda: codes.snapshot()[-1:] == ["HS-0003"])
        assert "HS-DISABLED" not in codes and "HS-IGNORED" not in codes
        assert len(codes) == 3
        assert sim.state()["scanner"]["model"] == model
        assert wait_for(lambda: sim.state()["scanner"]["awaiting_ack"] == 0)
    finally:
        scanner.stop()
        sim.close()


def serve(scanner: SimScanner, kind: str):
    if kind == "tcp":
        return TcpTransport(scanner)
    if kind == "pty":
        return PtyTransport(scanner)
    return InProcessTransport(scanner, prefix="scanner")


@pytest.mark.parametrize("model", COMMANDED)
def test_trigger_mode_reads_once_per_trigger_and_the_reader_rearms(model, kind):
    sim_scanner = SimScanner(model=model, trigger_mode=True)
    transport = serve(sim_scanner, kind)
    codes = Codes()
    scanner = reader(transport.url, get_model(model, trigger=True), codes)
    try:
        assert wait_for(lambda: reading(sim_scanner))
        assert sim_scanner.state()["mode"] == "trigger"
        sim_scanner.scan("QR-1")
        assert wait_for(lambda: codes.snapshot() == ["QR-1"])
        assert wait_for(lambda: reading(sim_scanner))  # triggered again for the next code
        sim_scanner.scan("QR-2")
        assert wait_for(lambda: codes.snapshot() == ["QR-1", "QR-2"])

        scanner.disable()
        assert wait_for(lambda: not reading(sim_scanner))
        sim_scanner.scan("QR-NOT-WANTED")
        assert sim_scanner.state()["dropped"] == 1
        scanner.trigger()  # an explicit trigger still works for models that trigger
        scanner.enable()
        assert wait_for(lambda: reading(sim_scanner))
        sim_scanner.scan("QR-3")
        assert wait_for(lambda: codes.snapshot() == ["QR-1", "QR-2", "QR-3"])
    finally:
        scanner.stop()
        transport.close()


def test_zebra_resends_a_code_the_host_nakked_and_reader_acks_it():
    sim = Simulator(boards=1, scanner_model="zebra-ssi")
    codes = Codes()
    scanner = reader(sim.serve_scanner("inprocess"), "zebra-ssi", codes)
    try:
        assert wait_for(scanner.connected)
        packet = sim.scanner.model.encode("HS-77")
        corrupt = packet[:-1] + bytes([packet[-1] ^ 0xFF])
        sim.scanner.noise(corrupt)  # the reader asks for it again; the scanner resends it
        assert wait_for(lambda: codes.snapshot() == ["HS-77"])
        assert wait_for(lambda: sim.state()["scanner"]["awaiting_ack"] == 0)
        assert scanner.stats()["bad_checksum"] == 1
    finally:
        scanner.stop()
        sim.close()


def test_unknown_simulated_model_is_refused():
    from firmware_sim import SimulatorError

    with pytest.raises(SimulatorError) as err:
        Simulator(boards=1, scanner_model="symbol")
    assert err.value.code == "unknown_scanner_model"

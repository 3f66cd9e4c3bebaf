"""The scanner reads only while the kiosk waits for a code."""

from __future__ import annotations

import time

from locker.kiosk import ScannerGate
from tests.support.net import wait_for


class Scanner:
    def __init__(self) -> None:
        self.calls: list[bool] = []

    def set_reading(self, on: bool) -> None:
        self.calls.append(on)


def test_busy_turns_the_scanner_off_and_idle_on():
    scanner = Scanner()
    gate = ScannerGate(scanner, lapse_after=60)
    gate.mode_changed("idle")
    gate.mode_changed("busy")
    gate.mode_changed("busy")
    gate.mode_changed("idle")
    gate.close()
    assert scanner.calls == [True, False, True]


def test_busy_lapses_to_reading_when_the_page_stops_refreshing():
    scanner = Scanner()
    gate = ScannerGate(scanner, lapse_after=0.1)
    gate.mode_changed("busy")
    wait_for(lambda: scanner.calls == [False, True], timeout=5, message="the scanner back on")
    gate.close()


def test_a_refresh_postpones_the_lapse():
    lapse = 1.0
    scanner = Scanner()
    gate = ScannerGate(scanner, lapse_after=lapse)
    try:
        gate.mode_changed("busy")
        first_deadline = time.monotonic() + lapse
        time.sleep(lapse / 2)
        gate.mode_changed("busy")
        second_deadline = time.monotonic() + lapse
        time.sleep(first_deadline + lapse / 4 - time.monotonic())  # past the first deadline
        assert time.monotonic() < second_deadline, "too slow to tell the two deadlines apart"
        assert scanner.calls == [False]
        wait_for(lambda: scanner.calls == [False, True], timeout=5, message="the postponed lapse")
    finally:
        gate.close()


def test_a_failing_scanner_does_not_break_the_kiosk():
    class Broken:
        def set_reading(self, on: bool) -> None:
            raise OSError("unplugged")

    gate = ScannerGate(Broken(), lapse_after=60)
    gate.mode_changed("busy")
    gate.close()


def test_the_runtime_switches_the_real_scanner_with_the_kiosk_mode(tmp_path):
    from api.runtime import Runtime
    from firmware_sim.simulator import Simulator
    from locker.config import config_from_dict

    sim = Simulator(boards=1, scanner_model="datalogic")
    try:
        config = config_from_dict({
            "database": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
            "bus": {"url": sim.serve_bus("inprocess")},
            "scanner": {"url": sim.serve_scanner("inprocess"), "model": "datalogic"},
            "security": {"secret_file": str(tmp_path / "secret")},
            "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "S"}],
        }, env={})
        runtime = Runtime.from_config(config)
        runtime.db.upgrade()
        runtime.start()
        try:
            runtime.service.set_kiosk_mode("scanner", "busy")
            wait_for(lambda: sim.state()["scanner"]["enabled"] is False, timeout=5, message="scanner disabled")
            runtime.service.set_kiosk_mode("scanner", "idle")
            wait_for(lambda: sim.state()["scanner"]["enabled"] is True, timeout=5, message="scanner enabled")
        finally:
            runtime.stop()
    finally:
        sim.close()

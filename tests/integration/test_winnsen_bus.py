"""Winnsen boards on the simulated line, seen by the bus driver."""

from __future__ import annotations

from drivers.bus import LockBusDriver
from firmware_sim.simulator import Simulator


def command(function: int, station: int, lock: int) -> bytes:
    return bytes([0x90, 0x06, function, station, lock, 0x03])


def test_bus_resends_once_after_a_refused_unlock_and_then_reports_a_jam():
    sim = Simulator(boards=1, board_type="winnsen", spring_delay=0.0, board_options={"cooldown": 60.0})
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), protocol="winnsen", boards=[0],
                           listener=lambda event: None, poll_interval=0.05, pulse_time=0.05,
                           open_timeout=0.8, pulse_gap=0.02)
    driver.start()
    try:
        assert driver.unlock(0, 5).result(timeout=3.0) == "released"
        sim.door(0, 5, "close")
        assert driver.unlock(0, 5).result(timeout=3.0) == "jammed"  # refused during the cooldown
        unlocks = [e for e in sim.frames() if e["hex"] == command(0x05, 1, 5).hex(" ").upper()]
        assert len(unlocks) == 3
    finally:
        driver.stop()
        sim.close()

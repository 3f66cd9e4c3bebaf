"""What the bus reports when a board comes back from offline."""

from __future__ import annotations

from drivers.bus import LockBusDriver
from drivers.events import BoardOffline, BoardOnline, LatchChanged
from firmware_sim.simulator import Simulator
from tests.support.net import wait_for


def driver_on(sim, events, **options):
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), boards=[0], listener=events.append,
                           poll_interval=0.03, answer_timeout=0.08, **options)
    driver.start()
    return driver


def test_a_board_back_from_offline_reports_every_lock_afresh():
    sim = Simulator(boards=1)
    events: list = []
    driver = driver_on(sim, events)
    try:
        wait_for(lambda: driver.online(0), message="online")
        sim.fault("offline", board=0)
        wait_for(lambda: BoardOffline(0) in events, message="offline")
        events.clear()
        sim.fault("clear")
        wait_for(lambda: BoardOnline(0) in events, message="back online")
        wait_for(lambda: len([e for e in events if isinstance(e, LatchChanged)]) == 16, message="all 16 locks")
        assert {e.lock for e in events if isinstance(e, LatchChanged)} == set(range(1, 17))
    finally:
        driver.stop()
        sim.close()


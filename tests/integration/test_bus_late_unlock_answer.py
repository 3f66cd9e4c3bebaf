"""A door opened and shut while the bus waits for a late unlock answer (8A: ~500 ms)
is seen through that answer: released, one pulse only, and the close follows."""

from __future__ import annotations

import time

from drivers.bus import LockBusDriver
from drivers.events import LatchChanged, UnlockDone
from firmware_sim.simulator import Simulator
from tests.support.net import wait_for


def test_quick_open_and_close_during_a_late_answer_is_not_pulsed_twice():
    sim = Simulator(boards=1, board_type="8a", board_options={"unlock_reply_delay": 0.5})
    events: list = []
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), protocol="8a", boards=[1], listener=events.append,
                           poll_interval=0.05, open_timeout=2.0)
    driver.start()
    try:
        driver.read_all(timeout=3)
        before = sim.frames()[-1]["n"]
        events.clear()
        outcome = driver.unlock(1, 1)
        wait_for(lambda: sim.lock_state(1, 1)["door"] == "open", timeout=3, message="door open")
        sim.door(1, 1, "close")
        assert outcome.result(timeout=5) == "released"
        wait_for(lambda: LatchChanged(1, 1, latched=True) in events, timeout=3, message="the close")
        time.sleep(0.3)
        mine = [e for e in events if isinstance(e, (LatchChanged, UnlockDone)) and e.lock == 1]
        assert mine[:3] == [LatchChanged(1, 1, latched=False), UnlockDone(1, 1, "released"),
                            LatchChanged(1, 1, latched=True)]
        unlocks = [f for f in sim.frames(before) if f["dir"] == "host>board" and f["hex"].startswith("8A")]
        assert len(unlocks) == 1, unlocks
        assert sim.lock_state(1, 1)["door"] == "closed"
    finally:
        driver.stop()
        sim.close()

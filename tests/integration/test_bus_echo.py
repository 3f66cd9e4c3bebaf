"""An answer that equals the request is not mistaken for the adapter's echo."""

from __future__ import annotations

from drivers.bus import LockBusDriver
from firmware_sim.simulator import Simulator


def test_an_8a_answer_equal_to_the_read_request_is_taken():
    # 8 channels, "latched" read as 0 and every door latched: the answer is 80 01 00 33 B2,
    # byte for byte the read request.
    sim = Simulator(boards=1, board_type="8a", latched_bit=0, board_options={"channels": 8})
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), protocol="8a", boards=[1], latched_bit=0,
                           listener=lambda event: None, protocol_options={"channels": 8})
    driver.start()
    try:
        status = driver.read_all(3)[1]
        assert status is not None and status.latched == (True,) * 8
    finally:
        driver.stop()
        sim.close()

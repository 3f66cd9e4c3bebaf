"""8A/80 boards on the simulated line: the late unlock answer, seen by the bus driver."""

from __future__ import annotations

import threading
import time

import serial

from drivers.bus import LockBusDriver
from firmware_sim.simulator import Simulator
from tests.support.net import wait_for


def bcc(*body: int) -> bytes:
    value = 0
    for byte in body:
        value ^= byte
    return bytes(body) + bytes([value])


def test_simulated_line_answers_unlock_half_a_second_later():
    sim = Simulator(boards=1, board_type="8a", spring_delay=0.0)
    try:
        port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1.0)
        sent = time.monotonic()
        port.write(bcc(0x8A, 1, 1, 0x11))
        answer = port.read(5)
        assert answer == bcc(0x8A, 1, 1, 0x00)
        assert 0.45 <= time.monotonic() - sent < 0.9
        assert sim.frames()[0]["hex"] == "8A 01 01 11 9B"
        port.close()
    finally:
        sim.close()


def test_bus_waits_for_the_late_unlock_answer_even_when_it_equals_the_request():
    """With latched_bit 0 a released lock reads 11: the answer is the request's twin."""
    sim = Simulator(boards=1, board_type="8a", latched_bit=0, spring_delay=0.0,
                    board_options={"unlock_reply_delay": 0.2})
    done = threading.Event()
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), protocol="8a", boards=[1], latched_bit=0,
                           listener=lambda event: None, poll_interval=0.05, pulse_time=0.1)
    assert driver.answer_timeout == 1.5 and driver.baudrate == 9600
    driver.start()
    try:
        assert driver.read_all(timeout=3.0)[1].latched == (True,) * 24
        future = driver.unlock(1, 3)
        future.add_done_callback(lambda _: done.set())
        assert done.wait(3.0) and future.result() == "released"
        entries = sim.frames()
        hexes = [(e["dir"], e["hex"]) for e in entries]
        twin = bcc(0x8A, 1, 3, 0x11).hex(" ").upper()
        unlock = hexes.index(("host>board", twin))
        assert hexes[unlock + 1] == ("board>host", twin)  # nothing was sent over the late answer
        # the answer ended the transaction: the bus did not sit out its 1.5 s timeout
        assert wait_for(lambda: len(sim.frames()) > unlock + 2)
        answered, following = entries[unlock + 1]["t_ns"], sim.frames()[unlock + 2]["t_ns"]
        assert following - answered < 0.5e9
        stats = driver.stats()[1]
        assert stats["errors"]["frame"] == 0 and stats["errors"]["no_answer"] == 0
    finally:
        driver.stop()
        sim.close()

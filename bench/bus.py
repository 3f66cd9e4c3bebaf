"""``bus``: board reads per second through the production bus driver, against the
simulator in process (``locksim://``) and over TCP, next to what a real RS485 line
could carry.

A read is ``02 B0 30 03 SUM`` out (5 bytes) and a 9-byte status frame back: 14
characters of 10 bits (8N1). At 19200 baud that is 7.3 ms of line time, plus the
board's reply delay.
"""

from __future__ import annotations

import time

from drivers.bus import LockBusDriver
from drivers.protocol import get_protocol
from firmware_sim.framelog import BOARD_TO_HOST, HOST_TO_BOARD
from firmware_sim.simulator import Simulator

from .rig import BenchError
from .table import Table, summary_ms

NAME = "bus"
READ_CHARS = 5 + 9
BITS_PER_CHAR = 10
REPLY_DELAY = 0.004  # the simulator's default, used for the theoretical figures too
BAUDS = (9600, 19200, 115200)
COLUMNS = ["transport", "reads", "reads/s", "read p50 ms", "read p95 ms", "read max ms",
           "reply p50 ms", "reply p95 ms", "reply max ms"]
LINE_COLUMNS = ["baud", "line ms/read", "reply delay ms", "ms/read", "max reads/s"]


def run(n: int | None = None) -> list[Table]:
    reads = n or 400
    measured = Table(f"bus: {reads} board reads with LockBusDriver.read_all, one after another", COLUMNS)
    for kind in ("inprocess", "tcp"):
        measured.add(kind, *_measure(kind, reads))
    measured.notes += [
        "read = the read_all call: queued to the bus thread, frame written, status parsed, caller woken",
        "reply = simulator side, from the frame log: request's last byte in -> status frame handed back",
        "the simulator does not throttle to the baud rate: bytes move as fast as the transport allows",
    ]
    return [measured, line_limits()]


def line_limits() -> Table:
    table = Table("bus: the serial line's own limit for the same reads (theoretical, 8N1)", LINE_COLUMNS)
    for baud in BAUDS:
        line = READ_CHARS * BITS_PER_CHAR / baud
        total = line + REPLY_DELAY
        table.add(baud, line * 1000, REPLY_DELAY * 1000, total * 1000, 1 / total)
    table.notes.append(f"{READ_CHARS} characters x {BITS_PER_CHAR} bits / baud + a {REPLY_DELAY * 1000:.0f} ms "
                       "board reply delay (the simulator's); Kerong CU16 boards run at 19200 baud")
    return table


def _measure(kind: str, reads: int) -> list[float]:
    sim = Simulator(boards=1, spring_delay=0.0, reply_delay=REPLY_DELAY)
    # A long poll interval leaves the bus to read_all alone, so every frame is one we timed.
    driver = LockBusDriver(url=sim.serve_bus(kind), boards=[0], listener=lambda event: None, poll_interval=60.0)
    try:
        driver.start()
        if driver.read_all(timeout=5.0)[0] is None:
            raise BenchError(f"the simulated board never answered over {kind}")
        first = sim.log.last_n
        durations = []
        began = time.perf_counter()
        for _ in range(reads):
            started = time.perf_counter()
            if driver.read_all(timeout=2.0)[0] is None:
                raise BenchError(f"a board read over {kind} got no answer")
            durations.append(time.perf_counter() - started)
        elapsed = time.perf_counter() - began
        replies = _reply_times(sim.frames(after=first))
    finally:
        driver.stop()
        sim.close()
    return [reads, reads / elapsed, *summary_ms(durations), *summary_ms(replies)]


def _reply_times(frames: list[dict]) -> list[float]:
    """Seconds from each read request to the status frame that followed it."""
    request = get_protocol("kerong-cu16").read_request(0).hex(" ").upper()
    times, asked_at = [], None
    for frame in frames:
        if frame["dir"] == HOST_TO_BOARD:
            asked_at = frame["t_ns"] if frame["hex"] == request else None
        elif frame["dir"] == BOARD_TO_HOST and asked_at is not None:
            times.append((frame["t_ns"] - asked_at) / 1e9)
            asked_at = None
    return times

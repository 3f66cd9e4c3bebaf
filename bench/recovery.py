"""``recovery``: how long one corrupted answer blinds the bus, against the line's own limit.

The production bus driver reads one simulated board over ``locksim://`` with the
simulator's line paced at the family's baud rate (``SimLine.pace``), so an answer
takes its real wire time. Before each read one answer is corrupted (a bad checksum,
or bytes dropped). The blind time of a corrupted answer is taken from the
simulator's frame log: from the moment its first byte went out to the moment the
driver's next request arrived. The reference is what the line itself imposes: one
answer frame's wire time plus the family's frame silence (the quiet that tells a
broken answer has ended). Target: at most twice the reference.
"""

from __future__ import annotations

from drivers.errors import FrameError
from drivers.families import char_time, family
from drivers.bus import LockBusDriver
from drivers.line import LATENCY_ALLOWANCE
from drivers.protocol import get_protocol
from firmware_sim.framelog import BOARD_TO_HOST, HOST_TO_BOARD
from firmware_sim.runner import bus_options
from firmware_sim.simulator import Simulator

from .rig import BenchError
from .table import Table, percentile, summary_ms

NAME = "recovery"
FAMILIES = ("kerong-cu16", "kerong-cu48", "8a", "winnsen")
FAULTS = ("bad_checksum", "drop_bytes")
TARGET = 2.0
COLUMNS = ["family", "baud", "fault", "corrupted", "silence ms", "answer ms", "reference ms",
           "blind p50 ms", "blind p95 ms", "blind max ms", "p95 / reference", "target met", "good answers cut"]


def run(n: int | None = None) -> list[Table]:
    reads = n or 40
    table = Table(f"recovery: {reads} corrupted answers per row, one read each, line paced at the family's baud rate",
                  COLUMNS)
    for name in FAMILIES:
        for fault in FAULTS:
            table.add(*_measure(name, fault, reads))
    table.notes += [
        "blind = frame log time from the corrupted answer's first byte going out to the driver's next request",
        "reference = the family's frame silence + one answer frame's wire time (8N1, 10 bits a character); "
        f"the driver waits the silence + {LATENCY_ALLOWANCE * 1000:g} ms for host and USB adapter latency",
        "good answers cut = readable answers beyond one per request: the driver took them for broken (bytes "
        "late by more than its wait, on a loaded machine) and read again; each costs a read, never a pulse",
        f"target: blind p95 at most {TARGET:g} x reference; before this driver waited a whole answer timeout "
        "(300 ms; 1500 ms for 8A) plus 20 ms",
    ]
    return [table]


def _measure(name: str, fault: str, reads: int) -> list:
    facts = family(name)
    sim = Simulator(boards=1, board_type=name, spring_delay=0.0, seed=1)
    sim.line.pace(facts.baudrate)
    board = sim.cabinet.addresses[0]
    protocol = get_protocol(name, **bus_options(sim))
    driver = LockBusDriver(url=sim.serve_bus("inprocess"), protocol=protocol, boards=[board],
                           listener=lambda event: None, poll_interval=60.0)
    try:
        driver.start()
        if not any(driver.read_all(timeout=5.0)[board] for _ in range(5)):
            raise BenchError(f"the simulated {name} board never answered")
        first = sim.log.last_n
        for _ in range(reads):
            sim.fault(fault, board=board, count=1)
            if not any(driver.read_all(timeout=10.0)[board] for _ in range(5)):
                raise BenchError(f"{name}: no read got through after a corrupted answer ({fault})")
        blinds, good, answer_chars = _blind_times(sim.frames(after=first), protocol, board)
        # A read needs one readable answer per request, and a read that met a broken answer
        # starts again from its first request; readable answers beyond that were cut.
        cut = good - reads * len(protocol.read_requests(board))
    finally:
        driver.stop()
        sim.close()
    if not blinds:
        raise BenchError(f"{name}: no corrupted answer in the frame log")
    silence = facts.frame_silence(facts.baudrate)
    answer = answer_chars * char_time(facts.baudrate)
    reference = silence + answer
    p95 = percentile(blinds, 95)
    return [name, facts.baudrate, fault, len(blinds), silence * 1000, answer * 1000, reference * 1000,
            *summary_ms(blinds), p95 / reference, "yes" if p95 <= TARGET * reference else "NO", max(0, cut)]


def _blind_times(frames: list[dict], protocol, board: int) -> tuple[list[float], int, int]:
    """Seconds from each unreadable answer to the next request, the readable answers, and
    the length of one."""
    requests = [request.hex(" ").upper() for request in protocol.read_requests(board)]
    blinds, good, good_length, broken_at, asked = [], 0, 0, None, 0
    for frame in frames:
        data = bytes.fromhex(frame["hex"])
        if frame["dir"] == HOST_TO_BOARD:
            if broken_at is not None:
                blinds.append((frame["t_ns"] - broken_at) / 1e9)
            broken_at = None
            asked = requests.index(frame["hex"]) if frame["hex"] in requests else 0
        elif frame["dir"] == BOARD_TO_HOST:
            if _readable(protocol, data, board):
                good, good_length = good + 1, max(good_length, len(data))
            else:
                broken_at = frame["t_ns"]
                good -= asked  # the answers before it in this read are asked again
    return blinds, good, good_length


def _readable(protocol, data: bytes, board: int) -> bool:
    """Whether ``data`` is exactly one answer the driver can read."""
    decoder = protocol.decoder()
    frames = decoder.feed(data)
    if len(frames) != 1 or decoder.junk_bytes or decoder.buffered:
        return False
    return any(_parses(protocol, frames[0], board, request) for request in protocol.read_requests(board))


def _parses(protocol, frame: bytes, board: int, request: bytes) -> bool:
    try:
        protocol.parse_read(frame, board, request)
    except FrameError:
        return False
    return True

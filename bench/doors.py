"""``doors``: a door closing in the simulator to the service's record of it, against one
polling round of the bus, with ten Kerong CU16 boards (160 compartments) on one line.

``locker sim --pace --boards 10`` and ``locker serve`` run as separate processes over TCP
with production settings (poll interval 150 ms, 0.2 s between pulses). A drop-off opens a
compartment; once its door is open the benchmark puts the paper in and closes it
(``POST /sim/door``), at a random moment against the polling. The figure is from just
before that request to the time of the service's ``door_closed`` audit event (the wall
clock of the same machine). ``quiet``: nothing else on the line. ``busy``: each close
shares the line with the next drop-off's unlock and with three corrupted answers
(``bad_checksum`` on the whole bus). A round is the time between two reads of the same
board, from the simulator's frame log; the line needs, for one round, ten read
transactions (5 bytes out, 9 back, 10 bits a character) plus each board's reply delay.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .processes import Cabinet, cabinet_processes
from .rig import BenchError, wait_until
from .table import Table, percentile

NAME = "doors"
BOARDS = 10
REPLY_DELAY = 0.004  # the simulator's
READ_CHARS = 5 + 9
TARGET_ROUNDS = 1.2
BATCH = 16
#: One kiosk makes every drop-off here; its limit against a flood is lifted (no bearing on door events).
KIOSK = "\n[kiosk]\ndropoffs_per_minute = 600\n"
PART_COLUMNS = ["part", "p50 ms", "p99 ms", "floor ms"]
PART_FLOORS = {"request wire": lambda baud: 5 * 10 / baud * 1000, "board reply delay": lambda baud: REPLY_DELAY * 1000,
               "answer wire": lambda baud: 9 * 10 / baud * 1000, "host turnaround": lambda baud: 0.0}
COLUMNS = ["line use", "closes", "record p50 ms", "record p99 ms", "record max ms", "round p50 ms",
           "round p99 ms", "line round ms", "p99 / round p50", "target met"]


def run(n: int | None = None) -> list[Table]:
    closes = n or 160
    table = Table(f"doors: door closed in the simulator -> the service's record, {BOARDS} CU16 boards, "
                  f"{closes} closes per row, paced line", COLUMNS)
    with tempfile.TemporaryDirectory(prefix="locker-bench-doors-") as tmp:
        with cabinet_processes(Path(tmp), boards=BOARDS, pace=True, extra=KIOSK) as cab:
            baud = int(cab.bus.get("baudrate", 19200))
            line_round = BOARDS * (READ_CHARS * 10 / baud + REPLY_DELAY) * 1000
            bench = Doors(cab)
            parts = Table("doors: where a polling round goes, per read transaction (frame log, quiet line)",
                          PART_COLUMNS)
            for busy in (False, True):
                first = cab.last_frame()
                records = bench.measure(closes, busy=busy)
                frames = cab.frames(first)
                table.add(*_row("busy" if busy else "quiet", records, poll_rounds(frames, cab), line_round))
                if not busy:
                    for name, values in transaction_parts(frames).items():
                        parts.add(name, percentile(values, 50), percentile(values, 99), PART_FLOORS[name](baud))
    table.notes += [
        "record: POST /sim/door close sent -> time of the service's door_closed audit event (same machine's clock)",
        "round: between two read requests of the same board, from the simulator's frame log (t_first_ns)",
        f"line round: {BOARDS} x ({READ_CHARS} characters x 10 bits / baud + {REPLY_DELAY * 1000:g} ms reply delay)",
        f"target: record p99 at most {TARGET_ROUNDS:g} rounds (round p50 measured in the same run)",
        "busy: each close shares the line with the next drop-off's unlock and three corrupted answers",
    ]
    parts.notes.append("host turnaround: the answer's last byte -> the next request's first byte (the driver "
                       "parsing, emitting events, choosing the next transaction; both processes' scheduling)")
    return [table, parts]


def transaction_parts(frames: list[dict]) -> dict[str, list[float]]:
    """Milliseconds of each part of the read transactions in ``frames`` (request, the board's
    reply delay, answer, host turnaround), from first and last byte times."""
    parts: dict[str, list[float]] = {name: [] for name in PART_FLOORS}
    for request, answer, after in zip(frames, frames[1:], frames[2:]):
        if (request["dir"], answer["dir"], after["dir"]) != ("host>board", "board>host", "host>board"):
            continue
        if request["hex"].split()[2:3] != ["30"]:
            continue
        for name, (start, end) in (("request wire", (request["t_first_ns"], request["t_last_ns"])),
                                   ("board reply delay", (request["t_last_ns"], answer["t_first_ns"])),
                                   ("answer wire", (answer["t_first_ns"], answer["t_last_ns"])),
                                   ("host turnaround", (answer["t_last_ns"], after["t_first_ns"]))):
            parts[name].append((end - start) / 1e6)
    return parts


def _row(kind: str, records: list[float], rounds: list[float], line_round: float) -> list:
    if not records or not rounds:
        raise BenchError(f"{kind}: no door record or no polling round measured")
    p99, round_p50 = percentile(records, 99), percentile(rounds, 50)
    ratio = p99 / round_p50
    return [kind, len(records), percentile(records, 50), p99, max(records), round_p50, percentile(rounds, 99),
            line_round, ratio, "met" if ratio <= TARGET_ROUNDS else "missed"]


def poll_rounds(frames: list[dict], cab: Cabinet) -> list[float]:
    """Milliseconds between two read requests of the same board."""
    last: dict[str, int] = {}
    rounds = []
    for frame in frames:
        data = frame["hex"].split()
        if frame["dir"] != "host>board" or len(data) != 5 or data[2] != "30":
            continue
        if data[1] in last:
            rounds.append((frame["t_first_ns"] - last[data[1]]) / 1e6)
        last[data[1]] = frame["t_first_ns"]
    return rounds


class Doors:
    def __init__(self, cab: Cabinet) -> None:
        self.cab = cab
        self.serial = 0
        self.seq = 0
        self.rng = random.Random(12)

    def measure(self, closes: int, *, busy: bool) -> list[float]:
        records: list[float] = []
        while len(records) < closes:
            labels = [self._dropoff()]
            closed: list[tuple[str, int]] = []
            for i in range(min(BATCH, closes - len(records))):
                self._wait_open(labels[i])
                if busy:
                    labels.append(self._dropoff())
                    self.cab.sim_post("/sim/fault", {"kind": "bad_checksum", "count": 3})
                time.sleep(self.rng.uniform(0, 0.2))  # any moment against the polling
                closed.append((labels[i], self._close(labels[i])))
                if not busy and i + 1 < min(BATCH, closes - len(records)):
                    labels.append(self._dropoff())
            records += self._records(closed)
            self._collect(labels, measured=[label for label, _ in closed])
        return records

    def _dropoff(self) -> str:
        self.serial += 1
        status, answer = self.cab.post("/api/v1/dropoffs", {"dossier_code": f"BD-{self.serial:06d}",
                                                            "phone": "0912345678", "size": "S"})
        if status != 201:
            raise BenchError(f"drop-off answered {status}: {answer}")
        return answer["compartment"]

    def _wait_open(self, label: str) -> None:
        where = self.cab.where[label]
        wait_until(lambda: self.cab.doors()[where] == "open", timeout=30, what=f"{label} to open", interval=0.01)

    def _close(self, label: str) -> int:
        board, lock = self.cab.where[label]
        self.cab.sim_post("/sim/item", {"board": board, "lock": lock, "present": True})
        sent = time.time_ns()
        self.cab.sim_post("/sim/door", {"board": board, "lock": lock, "action": "close"})
        return sent

    def _records(self, closed: list[tuple[str, int]]) -> list[float]:
        wanted = {label: sent for label, sent in closed}
        found: dict[str, float] = {}

        def look() -> bool:
            for event in self.cab.get(f"/api/v1/events?after={self.seq}&limit=1000", clerk=True):
                self.seq = event["seq"]
                label = event["compartment"]
                if event["kind"] != "door_closed" or label not in wanted or label in found:
                    continue
                at = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp() * 1e9
                found[label] = (at - wanted[label]) / 1e6
            return len(found) == len(wanted)
        wait_until(look, timeout=60, what="the service to record every closed door", interval=0.05)
        return [found[label] for label, _ in closed]

    def _collect(self, labels: list[str], *, measured: list[str]) -> None:
        """Empty the batch: a drop-off still open is closed with its paper too, then a clerk
        collects every one."""
        for label in labels:
            if label not in measured:
                self._wait_open(label)
                self._close(label)
        stored = labels
        wait_until(lambda: all(self.cab.states()[label] == "holding_dropoff" for label in stored), timeout=60,
                   what="the drop-offs to be stored", interval=0.05)
        for label in stored:
            status, answer = self.cab.post("/api/v1/collections", {"compartment": label}, clerk=True)
            if status != 201:
                raise BenchError(f"collection of {label} answered {status}: {answer}")
        for label in stored:
            self._wait_open(label)
            board, lock = self.cab.where[label]
            self.cab.sim_post("/sim/item", {"board": board, "lock": lock, "present": False})
            self.cab.sim_post("/sim/door", {"board": board, "lock": lock, "action": "close"})
        wait_until(lambda: all(self.cab.states()[label] == "free" for label in labels), timeout=60,
                   what="the batch's compartments to be free again", interval=0.05)
        while events := self.cab.get(f"/api/v1/events?after={self.seq}&limit=1000", clerk=True):
            self.seq = events[-1]["seq"]  # the collections' closes are not measured

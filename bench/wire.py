"""``wire``: a pickup to its unlock frame on the bus, through the whole service.

``locker sim`` and ``locker serve`` run as separate processes over TCP with production
settings (docs/PERFORMANCE.md, "Scan to unlock"). Results are loaded and made ready a
round at a time (one per compartment), then picked up alternately by scanning the QR
link of their SMS (``POST /sim/scan``: the simulator's scanner sends it over TCP) and
by ``POST /api/v1/pickups`` with the code. Each figure is one pickup:

* scan: from the QR's last byte leaving the simulated scanner to the unlock frame's
  last byte on the bus (both ``time.monotonic_ns()`` of the simulator, one clock);
* REST: from just before the request is sent to that same last byte.

Beside them: the wire time of both frames, the time the line was busy with another
transaction when the pickup wanted it (a poll in progress), and one durable commit
(an fsync'd SQLite commit of one row in WAL mode, like the service's) on the same disk,
measured in the same run. Each pickup starts at least the pulse gap after the previous
unlock frame, so the gap is not in the figure; the doors open and are recorded while
later pickups run, as in a busy office.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import time
from pathlib import Path

from .processes import Cabinet, cabinet_processes
from .rig import BenchError, wait_until
from .table import Table, percentile

NAME = "wire"
PULSE_GAP = 0.2  # the production driver's (drivers.bus.LockBusDriver)
TARGET_MS = 5.0
BITS_PER_CHAR = 10
COLUMNS = ["line", "path", "pickups", "total p50 ms", "total p99 ms", "line busy p99 ms", "unlock wire ms",
           "QR wire ms", "software p50 ms", "software p99 ms", "commit p50 ms", "commit p99 ms",
           "beyond commit p99 ms", "target met"]
PHONE = "0912345678"
LINK = re.compile(r"\S+/q/\S+")
CODE = re.compile(r"(?<!\d)\d{8}(?!\d)")


def run(n: int | None = None) -> list[Table]:
    pickups = n or 1000
    table = Table(f"wire: pickup -> unlock frame on the bus, {pickups} pickups per path and line, "
                  "locker serve + locker sim over TCP", COLUMNS)
    with tempfile.TemporaryDirectory(prefix="locker-bench-wire-") as tmp:
        for pace in (True, False):
            workdir = Path(tmp) / ("paced" if pace else "unpaced")
            workdir.mkdir()
            with cabinet_processes(workdir, pace=pace) as cab:
                bench = Pickups(cab)
                figures = bench.measure(pickups)
                commits = durable_commits(workdir, 200)
            if bench.lost:
                table.notes.append(f"{'paced' if pace else 'unpaced'}: {bench.lost} doors never opened after a pulse "
                                   "(their board missed its answers: the machine's load) and were left out")
            line = f"paced {cab.bus.get('baudrate', 19200)}" if pace else "unpaced"
            for path in ("scan", "REST"):
                table.add(line, path, *_row(figures[path], commits, cab, path))
    table.notes += [
        "total: scan = QR's last byte out of the scanner -> unlock frame's last byte on the bus; "
        "REST = request sent -> that byte",
        "line busy: the transaction just before the unlock frame (a poll), from the later of its start and "
        "the pickup's, to its answer's last byte: an upper bound of the wait for the line",
        "software = total - line busy - unlock wire; beyond commit = software p99 - commit p99 "
        f"(target: at most {TARGET_MS:g} ms)",
        "commit: one row INSERT + COMMIT, SQLite WAL, synchronous FULL, in the service's data directory",
        "unpaced: bytes move as fast as loopback TCP; its wire times are those the frame log saw (0)",
    ]
    return [table]


def _row(samples: list[dict], commits: list[float], cab: Cabinet, path: str) -> list:
    def p(key: str, q: float) -> float:
        return percentile([s[key] for s in samples], q)
    commit_p99 = percentile(commits, 99)
    beyond = p("software", 99) - commit_p99
    qr_wire = p("qr_chars", 50) * BITS_PER_CHAR / cab.scanner_baud * 1000 if path == "scan" else 0.0
    return [len(samples), p("total", 50), p("total", 99), p("busy", 99), p("wire", 50), qr_wire,
            p("software", 50), p("software", 99), percentile(commits, 50), commit_p99, beyond,
            "met" if beyond <= TARGET_MS else "missed"]


def durable_commits(directory: Path, count: int) -> list[float]:
    """Milliseconds of ``count`` one-row commits, fsync'd, on the disk of ``directory``."""
    path = directory / "commit-probe.db"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT)")
        times = []
        for i in range(count):
            began = time.perf_counter_ns()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO probe (body) VALUES (?)", (f"row {i}",))
            db.execute("COMMIT")
            times.append((time.perf_counter_ns() - began) / 1e6)
        return times
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _line_busy(frames: list[dict], began: int) -> int:
    """Nanoseconds the unlock frame waited for the transaction before it, at most: the part of
    that transaction (request's first byte to answer's last) after the pickup began."""
    unlock, before = frames[-1], frames[:-1]
    requests = [f for f in before if f["dir"] == "host>board"]
    if not requests:
        return 0
    start = requests[-1]["t_first_ns"]
    answers = [f["t_last_ns"] for f in before if f["dir"] == "board>host" and f["n"] > requests[-1]["n"]]
    end = min(unlock["t_first_ns"], max(answers, default=requests[-1]["t_last_ns"]))
    return max(0, end - max(began, start))


class Pickups:
    def __init__(self, cab: Cabinet) -> None:
        self.cab = cab
        self.serial = 0
        self.last_pulse_ns = 0
        #: Results whose door never opened (a board that missed its answers on a loaded machine).
        self.lost = 0

    def measure(self, per_path: int) -> dict[str, list[dict]]:
        figures: dict[str, list[dict]] = {"scan": [], "REST": []}
        while min(len(v) for v in figures.values()) < per_path:
            ready = self._ready_round(2 * per_path - sum(len(v) for v in figures.values()))
            for i, result in enumerate(ready):
                path = "scan" if i % 2 == 0 else "REST"
                if len(figures[path]) < per_path:
                    figures[path].append(self._pickup(path, result))
            self._empty([label for _, label, _, _ in ready])
        return figures

    # ---- one pickup -----------------------------------------------------------------------

    def _pickup(self, path: str, result: tuple[str, str, str, str]) -> dict:
        dossier, label, code, link = result
        wait = self.last_pulse_ns / 1e9 + PULSE_GAP + 0.03 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        first = self.cab.last_frame()
        if path == "scan":
            sent = self.cab.sim_post("/sim/scan", {"data": link})
            if sent["t_last_ns"] is None:
                raise BenchError("the service's scanner reader is not connected to the simulator")
            began = sent["t_last_ns"]
        else:
            began = time.monotonic_ns()
            status, answer = self.cab.post("/api/v1/pickups", {"dossier_code": dossier, "code": code})
            if status != 201:
                raise BenchError(f"pickup of {dossier} answered {status}: {answer}")
        frames = wait_until(lambda: self._through_unlock(first, label), what=f"the unlock frame of {label}")
        unlock = frames[-1]
        self.last_pulse_ns = unlock["t_last_ns"]
        busy = _line_busy(frames, began)
        wire = unlock["t_last_ns"] - unlock["t_first_ns"]
        return {"total": (unlock["t_last_ns"] - began) / 1e6, "busy": busy / 1e6, "wire": wire / 1e6,
                "software": (unlock["t_first_ns"] - began - busy) / 1e6, "qr_chars": len(link) + 2}

    def _through_unlock(self, after: int, label: str) -> list[dict] | None:
        board, lock = self.cab.where[label]
        body = bytes([0x02, (board << 4) | (lock - 1), 0x31, 0x03])
        wanted = (body + bytes([sum(body) & 0xFF])).hex(" ").upper()
        frames = self.cab.frames(after)
        for i, frame in enumerate(frames):
            if frame["dir"] == "host>board" and frame["hex"] == wanted:
                return frames[:i + 1]
        return None

    # ---- rounds ---------------------------------------------------------------------------

    def _ready_round(self, wanted: int) -> list[tuple[str, str, str, str]]:
        """Up to one result per compartment, loaded, closed in, ready: (dossier, label, code, QR link)."""
        loaded = []
        free = [c["size"] for c in self.cab.get("/api/v1/compartments", clerk=True) if c["state"] == "free"]
        if not free:
            raise BenchError("no compartment is free any more")
        for size in free[:wanted]:
            self.serial += 1
            dossier = f"BW-{self.serial:06d}"
            status, answer = self.cab.post("/api/v1/results", {"dossier_code": dossier, "phone": PHONE, "size": size},
                                           clerk=True)
            if status != 201:
                raise BenchError(f"loading {dossier} answered {status}: {answer}")
            loaded.append((dossier, answer["compartment"], answer["id"]))
        opened = self._wait_doors([label for _, label, _ in loaded], "open")
        self.lost += len(loaded) - len(opened)
        loaded = [entry for entry in loaded if entry[1] in opened]
        for _, label, _ in loaded:
            self.cab.close(label, item=True)
        wait_until(lambda: all(self.cab.get(f"/api/v1/results/{rid}", clerk=True)["status"] == "ready"
                               for _, _, rid in loaded), timeout=60, what="the loaded results to be ready")
        self.last_pulse_ns = time.monotonic_ns()
        return [(dossier, label, *wait_until(lambda d=dossier: self._sms_of(d), timeout=60, what=f"SMS of {dossier}"))
                for dossier, label, _ in loaded]

    def _sms_of(self, dossier: str) -> tuple[str, str] | None:
        texts = [m["text"] for m in list(self.cab.sms.messages) if dossier in m["text"]]
        links = [found.group(0) for t in texts if (found := LINK.search(t))]
        codes = [found.group(0) for t in texts if "/q/" not in t and (found := CODE.search(t))]
        return (codes[-1], links[-1]) if codes and links else None

    def _empty(self, labels: list[str]) -> None:
        """The citizens take their papers and close the doors; every compartment ends free."""
        opened = self._wait_doors(labels, "open")
        self.lost += len(labels) - len(opened)
        for label in opened:
            self.cab.close(label, item=False)
        wait_until(lambda: all(self.cab.states()[label] == "free" for label in opened), timeout=60,
                   what="the round's compartments to be free again", interval=0.05)

    def _wait_doors(self, labels: list[str], door: str, timeout: float = 30) -> list[str]:
        """The doors of ``labels`` that reached ``door`` within ``timeout`` (all, or BenchError if none)."""
        def there() -> list[str]:
            doors = self.cab.doors()
            return [label for label in labels if doors[self.cab.where[label]] == door]
        deadline = time.monotonic() + timeout
        while len(reached := there()) < len(labels) and time.monotonic() < deadline:
            time.sleep(0.02)
        if labels and not reached:
            raise BenchError(f"none of {len(labels)} doors became {door}")
        return reached

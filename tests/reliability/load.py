"""Load (issue 12, "What must be proven", 5): concurrent HTTP clients against ``locker
serve`` and ``locker sim`` as separate processes, mixing reads (the compartment listing,
``/healthz``, a dossier lookup), drop-offs, result loads and pickups with the right
codes, while people at the simulated cabinet shut every door that opens (putting the
dossier in, or taking the result out). Every answer must be one the API documents for
the situation: no 5xx, no connection error, no "database is locked"; afterwards, once
the cabinet has settled, the simulator's items and the database agree (the crash
harness's checks) and the audit chain verifies.

    python -m tests.reliability.load --clients 100 --seconds 60 --db sqlite      (make reliability-load)
    python -m tests.reliability.load --clients 100 --seconds 60 --db postgresql

The short form (5 s on SQLite) runs in the default suite (tests/e2e/test_load_short.py).
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.e2e.conftest import Cabinet, running_cabinet
from tests.reliability.crash import CrashRun
from tests.support.sms_gateway import SmsGateway

EXTRA = "[kiosk]\ndropoffs_per_minute = 600\n"
#: Answers that are the API's word for the situation (a full cabinet, a code already used by a
#: faster client, a compartment a clerk asked for that is busy), not failures.
EXPECTED = {200, 201, 403, 404, 409}
PHONE = "0912345678"
SETTLE_S = 300.0


@dataclass
class LoadTally:
    requests: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    settle_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        total = sum(self.requests.values())
        return "\n".join([
            f"requests: {total} in {self.seconds:.0f} s ({total / max(self.seconds, 1e-9):.0f}/s); "
            + ", ".join(f"{k} {n}" for k, n in sorted(self.requests.items())),
            "answers: " + ", ".join(f"{k} {n}" for k, n in sorted(self.answers.items())),
            f"latency p50 {lat[len(lat) // 2] * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms",
            f"settled {self.settle_seconds:.0f} s after the clients stopped (unlocks queued on the bus)",
            f"errors: {len(self.errors)}", *(f"  - {e}" for e in self.errors[:20]),
            f"consistency problems: {len(self.problems)}", *(f"  - {p}" for p in self.problems[:20])])


class Load:
    def __init__(self, cab: Cabinet, *, seed: int) -> None:
        self.cab = cab
        self.seed = seed
        self.tally = LoadTally()
        self.lock = threading.Lock()
        self.stop = threading.Event()          # the clients stop
        self.people_leave = threading.Event()  # the people at the cabinet go home
        self.serial = 0
        self.claimed: set[str] = set()
        self.holding: list[str] = []  # compartments holding a drop-off, as the last listing showed

    def client(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        session = requests.Session()
        while not self.stop.is_set():
            kind = rng.choices(["list", "health", "dossier", "dropoff", "result", "pickup", "collection"],
                               [4, 3, 2, 2, 1, 3, 1])[0]
            self.one(session, rng, kind)

    def one(self, session: requests.Session, rng: random.Random, kind: str) -> None:
        with self.lock:
            self.serial += 1
            serial = self.serial
        method, path, body, clerk = self.request(rng, kind, serial)
        if path is None:
            return
        started = time.monotonic()
        try:
            answer = session.request(method, self.cab.api + path, json=body, timeout=30,
                                     headers=self.cab.clerk if clerk else {})
            status, text = answer.status_code, answer.text
        except requests.RequestException as exc:
            status, text = 0, repr(exc)
        if kind == "list" and status == 200:
            self.holding = [c["label"] for c in answer.json() if c["state"] == "holding_dropoff"]
        with self.lock:
            self.tally.latencies.append(time.monotonic() - started)
            self.tally.requests[kind] += 1
            self.tally.answers[f"{kind} {status}"] += 1
            if status not in EXPECTED or "database is locked" in text or "locked" in text.lower() and status >= 500:
                self.tally.errors.append(f"{method} {path} -> {status}: {text[:200]}")

    def request(self, rng: random.Random, kind: str, serial: int) -> tuple[str, str | None, dict | None, bool]:
        size = rng.choice("SML")
        if kind == "list":
            return "GET", "/api/v1/compartments", None, True
        if kind == "health":
            return "GET", "/healthz", None, False
        if kind == "dossier":
            return "GET", f"/api/v1/dossiers/HS-L{rng.randint(1, max(serial, 1))}", None, True
        if kind == "dropoff":
            return "POST", "/api/v1/dropoffs", {"dossier_code": f"HS-L{serial}", "phone": PHONE, "size": size}, False
        if kind == "result":
            return "POST", "/api/v1/results", {"dossier_code": f"KQ-L{serial}", "phone": PHONE, "size": size}, True
        if kind == "collection":
            holding = self.holding
            return ("POST", "/api/v1/collections", {"compartment": rng.choice(holding)}, True) if holding else \
                ("GET", None, None, False)
        codes = self.ready_codes()
        if not codes:
            return "GET", None, None, False
        dossier, code = rng.choice(codes)
        with self.lock:
            if dossier in self.claimed:
                return "GET", None, None, False
            self.claimed.add(dossier)  # one citizen per result: a used code would count as a guess
        return "POST", "/api/v1/pickups", {"dossier_code": dossier, "code": code}, False

    def ready_codes(self) -> list[tuple[str, str]]:
        found = []
        for message in list(self.cab.sms.messages):
            words = message["text"].replace(":", " ").split()
            dossiers = [w for w in words if w.startswith("KQ-L")]
            codes = [w.strip(".,") for w in words if len(w.strip(".,")) == 8 and w.strip(".,").isdigit()]
            if dossiers and codes:
                found.append((dossiers[0].strip(".,"), codes[0]))
        return found

    def people(self) -> None:
        """Whoever stands at an open door finishes their business and shuts it."""
        while not self.people_leave.is_set():
            self.shut_open_doors()
            time.sleep(0.05)

    def shut_open_doors(self) -> None:
        try:
            state = requests.get(self.cab.sim + "/sim/state", timeout=10).json()
            comps = self.cab.service_compartments()
        except (requests.RequestException, AssertionError) as exc:
            print("people:", repr(exc)[:300], file=sys.stderr)
            return
        by_lock = {self.cab.lock_of(label): comps[label] for label in self.cab.compartments if label in comps}
        for board in state["boards"]:
            for lock in board["locks"]:
                comp = by_lock.get((board["address"], lock["lock"]))
                if lock["door"] == "open" and comp is not None:
                    putting_in = self.putting_in(comp)
                    try:
                        self.cab.close_door(comp["label"], item=putting_in)
                    except (AssertionError, requests.RequestException) as exc:
                        print("people:", repr(exc)[:300], file=sys.stderr)  # the next round tries again


    @staticmethod
    def putting_in(comp: dict) -> bool:
        """A reserved compartment is being filled; one holding something is being emptied."""
        return comp["state"] in ("reserved", "free")


def idle_connections(cab: Cabinet, count: int) -> list[socket.socket]:
    """Connections that stay open and ask nothing (idle keep-alive clients, console pages)."""
    address = urlsplit(cab.api)
    return [socket.create_connection((address.hostname, address.port), timeout=10) for _ in range(count)]


def run(*, clients: int, seconds: float, seed: int, workdir: Path, db_url: str | None = None,
        idle: int = 0) -> LoadTally:
    """``idle`` more connections stay open, asking nothing, while the clients run."""
    gateway = SmsGateway()
    sqlite_path = workdir / "locker.db"
    try:
        with running_cabinet(workdir, db_url or f"sqlite:///{sqlite_path}", gateway, extra=EXTRA) as cab, \
                ExitStack() as held:
            for connection in idle_connections(cab, idle):
                held.callback(connection.close)
            load = Load(cab, seed=seed)
            threads = [threading.Thread(target=load.client, args=(n,), daemon=True) for n in range(clients)]
            people = threading.Thread(target=load.people, daemon=True)
            started = time.monotonic()
            for thread in [*threads, people]:
                thread.start()
            time.sleep(seconds)
            load.stop.set()
            for thread in threads:
                thread.join(60)
                if thread.is_alive():
                    load.tally.errors.append("a client still waiting 60 s after the end (deadlock?)")
            load.tally.seconds = time.monotonic() - started
            checker = CrashRun(cab, seed=seed, db_path=None if db_url else sqlite_path, db_url=db_url)
            checker.settle(timeout=SETTLE_S)  # the unlocks still queued on the bus, their doors shut by the people
            load.people_leave.set()
            people.join(30)
            load.tally.settle_seconds = time.monotonic() - started - load.tally.seconds
            checker.check_consistency()
            checker.verify_audit()
            load.tally.problems = checker.tally.problems
            return load.tally
    finally:
        gateway.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="locker-load-") as tmp, ExitStack() as stack:
        db_url = None
        if args.db == "postgresql":
            from tests.support.postgres import start_cluster
            cluster = start_cluster()
            stack.callback(cluster.stop)
            db_url = cluster.create_database()
        tally = run(clients=args.clients, seconds=args.seconds, seed=args.seed, workdir=Path(tmp), db_url=db_url)
    print(f"load: {args.clients} clients, {args.seconds:.0f} s, {args.db}, seed {args.seed}")
    print(tally.summary())
    return 1 if tally.errors or tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())

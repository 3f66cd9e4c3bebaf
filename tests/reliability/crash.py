"""Crash harness (issue 12, "What must be proven", 1).

Drop-offs, result loads, pickups and collections run through ``locker serve`` and
``locker sim`` as separate processes; the service is killed with SIGKILL at seeded
random points of an operation:

* ``in_request``: while the request is being handled (before or after the intent commits);
* ``after_intent``: as soon as the 201 arrives (the intent is committed, the pulse may not be sent);
* ``after_pulse``: as soon as the unlock frame shows in ``/sim/frames`` (before the door opens);
* ``door_open``: with the door open, before the person acts;
* ``door_closed``: right after the person shut the door, before the service could record it.

The person at the cabinet goes on as a person would: whatever door stands open gets
its dossier put in (drop-off, result load) or taken out (pickup, collection) and is
shut, while the service is down or after it is back. After each restart, once the
cabinet has settled, the harness checks that every item in the simulator is known to
the database and every held compartment holds an item, that no compartment (and no
dossier) has two active assignments, that no credential completed two pickups, that
the operation sent at most one unlock frame, and that ``locker audit verify`` passes.
At the end every used pickup code is tried again and must open nothing.

    python -m tests.reliability.crash --kills 200 --seed 1      (make reliability-crash)

The short form runs in the default suite (tests/e2e/test_crash_harness.py).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy

from tests.e2e.conftest import Cabinet, running_cabinet
from tests.support.net import wait_for
from tests.support.sms_gateway import SmsGateway

KILL_POINTS = ("in_request", "after_intent", "after_pulse", "door_open", "door_closed")
PUTS_IN = {"dropoff": True, "result": True, "pickup": False, "collection": False}
HOLDING = ("holding_dropoff", "holding_result")
PHONE = "0912345678"
SETTLE_S = 30.0
EXTRA = "[kiosk]\ndropoffs_per_minute = 600\n"


@dataclass
class Tally:
    """What a run did and found."""

    kills: Counter = field(default_factory=Counter)
    operations: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    checks: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    def summary(self) -> str:
        lines = [f"kills: {self.total_kills} ({', '.join(f'{k} {n}' for k, n in sorted(self.kills.items()))})",
                 f"operations: {', '.join(f'{k} {n}' for k, n in sorted(self.operations.items()))}",
                 f"outcomes: {', '.join(f'{k} {n}' for k, n in sorted(self.outcomes.items()))}",
                 f"consistency checks after restarts: {self.checks}",
                 f"problems: {len(self.problems)}", f"seconds: {self.seconds:.0f}"]
        return "\n".join(lines + [f"  - {p}" for p in self.problems])


class CrashRun:
    def __init__(self, cab: Cabinet, *, seed: int, db_path: Path | None = None, db_url: str | None = None,
                 verify_each: bool = True) -> None:
        """``db_path`` of an SQLite database, or else ``db_url`` (PostgreSQL)."""
        self.cab = cab
        self.db_url = db_url
        self.verify_each = verify_each
        self.rng = random.Random(seed)
        self.db_path = db_path
        self.tally = Tally()
        self.codes: dict[str, str] = {}  # result dossier code -> its pickup code (from the SMS)
        self.used_codes: list[tuple[str, str]] = []
        self.serial = 0

    # ---- one operation --------------------------------------------------------------

    def choose(self) -> tuple[str, str, dict, bool] | None:
        """(kind, path, body, as clerk) for an operation the cabinet can do now."""
        comps = self.cab.service_compartments().values()
        free = [c for c in comps if c["state"] == "free"]
        dropoffs = [c["label"] for c in comps if c["state"] == "holding_dropoff"]
        ready = [c["dossier_code"] for c in comps if c["state"] == "holding_result" and self.code_of(c["dossier_code"])]
        options = []
        if len(free) > 2:
            options += ["dropoff", "result"]
        if dropoffs:
            options.append("collection")
        if ready:
            options += ["pickup", "pickup"]
        if not options:
            return None
        kind = self.rng.choice(options)
        self.serial += 1
        size = self.rng.choice("SML")
        if kind == "dropoff":
            return kind, "/api/v1/dropoffs", {"dossier_code": f"HS-C{self.serial}", "phone": PHONE, "size": size}, False
        if kind == "result":
            return kind, "/api/v1/results", {"dossier_code": f"KQ-C{self.serial}", "phone": PHONE, "size": size}, True
        if kind == "collection":
            return kind, "/api/v1/collections", {"compartment": self.rng.choice(dropoffs)}, True
        dossier = self.rng.choice(ready)
        return kind, "/api/v1/pickups", {"dossier_code": dossier, "code": self.code_of(dossier)}, False

    def code_of(self, dossier: str) -> str | None:
        if dossier not in self.codes:
            for message in list(self.cab.sms.messages):
                found = re.findall(r"(?<!\d)\d{8}(?!\d)", message["text"])
                if dossier in message["text"] and found:
                    self.codes[dossier] = found[0]
        return self.codes.get(dossier)

    def operate(self, point: str | None) -> None:
        choice = self.choose()
        if choice is None:
            raise AssertionError("the cabinet has nothing left to do")
        kind, path, body, clerk = choice
        self.tally.operations[kind] += 1
        mark = self.cab.last_frame_number()
        killed = self.run_until(point, kind, path, body, clerk, mark)
        if killed:
            self.tally.kills[point] += 1
            self.after_kill(kind)
        self.settle()
        self.check(mark, kind, body)

    def run_until(self, point: str | None, kind: str, path: str, body: dict, clerk: bool, mark: int) -> bool:
        """Runs the operation, killing the service at ``point``; True once it was killed."""
        if point == "in_request":
            worker = threading.Thread(target=self.quietly_post, args=(path, body, clerk))
            worker.start()
            time.sleep(self.rng.uniform(0.0, 0.04))
            self.cab.kill_service()
            worker.join(15)
            return True
        response = self.cab.post(path, body, clerk=clerk)
        if response.status_code != 201:
            self.tally.outcomes[f"{kind} refused {response.status_code}"] += 1
            return False
        if point == "after_intent":
            self.cab.kill_service()
            return True
        label = response.json()["compartment"]
        if point == "after_pulse":
            wait_for(lambda: self.cab.unlock_frames_since(mark), timeout=10, interval=0.002,
                     message=f"the unlock frame of {label}")
            self.cab.kill_service()
            return True
        self.cab.wait_door(label, "open", timeout=15)
        if point == "door_open":
            self.cab.kill_service()
            return True
        if kind == "pickup":
            self.used_codes.append((body["dossier_code"], body["code"]))
        self.cab.close_door(label, item=PUTS_IN[kind])
        if point == "door_closed":
            self.cab.kill_service()
            return True
        return False

    def quietly_post(self, path: str, body: dict, clerk: bool) -> None:
        try:
            self.cab.post(path, body, clerk=clerk)
        except requests.RequestException:
            pass  # the service died under the request, as intended

    def after_kill(self, kind: str) -> None:
        """The person acts on any door that opened (now or once the service is back)."""
        time.sleep(0.5)  # a released latch springs its door open after 0.3 s
        now = self.rng.random() < 0.5
        if now:
            self.shut_open_doors(kind)
        self.cab.start_service()
        if not now:
            self.shut_open_doors(kind)

    def shut_open_doors(self, kind: str) -> None:
        for label in self.cab.compartments:
            if self.cab.sim_lock(label)["door"] == "open":
                if kind == "pickup" and self.cab.sim_lock(label).get("item"):
                    self.note_pickup_code(label)
                self.cab.close_door(label, item=PUTS_IN[kind])

    def note_pickup_code(self, label: str) -> None:
        held = {dossier: code for dossier, code in self.codes.items()}
        state = self.db_rows("SELECT d.code FROM assignments a JOIN results r ON r.id = a.result_id "
                             "JOIN dossiers d ON d.id = r.dossier_id JOIN compartments c ON c.id = a.compartment_id "
                             "WHERE a.active = TRUE AND c.label = ?", (label,))
        for (dossier,) in state:
            if dossier in held:
                self.used_codes.append((dossier, held[dossier]))

    # ---- settling and checking ---------------------------------------------------------

    def settle(self, timeout: float = SETTLE_S) -> None:
        def quiet() -> bool:
            comps = self.cab.service_compartments().values()
            return all(c["state"] != "reserved" and c["door"] == "closed" for c in comps)
        try:
            wait_for(quiet, timeout=timeout, interval=0.05, message="the cabinet settles")
        except AssertionError as exc:
            self.problem(f"did not settle: {exc}; {self.unsettled()}")

    def unsettled(self) -> list:
        return [(c["label"], c["state"], c["door"], "sim:" + self.cab.sim_lock(c["label"])["door"])
                for c in self.cab.service_compartments().values() if c["state"] == "reserved" or c["door"] != "closed"]

    def check(self, mark: int, kind: str, body: dict) -> None:
        self.tally.checks += 1
        self.check_consistency()
        unlocks = self.cab.unlock_frames_since(mark)
        if len(unlocks) > 1:
            self.problem(f"{kind} {body} sent {len(unlocks)} unlock frames: {[u.hex() for u in unlocks]}")
        if self.verify_each:
            self.verify_audit()

    def check_consistency(self) -> None:
        """The simulator's items against the database, and no double assignment or pickup."""
        comps = self.cab.service_compartments()
        items = self.sim_items()
        alarmed = {a.get("compartment") for state in ("open", "acknowledged") for a in self.cab.inbox(state)}
        for label, comp in comps.items():
            item = items[label]
            if item and comp["state"] not in HOLDING and not (comp["state"] == "out_of_service" and label in alarmed):
                self.problem(f"{label} holds an item the database does not know ({comp['state']})")
            if comp["state"] in HOLDING and not item:
                self.problem(f"{label} is {comp['state']} ({comp['dossier_code']}) but empty")
            if comp["state"] == "out_of_service":
                self.tally.outcomes["out of service"] += 1
        for query, what in (
            ("SELECT compartment_id FROM assignments WHERE active = TRUE GROUP BY compartment_id HAVING count(*) > 1",
             "a compartment assigned twice"),
            ("SELECT dropoff_id FROM assignments WHERE active = TRUE AND dropoff_id IS NOT NULL GROUP BY dropoff_id "
             "HAVING count(*) > 1", "a drop-off in two compartments"),
            ("SELECT result_id FROM assignments WHERE active = TRUE AND result_id IS NOT NULL GROUP BY result_id "
             "HAVING count(*) > 1", "a result in two compartments"),
            ("SELECT credential_id FROM pickups WHERE status = 'collected' GROUP BY credential_id "
             "HAVING count(*) > 1", "a credential that opened twice")):
            if self.db_rows(query):
                self.problem(f"{what}: {self.db_rows(query)}")

    def verify_audit(self) -> None:
        verified = self.cab.locker("audit", "verify")
        if verified.returncode != 0 or "intact" not in verified.stdout:
            self.problem(f"audit verify failed: {verified.stdout} {verified.stderr}")

    def sim_items(self) -> dict[str, bool]:
        state = requests.get(self.cab.sim + "/sim/state", timeout=10).json()
        found = {(b["address"], lock["lock"]): bool(lock.get("item")) for b in state["boards"] for lock in b["locks"]}
        return {label: found[self.cab.lock_of(label)] for label in self.cab.compartments}

    def db_rows(self, query: str, args: tuple = ()) -> list[tuple]:
        if self.db_url is not None:
            engine = sqlalchemy.create_engine(self.db_url)
            try:
                with engine.connect() as db:
                    return [tuple(row) for row in db.execute(sqlalchemy.text(query.replace("?", ":a0")),
                                                             {f"a{i}": a for i, a in enumerate(args)})]
            finally:
                engine.dispose()
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(query, args).fetchall()

    def problem(self, text: str) -> None:
        self.tally.problems.append(f"[kill {self.tally.total_kills}] {text}")
        print(f"problem: {self.tally.problems[-1]}", flush=True)  # a long run shows what it finds as it goes

    def codes_open_nothing_again(self) -> None:
        for dossier, code in self.used_codes:
            mark = self.cab.last_frame_number()
            again = self.cab.post("/api/v1/pickups", {"dossier_code": dossier, "code": code})
            if again.status_code == 201 or self.cab.unlock_frames_since(mark):
                self.problem(f"the used code of {dossier} opened again ({again.status_code})")
            self.tally.checks += 1


def run(*, kills: int, seed: int, workdir: Path, kill_share: float = 0.8, short: bool = False) -> Tally:
    """Operations until ``kills`` kills were made; ``kill_share`` of operations are killed.

    ``short`` (the default suite's form): every operation is killed, at each kill point in
    turn, and the audit chain is verified once at the end instead of after every restart."""
    gateway = SmsGateway()
    started = time.monotonic()
    db_path = workdir / "locker.db"
    try:
        with running_cabinet(workdir, f"sqlite:///{db_path}", gateway, sms={"retry_base_s": 0.5},
                             extra=EXTRA) as cab:
            harness = CrashRun(cab, seed=seed, db_path=db_path, verify_each=not short)
            while harness.tally.total_kills < kills and len(harness.tally.problems) < 20:
                if short:
                    point = KILL_POINTS[harness.tally.total_kills % len(KILL_POINTS)]
                else:
                    point = harness.rng.choice(KILL_POINTS) if harness.rng.random() < kill_share else None
                harness.operate(point)
                if point and harness.tally.total_kills % 10 == 0:
                    print(f"{harness.tally.total_kills} kills, {len(harness.tally.problems)} problems, "
                          f"{time.monotonic() - started:.0f} s", flush=True)
            harness.codes_open_nothing_again()
            harness.verify_audit()
            harness.tally.seconds = time.monotonic() - started
            return harness.tally
    finally:
        gateway.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="locker-crash-") as tmp:
        tally = run(kills=args.kills, seed=args.seed, workdir=Path(tmp))
    print(f"crash harness, seed {args.seed}")
    print(tally.summary())
    return 1 if tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""``unlock``: from a pickup request to the unlock frame on the bus, and from that
frame to the driver's ``released`` outcome.

A runtime (database on SQLite, bus driver, coordinator, outbox) runs in this process
with the simulator behind ``locksim://``; both clocks are ``time.monotonic_ns()``,
so the simulator's frame log times and ours compare directly. Results are loaded
and made ready beforehand; each run is one pickup with a valid code, through
``LockerService.start_pickup`` or through ``POST /api/v1/pickups`` (Flask test
client), then the door is closed and the pickup is collected before the next run.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from drivers.protocol import get_protocol
from firmware_sim.framelog import HOST_TO_BOARD
from firmware_sim.simulator import Simulator
from locker.config import config_from_dict
from locker.ports import UnlockOutcome

from .rig import (PHONE, BenchError, InProcessApi, pickup_code, prepare_database, service_config, set_pulse_gap,
                  start_runtime, wait_until)
from .table import Table, summary_ms

NAME = "unlock"
COLUMNS = ["path", "runs", "to frame p50 ms", "to frame p95 ms", "to frame max ms",
           "to released p50 ms", "to released p95 ms", "to released max ms"]
PRODUCTION_PULSE_GAP = 0.2


class OutcomeClock:
    """Wraps the coordinator's ``submit`` to note when each unlock outcome arrives."""

    def __init__(self, submit) -> None:  # type: ignore[no-untyped-def]
        self._submit = submit
        self._lock = threading.Lock()
        self.outcomes: list[tuple[int, int, str, int]] = []

    def __call__(self, event) -> None:  # type: ignore[no-untyped-def]
        if isinstance(event, UnlockOutcome):
            with self._lock:
                self.outcomes.append((event.board, event.lock, event.result, time.monotonic_ns()))
        self._submit(event)

    def released_after(self, board: int, lock: int, t_ns: int) -> int | None:
        with self._lock:
            return next((t for b, lk, result, t in self.outcomes
                         if (b, lk, result) == (board, lock, "released") and t >= t_ns), None)


def run(n: int | None = None) -> list[Table]:
    runs = min(n or 20, 32)
    table = Table(f"unlock: pickup request -> unlock frame -> released outcome, {runs} runs per path", COLUMNS)
    with tempfile.TemporaryDirectory(prefix="locker-bench-") as tmp:
        sim = Simulator(boards=2, spring_delay=0.0)
        try:
            raw = service_config(Path(tmp), bus_url=sim.serve_bus("inprocess"))
            config = config_from_dict(raw, env={})
            token = prepare_database(config.database.url)
            runtime = start_runtime(config, simulator=sim, pulse_gap=0.0)
            try:
                clock = OutcomeClock(runtime.coordinator.submit)
                runtime.coordinator.submit = clock  # the runtime's event sink calls this attribute
                bench = _Pickups(runtime, sim, raw["compartment"], clock, InProcessApi(runtime, token))
                for path in ("service", "REST"):
                    table.add(path, runs, *bench.measure(path, runs))
            finally:
                runtime.stop()
        finally:
            sim.close()
    table.notes += [
        "to frame = from the call to the unlock frame's last byte reaching the simulator (frame log t_ns)",
        "to released = from that frame to the driver's 'released' outcome reaching the coordinator",
        f"the production pulse gap ({PRODUCTION_PULSE_GAP} s between two pulses) is kept; each run starts "
        "at least that long after the previous pulse",
    ]
    return [table]


class _Pickups:
    def __init__(self, runtime, sim: Simulator, compartments: list[dict], clock: OutcomeClock,  # type: ignore[no-untyped-def]
                 api: InProcessApi) -> None:
        self.rt, self.sim, self.clock, self.api = runtime, sim, clock, api
        self.where = {c["label"]: (c["board"], c["lock"]) for c in compartments}
        self.protocol = get_protocol("kerong-cu16")
        self.serial = 0

    def measure(self, path: str, runs: int) -> list[float]:
        ready = self._ready_results(runs)
        to_frame, to_released = [], []
        for dossier, code, label in ready:
            board, lock = self.where[label]
            self._after_last_pulse()
            first = self.sim.log.last_n
            started = time.monotonic_ns()
            pickup = self._pickup(path, dossier, code)
            frame_t = wait_until(lambda: self._unlock_frame(board, lock, first), what=f"the unlock of {label}")
            released_t = wait_until(lambda: self.clock.released_after(board, lock, frame_t),
                                    what=f"{label} to be released")
            to_frame.append((frame_t - started) / 1e9)
            to_released.append((released_t - frame_t) / 1e9)
            self._close(label, item=False)
            wait_until(lambda: self.rt.service.get_pickup(pickup)["status"] == "collected",
                       what=f"pickup {pickup} to be collected")
        return [*summary_ms(to_frame), *summary_ms(to_released)]

    def _pickup(self, path: str, dossier: str, code: str) -> int:
        if path == "service":
            return self.rt.service.start_pickup(dossier_code=dossier, code=code, kiosk="bench")["id"]
        status, answer = self.api.post("/api/v1/pickups", {"dossier_code": dossier, "code": code})
        if status != 201:
            raise BenchError(f"pickup answered {status}: {answer}")
        return answer["id"]

    def _ready_results(self, count: int) -> list[tuple[str, str, str]]:
        """Load ``count`` results quickly (no pulse gap), close their doors, collect their codes."""
        set_pulse_gap(self.rt, 0.0)
        loaded = []
        for _ in range(count):
            self.serial += 1
            dossier = f"BENCH-R{self.serial:05d}"
            answer = self.rt.service.load_result(dossier, PHONE, "S", actor="bench")
            loaded.append((dossier, answer["compartment"]))
        for _, label in loaded:
            self._close(label, item=True)
        sent = self.rt.notifier.sent  # the log gateway's last messages

        def codes_of_all() -> list[str | None]:
            codes = [pickup_code(list(sent), dossier) for dossier, _ in loaded]
            return codes if all(codes) else []

        codes = wait_until(codes_of_all, what="pickup codes by SMS")
        set_pulse_gap(self.rt, PRODUCTION_PULSE_GAP)
        return [(dossier, code, label) for (dossier, label), code in zip(loaded, codes)]

    def _close(self, label: str, *, item: bool) -> None:
        """The person closes the door after putting the paper in (``item``) or taking it out."""
        board, lock = self.where[label]
        wait_until(lambda: self.sim.lock_state(board, lock)["door"] == "open", what=f"{label} to open")
        self.sim.item(board, lock, item)
        self.sim.door(board, lock, "close")

    def _unlock_frame(self, board: int, lock: int, after: int) -> int | None:
        wanted = self.protocol.unlock_request(board, lock).hex(" ").upper()
        return next((f["t_ns"] for f in self.sim.frames(after=after)
                     if f["dir"] == HOST_TO_BOARD and f["hex"] == wanted), None)

    def _after_last_pulse(self) -> None:
        unlock = {self.protocol.unlock_request(b, lk).hex(" ").upper() for b, lk in self.where.values()}
        recent = self.sim.frames(after=max(0, self.sim.log.last_n - 200))
        last = max((f["t_ns"] for f in recent if f["hex"] in unlock), default=0)
        wait = last / 1e9 + PRODUCTION_PULSE_GAP + 0.02 - time.monotonic()
        if wait > 0:
            time.sleep(wait)

"""Locks on relay outputs with door switches on inputs, for cabinets without lock boards.

:class:`RelayLockBus` offers the interface of :class:`drivers.bus.LockBusDriver`
that the adapter uses, treating the relay set as one board (``board``, 0 by
default) with locks 1..N. Each lock is a relay output and a switch input; the
switch is pressed (active) while the door is shut and latched. It may be a door
switch or a latch feedback switch.

An unlock energises the relay for ``pulse_time`` and then watches the switch: it
reading open within ``open_timeout`` is ``released``, otherwise ``jammed``. When
the switch still reads closed ``resend_after`` seconds after the pulse, the pulse
is sent once more. Only one relay is ever energised at a time (the power supply
is sized for one lock) and pulses are ``pulse_gap`` apart. There are no item
sensors: :class:`~drivers.events.ItemSensed` is never emitted and every item reads
absent. The pins themselves fail only when they live elsewhere (a pigpio daemon
that went away): a relay that cannot be switched ends its unlock as ``unknown``
(never resent), the board goes offline (:class:`~drivers.events.BoardOffline`)
and every later unlock ends ``unknown`` at once, until the bus is restarted.
Otherwise ``unknown`` is only the outcome of unlocks still pending when the bus
stops.

>>> from gpiozero.pins.mock import MockFactory
>>> from drivers.gpio import wait_until
>>> factory, heard = MockFactory(), []
>>> bus = RelayLockBus(locks=[{"relay": 20, "switch": 21, "bounce_time": 0}],
...                    listener=heard.append, pin_factory=factory, pulse_time=0.05, open_timeout=0.5)
>>> factory.pin(21).drive_low()       # the door is shut: the switch grounds the pin
>>> wait_until(lambda: bus.statuses()[0].is_latched(1))
True
>>> bus.start(); heard
[BoardOnline(board=0), LatchChanged(board=0, lock=1, latched=True)]
>>> done = bus.unlock(0, 1)
>>> wait_until(lambda: factory.pin(20).state)   # the relay is energised
True
>>> factory.pin(21).drive_high()      # the door springs open
>>> done.result(timeout=1)
'released'
>>> bus.stop()
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable, Mapping, Sequence

from .busstate import UnlockJob
from .errors import DriverError, GpioError
from .events import BoardOffline, BoardOnline, BusEvent, LatchChanged, UnlockDone, deliver, settle
from .gpio import Debouncer, PinRegistry
from .pin_specs import input_spec, output_spec
from .protocol import BoardStatus

log = logging.getLogger(__name__)

LOCK_KEYS = frozenset({"relay", "switch", "active_high", "pull_up", "active_state", "invert", "bounce_time"})
IDLE_WAIT = 1.0


def lock_specs(locks: Any, setting: str, active_high: bool = True) -> list[tuple[dict, dict]]:
    """(relay spec, switch spec) per lock from ``[{"relay", "switch", ...}, ...]``.

    >>> lock_specs([{"relay": 20, "switch": 21, "invert": True}], "gpio.relay_lock")[0][1]["invert"]
    True
    >>> lock_specs([{"relay": 20}], "gpio.relay_lock")
    Traceback (most recent call last):
    ...
    drivers.errors.GpioError: gpio.relay_lock[1]: needs both relay and switch
    """
    if isinstance(locks, (str, bytes, Mapping)) or not isinstance(locks, Sequence) or not locks:
        raise GpioError(f"{setting} must list at least one lock", setting=setting)
    specs = []
    for number, raw in enumerate(locks, start=1):
        where = f"{setting}[{number}]"
        if not isinstance(raw, Mapping):
            raise GpioError(f"{where} must be a table with relay and switch", setting=where)
        unknown = sorted(str(key) for key in raw if key not in LOCK_KEYS)
        if unknown:
            raise GpioError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(LOCK_KEYS))}",
                            setting=f"{where}.{unknown[0]}")
        if raw.get("relay") is None or raw.get("switch") is None:
            raise GpioError(f"{where}: needs both relay and switch", setting=where)
        relay = output_spec(f"{where}.relay", {"pin": raw["relay"], "active_high": raw.get("active_high", active_high)})
        switch_keys = {key: raw[key] for key in ("pull_up", "active_state", "invert", "bounce_time") if key in raw}
        switch = input_spec(f"{where}.switch", {"pin": raw["switch"], **switch_keys})
        specs.append((relay, switch))
    return specs


class RelayLockBus:
    """Relay-driven locks confirmed by their switches, with the lock bus driver's interface."""

    def __init__(self, *, locks: Sequence[Mapping[str, Any]], listener: Callable[[BusEvent], None],
                 pin_factory: Any = None, board: int = 0, pulse_time: float = 0.5, open_timeout: float = 3.0,
                 pulse_gap: float = 0.2, resend_after: float = 0.5, active_high: bool = True,
                 setting: str = "gpio.relay_lock") -> None:
        for name, value in (("pulse_time", pulse_time), ("open_timeout", open_timeout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        for name, value in (("pulse_gap", pulse_gap), ("resend_after", resend_after)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be 0 or more, not {value!r}")
        if isinstance(board, bool) or not isinstance(board, int) or not 0 <= board <= 255:
            raise ValueError(f"board must be 0-255, not {board!r}")
        self.board = board
        self.boards = (board,)
        self.pulse_time = pulse_time
        self.open_timeout = open_timeout
        self.pulse_gap = pulse_gap
        self.resend_after = resend_after
        self.setting = setting
        self._specs = lock_specs(locks, setting, active_high)
        self.locks = len(self._specs)
        self._listener = listener
        self._factory = pin_factory
        self._cond = threading.Condition()
        self._queue: deque[UnlockJob] = deque()
        self._confirming: list[UnlockJob] = []
        self._pulsing: tuple[UnlockJob, float] | None = None
        self._last_off = -math.inf
        self._closed: dict[int, bool] = {}
        self._counters = {"pulses": 0, "retries": 0, "released": 0, "jammed": 0, "unknown": 0}
        self._running = False
        self._pins_failed = False
        self._pending_offline = False
        self._thread: threading.Thread | None = None
        self._open_pins()

    # ---- public interface -------------------------------------------------------------

    def start(self) -> None:
        """Start the unlock thread; reports the board online and every lock's latch."""
        with self._cond:
            if self._running:
                return
            if self._pins is None:
                self._open_pins()
            self._running = True
            self._thread = threading.Thread(target=self._run, name=f"relay-locks {self.board}", daemon=True)
            self._thread.start()
            latches = [LatchChanged(self.board, n, closed) for n, closed in sorted(self._closed.items())]
        self._emit([BoardOnline(self.board), *latches])

    def stop(self) -> None:
        """Stop the thread and release every pin; unlocks still pending end as ``unknown``."""
        with self._cond:
            self._running = False
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        with self._cond:
            leftover = list(self._queue) + self._confirming
            self._queue.clear()
            self._confirming = []
            self._pulsing = None
        self._close_pins()
        for job in leftover:
            self._finish(job, "unknown")

    close = stop

    def unlock(self, board: int, lock: int) -> Future:
        """Queue one unlock; the future resolves to ``released``, ``jammed`` or ``unknown``."""
        self._check(board, lock)
        job = UnlockJob(board, lock, queued_at=time.monotonic())
        with self._cond:
            if not self._running:
                raise DriverError("the relay lock bus is stopped")
            self._queue.append(job)
            self._cond.notify_all()
        return job.future

    def pins_lost(self) -> None:
        """The pins can no longer be reached (their daemon went away): the board is offline from now on."""
        with self._cond:
            if self._pins_failed:
                return
            self._pins_failed = self._pending_offline = True
            self._cond.notify_all()

    def read_all(self, timeout: float) -> dict[int, BoardStatus | None]:
        """Every lock's switch now (inputs answer at once, so ``timeout`` is never needed)."""
        with self._cond:
            if not self._running:
                raise DriverError("the relay lock bus is not running")
            return {self.board: self._status()}

    def statuses(self) -> dict[int, BoardStatus | None]:
        with self._cond:
            return {self.board: self._status() if self._closed else None}

    def online(self, board: int) -> bool:
        with self._cond:
            return board == self.board and self._running and not self._pins_failed

    def stats(self) -> dict[int, dict]:
        """Counters of the one board; ``retries`` counts resent pulses."""
        with self._cond:
            online = self._running and not self._pins_failed
            return {self.board: {"online": online, "last_seen": time.monotonic() if online else None,
                                 "locks": self.locks, **self._counters}}

    # ---- pins -------------------------------------------------------------------------

    def _open_pins(self) -> None:
        pins = PinRegistry(self._factory)
        debouncer = Debouncer(self._switch_changed)
        self._relays: list[Any] = []
        try:
            for number, (relay, switch) in enumerate(self._specs, start=1):
                where = f"{self.setting}[{number}]"
                self._relays.append(pins.output(f"{where}.relay", relay))
                device = pins.input(f"{where}.switch", switch)
                debouncer.add(str(number), device, bounce_time=switch["bounce_time"], invert=switch["invert"])
        except BaseException:
            debouncer.close()
            pins.close_all()
            raise
        self._pins, self._debouncer = pins, debouncer
        self._closed = {int(name): closed for name, closed in debouncer.state().items()}

    def _close_pins(self) -> None:
        if self._pins is None:
            return
        self._debouncer.close()
        self._pins.close_all()
        self._pins = None

    def _switch_changed(self, name: str, closed: bool) -> None:
        lock = int(name)
        with self._cond:
            self._closed[lock] = closed
            done = [] if closed else [job for job in self._confirming if job.lock == lock]
            for job in done:
                self._confirming.remove(job)
            running = self._running
            self._cond.notify_all()
        if running:
            self._emit([LatchChanged(self.board, lock, closed)])
        for job in done:
            self._finish(job, "released")

    # ---- the unlock thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    self._relays_off()
                    return
                finished, wake = self._step(time.monotonic())
                went_offline, self._pending_offline = self._pending_offline, False
                if not finished:
                    self._cond.wait(max(0.0, min(wake - time.monotonic(), IDLE_WAIT)))
            if went_offline:
                self._emit([BoardOffline(self.board)])
            for job, result in finished:
                self._finish(job, result)

    def _step(self, now: float) -> tuple[list[tuple[UnlockJob, str]], float]:
        """One pass under the lock: end the pulse, judge confirmations, start a pulse."""
        if self._pulsing is not None and self._pulsing[1] <= now:
            self._switch_relay(self._pulsing[0].lock, False)
            self._pulsing, self._last_off = None, now
        finished = []
        for job in [job for job in self._confirming if job.deadline <= now or self._pins_failed]:
            self._confirming.remove(job)  # switches that can no longer be read tell nothing
            outcome = "unknown" if self._pins_failed else "jammed" if self._closed[job.lock] else "released"
            finished.append((job, outcome))
        for job in self._confirming:
            if (not job.resent and not job.resend_due and job is not self._pulsing_job()
                    and now >= job.sent_at + self.pulse_time + self.resend_after and self._closed[job.lock]):
                job.resend_due = True
        wake = self._fire_next(now, finished)
        times = [wake, *(job.deadline for job in self._confirming),
                 *(job.sent_at + self.pulse_time + self.resend_after for job in self._confirming
                   if not job.resent and not job.resend_due)]
        if self._pulsing is not None:
            times.append(self._pulsing[1])
        return finished, min(times)

    def _fire_next(self, now: float, finished: list) -> float:
        """Energise the next relay if none is on and the gap has passed; else when it may."""
        while self._queue and self._queue[0].future.cancelled():
            self._queue.popleft()
        job = next((j for j in self._confirming if j.resend_due), None) or (self._queue[0] if self._queue else None)
        if job is None or self._pulsing is not None:
            return math.inf
        if now < self._last_off + self.pulse_gap:
            return self._last_off + self.pulse_gap
        if job.sent_at is None:
            self._queue.popleft()
            job.sent_at, job.deadline = now, now + self.open_timeout
            self._confirming.append(job)
        else:
            job.resent, job.resend_due = True, False
            self._counters["retries"] += 1
        self._counters["pulses"] += 1
        if not self._switch_relay(job.lock, True):
            self._confirming.remove(job)
            finished.append((job, "unknown"))
            return math.inf
        self._pulsing = (job, now + self.pulse_time)
        if not self._closed[job.lock]:
            self._confirming.remove(job)
            finished.append((job, "released"))
        return math.inf

    def _pulsing_job(self) -> UnlockJob | None:
        return None if self._pulsing is None else self._pulsing[0]

    def _relays_off(self) -> None:
        for lock in range(1, len(self._relays) + 1):
            self._switch_relay(lock, False)
        if self._pulsing is not None:
            self._pulsing, self._last_off = None, time.monotonic()

    def _switch_relay(self, lock: int, on: bool) -> bool:
        """Set one relay; False (and the board offline from then on) when the pins cannot be reached."""
        if self._pins_failed:
            return False
        try:
            self._relays[lock - 1].on() if on else self._relays[lock - 1].off()
            return True
        except Exception as exc:  # noqa: BLE001 - remote pin factories raise socket, struct and attribute errors
            log.error("relay locks: cannot switch the relay of lock %d: %s; the board is offline", lock, exc)
            self._pins_failed = True
            self._pending_offline = True
            return False

    # ---- helpers ----------------------------------------------------------------------

    def _status(self) -> BoardStatus:
        latched = tuple(self._closed[n] for n in range(1, self.locks + 1))
        return BoardStatus(self.board, latched=latched, items=(False,) * self.locks)

    def _check(self, board: Any, lock: Any) -> None:
        if isinstance(board, bool) or board != self.board or not isinstance(board, int):
            raise ValueError(f"board {board!r} is not on this bus (boards: [{self.board}])")
        if isinstance(lock, bool) or not isinstance(lock, int) or not 1 <= lock <= self.locks:
            raise ValueError(f"lock must be 1-{self.locks} for relay locks, not {lock!r}")

    def _finish(self, job: UnlockJob, result: str) -> None:
        with self._cond:
            self._counters[result] += 1
        self._emit([UnlockDone(job.board, job.lock, result)])
        settle(job.future, result)

    def _emit(self, events: list[BusEvent]) -> None:
        deliver(self._listener, events, "relay locks")

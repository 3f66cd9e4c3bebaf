"""The cabinet's GPIO pins, simulated on a gpiozero ``MockFactory``.

:class:`SimGpio` owns a ``MockFactory`` and the pins of a ``drivers.gpio.CabinetIO``
layout (the same mapping of names to pin specs) plus, for small cabinets, relay
locks (``[{"relay", "switch", ...}]`` as for ``drivers.gpio_locks.RelayLockBus``).
In one process (``locker demo``, tests) the production driver gets the same
factory (``pin_factory=sim.factory``). A service in another process reaches the
pins through :meth:`SimGpio.serve_pigpio`, a pigpio daemon socket, with
``[gpio] pin_factory = "pigpio://HOST:PORT"``. On a Raspberry Pi the service
uses gpiozero's default factory (lgpio or RPi.GPIO) and real wires instead.

Inputs are driven like a switch on a wire: the driven level holds even when the
driver later sets a pull resistor. Outputs are read back from the mock pins, so
the LED tower, the buzzer and the relays set by the driver show in :meth:`state`.
Door physics on relay locks: energising a relay releases the latch and the door
springs open ``spring_delay`` seconds later (its switch opens); closing the door
presses the switch and engages the latch again.

>>> sim = SimGpio({"tamper": 4, "led_red": 13})
>>> sim.state()["tamper"]
{'pin': 4, 'kind': 'input', 'value': True, 'active': False}
>>> sim.set_input("tamper", False)             # the switch closes to ground
>>> sim.state()["tamper"]["active"]
True
>>> sim.set_input("led_red", True)
Traceback (most recent call last):
...
firmware_sim.errors.SimulatorError: led_red is an output; only inputs can be driven
>>> sim.close()
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from gpiozero.exc import GPIOZeroError
from gpiozero.pins.mock import MockFactory, MockPin

from .errors import SimulatorError
from .pigpiod import PigpioServer

INPUT_NAMES = ("service_door", "tamper", "power_fail", "battery_low", "presence")
OUTPUT_NAMES = ("led_green", "led_amber", "led_red", "buzzer")
INPUT_KEYS = frozenset({"pin", "pull_up", "active_state", "invert", "bounce_time"})
OUTPUT_KEYS = frozenset({"pin", "active_high"})
LOCK_KEYS = INPUT_KEYS - {"pin"} | {"relay", "switch", "active_high"}


def _error(message: str, code: str, vi: str) -> Exception:
    return SimulatorError(message, code=code, vi=vi)


class _SimInputPin(MockPin):
    """A mock input whose driven level (a switch on the wire) beats any pull resistor."""

    driven: bool | None = None

    def _set_pull(self, value):
        super()._set_pull(value)
        if self.driven is not None and self._state != self.driven:
            self.drive_high() if self.driven else self.drive_low()


class _SimOutputPin(MockPin):
    """A mock output that tells the simulator whenever the driver changes its level."""

    on_change: Callable[[bool], None] | None = None

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed and self.on_change is not None and self._function == "output":
            self.on_change(bool(value))
        return changed


class _Input:
    def __init__(self, pin: Any, spec: dict) -> None:
        self.pin_spec = spec["pin"]
        pull_up, active_state = spec.get("pull_up", True), spec.get("active_state")
        self.active_level = (not pull_up) if pull_up is not None else bool(active_state)
        self.invert = bool(spec.get("invert", False))
        self.pin = pin

    def level_for(self, active: bool) -> bool:
        return self.active_level if active != self.invert else not self.active_level

    def active(self) -> bool:
        return (bool(self.pin.state) == self.active_level) != self.invert

    def drive(self, level: bool) -> None:
        self.pin.driven = level
        if self.pin.function == "input":
            self.pin.drive_high() if level else self.pin.drive_low()


class _RelayLock:
    def __init__(self, relay: Any, active_high: bool, switch: _Input) -> None:
        self.relay, self.active_high, self.switch = relay, active_high, switch
        self.latched = True
        #: How many times the relay was energised (jammed or not): what a clicking relay tells a technician.
        self.pulses = 0
        self.jam_left: int | None = None
        self.timer: threading.Timer | None = None

    @property
    def door_open(self) -> bool:
        return not self.switch.active()


class SimGpio:
    """Mock GPIO pins of one cabinet, driven through the control API.

    ``layout``: names of the cabinet's inputs and outputs to pin specs;
    ``relay_locks``: lock N is ``relay_locks[N-1]`` and shows as ``relay_N`` and
    ``switch_N``; together they are board ``relay_board`` of ``POST /sim/door``.
    Every input starts inactive and every door closed.

    >>> sim = SimGpio(relay_locks=[{"relay": 20, "switch": 21}], spring_delay=0.0)
    >>> sim.state()["switch_1"]["value"], sim.lock_state(1)["door"]
    (False, 'closed')
    >>> sim.door(1, "open")                        # pulled open while latched: forced
    True
    >>> sim.lock_state(1)["door"], sim.forced_openings
    ('open', 1)
    >>> sim.close()
    """

    def __init__(self, layout: Mapping[str, Any] | None = None, *, relay_locks: Sequence[Mapping] = (),
                 factory: MockFactory | None = None, spring_delay: float = 0.3, relay_board: int = 0) -> None:
        self.factory = factory if factory is not None else MockFactory()
        self.spring_delay = spring_delay
        self.relay_board = relay_board
        self.forced_openings = 0
        self._mutex = threading.RLock()
        self._inputs: dict[str, _Input] = {}
        self._outputs: dict[str, tuple[Any, Any, bool]] = {}
        self._locks: list[_RelayLock] = []
        self._servers: list[PigpioServer] = []
        self._closed = False
        layout = dict(layout or {})
        for name, raw in layout.items():
            if raw is None:
                continue
            if name in INPUT_NAMES:
                self._add_input(name, _spec(name, raw, INPUT_KEYS))
            elif name in OUTPUT_NAMES:
                self._add_output(name, _spec(name, raw, OUTPUT_KEYS))
            else:
                raise _error(f"unknown GPIO name {name!r}", "unknown_pin", f"không biết chân GPIO {name!r}")
        if isinstance(relay_locks, (str, bytes, Mapping)):
            raise _error("relay_locks must be a list", "invalid_field", "relay_locks phải là một danh sách")
        relay_locks = list(relay_locks)
        for number, raw in enumerate(relay_locks, start=1):
            self._add_lock(number, raw)
        #: The relay locks as given (lock N is entry N-1), for the service's ``[bus] relay_locks``.
        self.relay_locks = tuple(dict(raw) for raw in relay_locks)

    # ---- setup ---------------------------------------------------------------------

    def _pin(self, name: str, spec: Any, pin_class: type) -> Any:
        try:
            pin = self.factory.pin(spec, pin_class=pin_class)
        except (GPIOZeroError, ValueError, TypeError) as exc:
            raise _error(f"{name}: bad pin {spec!r}: {exc}", "invalid_pin", f"{name}: chân {spec!r} không hợp lệ")
        if not isinstance(pin, pin_class):
            raise _error(f"{name}: pin {spec!r} is already in use; create the simulator before the driver",
                         "pin_in_use", f"{name}: chân {spec!r} đang được dùng")
        if any(pin is entry.pin for entry in self._inputs.values()) or any(
                pin is entry[1] for entry in self._outputs.values()):
            raise _error(f"{name}: pin {spec!r} is used twice", "pin_in_use",
                         f"{name}: chân {spec!r} bị dùng hai lần")
        return pin

    def _add_input(self, name: str, spec: dict) -> _Input:
        entry = _Input(self._pin(name, spec["pin"], _SimInputPin), spec)
        self._inputs[name] = entry
        entry.drive(entry.level_for(name.startswith("switch_")))
        return entry

    def _add_output(self, name: str, spec: dict) -> Any:
        pin = self._pin(name, spec["pin"], _SimOutputPin)
        self._outputs[name] = (spec["pin"], pin, bool(spec.get("active_high", True)))
        return pin

    def _add_lock(self, number: int, raw: Any) -> None:
        if not isinstance(raw, Mapping) or raw.get("relay") is None or raw.get("switch") is None:
            raise _error(f"relay lock {number} needs relay and switch", "invalid_field",
                         f"khóa rơ-le {number} cần relay và switch")
        unknown = sorted(str(key) for key in raw if key not in LOCK_KEYS)
        if unknown:
            raise _error(f"relay lock {number}: unknown key {unknown[0]!r}", "invalid_field",
                         f"khóa rơ-le {number}: khóa cấu hình {unknown[0]!r} không hợp lệ")
        active_high = bool(raw.get("active_high", True))
        relay = self._add_output(f"relay_{number}", {"pin": raw["relay"], "active_high": active_high})
        switch_spec = {key: raw[key] for key in ("pull_up", "active_state", "invert") if key in raw}
        switch = self._add_input(f"switch_{number}", {"pin": raw["switch"], **switch_spec})
        lock = _RelayLock(relay, active_high, switch)
        self._locks.append(lock)
        relay.on_change = lambda level, n=number: self._relay_changed(n, level)

    # ---- the outside world ---------------------------------------------------------

    def names(self) -> list[str]:
        return [*self._inputs, *self._outputs]

    def set_input(self, name: Any, value: Any) -> None:
        """Drive input ``name`` high (True, 1) or low (False, 0), like a switch on its wire."""
        if isinstance(name, str) and name in self._outputs:
            raise _error(f"{name} is an output; only inputs can be driven", "not_an_input",
                         f"{name} là chân ra; chỉ có thể điều khiển chân vào")
        if not isinstance(name, str) or name not in self._inputs:
            known = ", ".join(self._inputs) or "none"
            raise _error(f"unknown GPIO input {name!r}; inputs: {known}", "unknown_pin",
                         f"không có chân vào GPIO {name!r}; các chân vào: {known}")
        if value not in (True, False) or not isinstance(value, (bool, int)):
            raise _error("value must be true, false, 1 or 0", "invalid_field",
                         "value phải là true, false, 1 hoặc 0")
        with self._mutex:
            self._inputs[name].drive(bool(value))
            if name.startswith("switch_") and not self._inputs[name].active():
                self._locks[int(name[len("switch_"):]) - 1].latched = False

    def set_active(self, name: Any, active: Any) -> None:
        """Make input ``name`` read active (the condition its name says) or not, whatever its wiring."""
        if not isinstance(active, bool):
            raise _error("active must be true or false", "invalid_field", "active phải là true hoặc false")
        spec = self._inputs.get(name) if isinstance(name, str) else None
        self.set_input(name, spec.level_for(active) if spec is not None else active)

    def state(self) -> dict[str, dict]:
        """``{name: {"pin", "kind", "value", "active"}}``; value is the pin level (True: high)."""
        with self._mutex:
            found = {name: {"pin": e.pin_spec, "kind": "input", "value": bool(e.pin.state), "active": e.active()}
                     for name, e in self._inputs.items()}
            for name, (spec, pin, active_high) in self._outputs.items():
                level = bool(pin.state)
                found[name] = {"pin": spec, "kind": "output", "value": level, "active": level == active_high}
            return found

    def has_board(self, board: Any) -> bool:
        """True when ``board`` means this cabinet's relay locks."""
        return bool(self._locks) and board == self.relay_board and not isinstance(board, bool)

    def lock_state(self, lock: Any) -> dict:
        """One relay lock, shaped like a lock of ``GET /sim/state``'s boards."""
        with self._mutex:
            entry = self._lock(lock)
            return {"lock": lock, "door": "open" if entry.door_open else "closed", "latched": entry.latched,
                    "item": False, "jammed": entry.jam_left is not None}

    def pulses(self, lock: Any) -> int:
        """How many times the relay of ``lock`` was energised, whether its latch released or not."""
        with self._mutex:
            return self._lock(lock).pulses

    def door(self, lock: Any, action: Any) -> bool:
        """A person opens or closes a relay lock's door; True for a forced opening."""
        with self._mutex:
            entry = self._lock(lock)
            if action == "close":
                self._cancel(entry)
                entry.latched = True
                entry.switch.drive(entry.switch.level_for(True))
                return False
            if action != "open":
                raise _error(f"action must be 'open' or 'close', not {action!r}", "unknown_action",
                             "hành động phải là 'open' hoặc 'close'")
            forced = entry.latched and not entry.door_open
            if forced:
                self.forced_openings += 1
            entry.latched = False
            entry.switch.drive(entry.switch.level_for(False))
            return forced

    @property
    def lock_count(self) -> int:
        return len(self._locks)

    def jam(self, lock: int, count: int = 0) -> None:
        """Make a relay lock's latch hold for ``count`` pulses (0: until :meth:`unjam_all`)."""
        with self._mutex:
            self._lock(lock).jam_left = count

    def unjam_all(self) -> None:
        with self._mutex:
            for entry in self._locks:
                entry.jam_left = None

    def serve_pigpio(self, host: str = "127.0.0.1", port: int = 8888) -> str:
        """Serve the pins as a pigpio daemon; returns the service's ``[gpio] pin_factory``.

        Raises OSError when the address is unavailable.
        """
        server = PigpioServer(self.factory, host=host, port=port, lock=self._mutex)
        server.start()
        with self._mutex:
            self._servers.append(server)
        return server.url

    def close(self) -> None:
        """Stop serving, cancel pending door springs (idempotent); the pins stay with the factory."""
        with self._mutex:
            self._closed = True
            servers, self._servers = self._servers, []
            for entry in self._locks:
                self._cancel(entry)
        for server in servers:
            server.close()

    # ---- door physics --------------------------------------------------------------

    def _relay_changed(self, number: int, level: bool) -> None:
        with self._mutex:
            entry = self._locks[number - 1]
            if level != entry.active_high or self._closed:
                return
            entry.pulses += 1
            if entry.jam_left is not None:
                if entry.jam_left > 0:
                    entry.jam_left -= 1
                    entry.jam_left = entry.jam_left or None
                return
            if entry.latched and not entry.door_open and entry.timer is None:
                entry.latched = False
                entry.timer = threading.Timer(self.spring_delay, self._spring_open, args=(entry,))
                entry.timer.daemon = True
                entry.timer.start()

    def _spring_open(self, entry: _RelayLock) -> None:
        with self._mutex:
            if entry.timer is None or self._closed:
                return
            entry.timer = None
            if not entry.latched:
                entry.switch.drive(entry.switch.level_for(False))

    def _cancel(self, entry: _RelayLock) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None

    def _lock(self, lock: Any) -> _RelayLock:
        if isinstance(lock, bool) or not isinstance(lock, int) or not 1 <= lock <= len(self._locks):
            raise _error(f"no relay lock {lock!r}; locks are 1 to {len(self._locks)}", "unknown_lock",
                         f"không có khóa {lock!r}; khóa từ 1 đến {len(self._locks)}")
        return self._locks[lock - 1]


def _spec(name: str, raw: Any, keys: frozenset) -> dict:
    spec = dict(raw) if isinstance(raw, Mapping) else {"pin": raw}
    if "pin" not in spec or any(key not in keys for key in spec):
        raise _error(f"{name}: a pin spec needs 'pin' and only {', '.join(sorted(keys))}", "invalid_field",
                     f"{name}: cấu hình chân không hợp lệ")
    return spec

"""The cabinet's GPIO through gpiozero: sensors in, LED tower and buzzer out.

:class:`CabinetIO` is built from a plain mapping of names to pin specs. Inputs
(:data:`INPUTS`) report :class:`InputChanged` events to a listener once their level
has settled; outputs (:data:`OUTPUTS`) are the LED tower and the buzzer. Every
device takes ``pin_factory`` the gpiozero way: tests and the simulator pass
``gpiozero.pins.mock.MockFactory()``; on a Raspberry Pi leave it out and gpiozero
picks the default factory (lgpio, else RPi.GPIO; ``GPIOZERO_PIN_FACTORY`` chooses).

>>> from gpiozero.pins.mock import MockFactory
>>> factory, heard = MockFactory(), []
>>> io = CabinetIO({"tamper": {"pin": 4, "bounce_time": 0}, "led_green": 5, "buzzer": 19},
...                listener=heard.append, pin_factory=factory)
>>> io.inputs()
{'tamper': False}
>>> factory.pin(4).drive_low()          # the switch closes the pulled-up pin to ground
>>> wait_until(lambda: heard)
True
>>> heard
[InputChanged(name='tamper', active=True)]
>>> io.set_tower(green=True); factory.pin(5).state
True
>>> io.close()
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from gpiozero import LED, Buzzer, Device, DigitalInputDevice, DigitalOutputDevice
from gpiozero.exc import GPIOZeroError

from .errors import GpioError
from .pin_factories import pins_reachable
from .pin_specs import INPUTS, OUTPUTS, input_spec, output_spec

__all__ = ["BUZZ_PATTERNS", "INPUTS", "OUTPUTS", "TOWER_STATES", "CabinetIO", "Debouncer", "InputChanged",
           "PinRegistry", "input_spec", "output_spec", "wait_until"]

log = logging.getLogger(__name__)

#: Named tower states: (green, amber, red, blink).
TOWER_STATES = {
    "off": (False, False, False, False),
    "ready": (True, False, False, False),
    "degraded": (False, True, False, False),
    "on_battery": (False, True, False, True),
    "alarm": (False, False, True, True),
}
BUZZ_PATTERNS = ("on", "off", "beep")


@dataclass(frozen=True)
class InputChanged:
    """An input settled at a new level; ``active`` as described in :data:`INPUTS`."""

    name: str
    active: bool


def wait_until(predicate: Callable[[], Any], timeout: float = 2.0, interval: float = 0.005) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; its last truth value.

    >>> wait_until(lambda: True)
    True
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(interval)
    return True


class PinRegistry:
    """Opens gpiozero devices, naming the setting of every pin, and closes them all.

    >>> from gpiozero.pins.mock import MockFactory
    >>> pins = PinRegistry(MockFactory())
    >>> led = pins.output("gpio.led_red", output_spec("gpio.led_red", 13))
    >>> pins.output("gpio.buzzer", output_spec("gpio.buzzer", "BOARD33"))
    Traceback (most recent call last):
    ...
    drivers.errors.GpioError: gpio.buzzer: pin 'BOARD33' (GPIO13) is already used by gpio.led_red
    >>> pins.close_all()
    """

    def __init__(self, pin_factory: Any = None) -> None:
        if pin_factory is None:
            try:
                Device.ensure_pin_factory()
            except (GPIOZeroError, ImportError) as exc:
                raise GpioError(f"no GPIO pin factory works on this machine ({exc}); on a Raspberry Pi "
                                f"install lgpio or RPi.GPIO, elsewhere use gpiozero's MockFactory") from None
            pin_factory = Device.pin_factory
        self.factory = pin_factory
        self.devices: list[Any] = []
        self._owners: dict[str, str] = {}

    def input(self, setting: str, spec: dict) -> DigitalInputDevice:
        return self._open(setting, spec["pin"], lambda: DigitalInputDevice(
            spec["pin"], pull_up=spec["pull_up"], active_state=spec["active_state"],
            pin_factory=self.factory))

    def output(self, setting: str, spec: dict, kind: type = DigitalOutputDevice) -> Any:
        return self._open(setting, spec["pin"], lambda: kind(
            spec["pin"], active_high=spec["active_high"], initial_value=False, pin_factory=self.factory))

    def close_all(self) -> None:
        devices, self.devices = self.devices, []
        reachable = pins_reachable(self.factory) if devices else True
        for device in reversed(devices):
            try:
                if reachable and isinstance(device, DigitalOutputDevice):
                    device.off()  # a closed pin floats; leave relays and lights off first
                device.close()
            except Exception as exc:  # closing must release every other device regardless
                # Not %r: a device's repr reads its pin, which may be what failed.
                log.warning("gpio: closing a %s failed: %s", type(device).__name__, exc)
                if not pins_reachable(self.factory):  # a vanished daemon's pins close without it
                    with contextlib.suppress(Exception):
                        device.close()
        self._owners.clear()

    def _open(self, setting: str, pin: Any, make: Callable[[], Any]) -> Any:
        name = self._pin_name(setting, pin)
        if name in self._owners:
            raise GpioError(f"{setting}: pin {pin!r} ({name}) is already used by {self._owners[name]}",
                            setting=f"{setting}.pin")
        try:
            device = make()
        except (GPIOZeroError, ValueError, TypeError) as exc:
            raise GpioError(f"{setting}: cannot use pin {pin!r}: {exc}", setting=f"{setting}.pin") from None
        self.devices.append(device)
        self._owners[name] = setting
        return device

    def _pin_name(self, setting: str, pin: Any) -> str:
        board_info = getattr(self.factory, "board_info", None)
        if board_info is None:
            return str(pin)
        try:
            found = [info for _, info in board_info.find_pin(pin)]
        except (GPIOZeroError, ValueError, TypeError):
            found = []
        if not found:
            raise GpioError(f"{setting}: {pin!r} is not a pin of this board", setting=f"{setting}.pin")
        return found[0].name


# ---- debounced inputs -----------------------------------------------------------------


class Debouncer:
    """Reports a named input's level once it has stayed the same for its bounce time.

    gpiozero's own ``bounce_time`` ignores edges after an edge and can miss the
    final level (and mock pins ignore it), so the level is confirmed here instead,
    the same way on every pin factory. ``on_change(name, active)`` runs on this
    object's thread.

    >>> from gpiozero.pins.mock import MockFactory
    >>> factory, heard = MockFactory(), []
    >>> button = DigitalInputDevice(4, pull_up=True, pin_factory=factory)
    >>> debouncer = Debouncer(lambda name, active: heard.append((name, active)))
    >>> debouncer.add("tamper", button, bounce_time=0.01)
    >>> factory.pin(4).drive_low(); factory.pin(4).drive_high(); factory.pin(4).drive_low()
    >>> wait_until(lambda: heard), heard
    (True, [('tamper', True)])
    >>> debouncer.close(); button.close()
    """

    def __init__(self, on_change: Callable[[str, bool], None]) -> None:
        self._on_change = on_change
        self._devices: dict[str, tuple[Any, float, bool]] = {}
        self._reported: dict[str, bool] = {}
        self._due: dict[str, float] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="gpio-debounce", daemon=True)
        self._thread.start()

    def add(self, name: str, device: Any, *, bounce_time: float, invert: bool = False) -> None:
        with self._cond:
            self._devices[name] = (device, float(bounce_time), invert)
            self._reported[name] = self._read(name)
        device.when_activated = lambda: self._edge(name)
        device.when_deactivated = lambda: self._edge(name)

    def state(self) -> dict[str, bool]:
        """The settled level of every input."""
        with self._cond:
            return dict(self._reported)

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            devices = [device for device, _, _ in self._devices.values()]
            self._cond.notify_all()
        for device in devices:
            device.when_activated = None
            device.when_deactivated = None
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _read(self, name: str) -> bool:
        device, _, invert = self._devices[name]
        return bool(device.is_active) != invert

    def _edge(self, name: str) -> None:
        with self._cond:
            if name in self._devices and not self._closed:
                self._due[name] = time.monotonic() + self._devices[name][1]
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                ready = [name for name, due in self._due.items() if due <= now]
                if not ready:
                    wake = min(self._due.values(), default=now + 1.0)
                    self._cond.wait(max(0.0, wake - now))
                    continue
                changes = []
                for name in ready:
                    del self._due[name]
                    try:
                        level = self._read(name)
                    except GPIOZeroError:
                        continue  # closed under us
                    if level != self._reported[name]:
                        self._reported[name] = level
                        changes.append((name, level))
            for name, level in changes:
                try:
                    self._on_change(name, level)
                except Exception:
                    log.exception("gpio: the listener failed on %s=%s", name, level)


# ---- the cabinet's own inputs and outputs ---------------------------------------------


class CabinetIO:
    """Service door, tamper, UPS and presence inputs; LED tower and buzzer outputs.

    ``pins`` maps names of :data:`INPUTS` and :data:`OUTPUTS` to pin specs (see
    :func:`input_spec`, :func:`output_spec`); a name left out or mapped to None is
    not fitted, and commands for a missing output do nothing. ``setting`` prefixes
    the key named in every :class:`~drivers.errors.GpioError`. ``listener``
    receives :class:`InputChanged` events from a driver thread.

    >>> from gpiozero.pins.mock import MockFactory
    >>> factory = MockFactory()
    >>> io = CabinetIO({"led_green": 5, "led_amber": 6, "led_red": 13}, pin_factory=factory)
    >>> io.show("degraded"); io.outputs()
    {'led_green': False, 'led_amber': True, 'led_red': False}
    >>> io.close()
    >>> CabinetIO({"doorbell": 4}, pin_factory=factory)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drivers.errors.GpioError: gpio.doorbell is not a GPIO setting; known: service_door, ...
    """

    def __init__(self, pins: Mapping[str, Any], *, listener: Callable[[InputChanged], None] | None = None,
                 pin_factory: Any = None, setting: str = "gpio", blink_time: float = 0.5,
                 beep_time: float = 0.15) -> None:
        if not isinstance(pins, Mapping):
            raise GpioError(f"{setting} must be a table of pin settings", setting=setting)
        for name in pins:
            if name not in INPUTS and name not in OUTPUTS:
                known = ", ".join([*INPUTS, *OUTPUTS])
                raise GpioError(f"{setting}.{name} is not a GPIO setting; known: {known}", setting=f"{setting}.{name}")
        self.blink_time = blink_time
        self.beep_time = beep_time
        self._listener = listener
        self._tower = dict(zip(("green", "amber", "red", "blink"), TOWER_STATES["off"]))
        self._pins = PinRegistry(pin_factory)
        self.pin_factory = self._pins.factory
        self._outputs: dict[str, Any] = {}
        self._debouncer = Debouncer(self._changed)
        try:
            self._open(pins, setting)
        except BaseException:
            self.close()
            raise

    def _open(self, pins: Mapping[str, Any], setting: str) -> None:
        for name in INPUTS:
            if pins.get(name) is not None:
                spec = input_spec(f"{setting}.{name}", pins[name])
                device = self._pins.input(f"{setting}.{name}", spec)
                self._debouncer.add(name, device, bounce_time=spec["bounce_time"], invert=spec["invert"])
        for name in OUTPUTS:
            if pins.get(name) is not None:
                where = f"{setting}.{name}"
                kind = Buzzer if name == "buzzer" else LED
                self._outputs[name] = self._pins.output(where, output_spec(where, pins[name]), kind)

    def inputs(self) -> dict[str, bool]:
        """The settled state of every fitted input (True: active, see :data:`INPUTS`)."""
        return self._debouncer.state()

    def outputs(self) -> dict[str, bool]:
        """Whether each fitted output is on right now (a blinking light flips)."""
        return {name: bool(device.value) for name, device in self._outputs.items()}

    def tower(self) -> dict[str, bool]:
        """The tower state last asked for: ``{"green", "amber", "red", "blink"}``."""
        return dict(self._tower)

    def set_tower(self, *, green: bool = False, amber: bool = False, red: bool = False, blink: bool = False) -> None:
        """Light the tower: green = ready, amber = degraded, red = alarm; ``blink`` flashes the lit ones."""
        wanted = {"green": green, "amber": amber, "red": red}
        if not all(isinstance(v, bool) for v in (*wanted.values(), blink)):
            raise ValueError("tower lights and blink must be true or false")
        for colour, on in wanted.items():
            led = self._outputs.get(f"led_{colour}")
            if led is None:
                continue
            if on and blink:
                led.blink(on_time=self.blink_time, off_time=self.blink_time, background=True)
            elif on:
                led.on()
            else:
                led.off()
        self._tower = {**wanted, "blink": blink}

    def show(self, state: str) -> None:
        """Set the tower to a named state of :data:`TOWER_STATES`."""
        if state not in TOWER_STATES:
            raise ValueError(f"tower state must be one of {', '.join(TOWER_STATES)}, not {state!r}")
        green, amber, red, blink = TOWER_STATES[state]
        self.set_tower(green=green, amber=amber, red=red, blink=blink)

    def buzz(self, pattern: str, *, times: int = 1) -> None:
        """``"on"`` (until ``"off"``), ``"off"``, or ``"beep"`` ``times`` times (in the background)."""
        if pattern not in BUZZ_PATTERNS:
            raise ValueError(f"buzz pattern must be one of {', '.join(BUZZ_PATTERNS)}, not {pattern!r}")
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 100:
            raise ValueError(f"times must be 1 to 100, not {times!r}")
        buzzer = self._outputs.get("buzzer")
        if buzzer is None:
            return
        if pattern == "on":
            buzzer.on()
        elif pattern == "off":
            buzzer.off()
        else:
            buzzer.beep(on_time=self.beep_time, off_time=self.beep_time, n=times, background=True)

    def close(self) -> None:
        """Stop reporting and release every pin (outputs go off). Idempotent."""
        self._debouncer.close()
        self._outputs = {}
        self._pins.close_all()

    def _changed(self, name: str, active: bool) -> None:
        if self._listener is not None:
            self._listener(InputChanged(name, active))

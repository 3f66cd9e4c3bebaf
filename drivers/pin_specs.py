"""What the cabinet's pins are and how a pin is written in the configuration (pure Python).

The GPIO names (:data:`INPUTS`, :data:`OUTPUTS`), the pin spec of each, and the
``[gpio] pin_factory`` values: the configuration checks them here without
importing gpiozero; :mod:`drivers.gpio` and :mod:`drivers.pin_factories` use them.

>>> GPIO_NAMES[:2], PIN_FACTORIES
(('service_door', 'tamper'), ('', 'lgpio', 'rpigpio', 'native', 'pigpio'))
>>> check_pin_factory("pigpio://[::1]:8888"), pigpio_address("pigpio://[::1]:8888")
('pigpio://[::1]:8888', ('::1', 8888))
>>> check_pin_factory("gpiod")
Traceback (most recent call last):
...
drivers.errors.GpioError: gpio.pin_factory: must be one of '', 'lgpio', 'rpigpio', 'native', 'pigpio' or 'pigpio://HOST:PORT', not 'gpiod'
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from .errors import GpioError

#: Inputs and what "active" means for each: the condition its name says is present.
INPUTS = {
    "service_door": "the service door is open",
    "tamper": "the tamper switch tripped",
    "power_fail": "mains power failed; the cabinet runs on the UPS battery",
    "battery_low": "the UPS battery is low; shut down cleanly",
    "presence": "someone stands in front of the kiosk",
}
#: Outputs: the LED tower (green, amber, red) and the buzzer.
OUTPUTS = ("led_green", "led_amber", "led_red", "buzzer")
INPUT_KEYS = frozenset({"pin", "pull_up", "active_state", "invert", "bounce_time"})
OUTPUT_KEYS = frozenset({"pin", "active_high"})
DEFAULT_BOUNCE = 0.05
GPIO_NAMES = tuple(INPUTS) + OUTPUTS

#: The setting naming the pin factory.
PIN_FACTORY_SETTING = "gpio.pin_factory"
#: gpiozero's factories for this machine's own pins, as ``module:Class``.
LOCAL_PIN_FACTORIES = {"lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
                       "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
                       "native": "gpiozero.pins.native:NativeFactory"}
#: ``[gpio] pin_factory`` values besides "pigpio://HOST:PORT": "" lets gpiozero choose
#: (lgpio, then RPi.GPIO), "pigpio" is the daemon at $PIGPIO_ADDR:$PIGPIO_PORT.
PIN_FACTORIES = ("", *LOCAL_PIN_FACTORIES, "pigpio")


def check_pin_factory(value: Any) -> str:
    """``value`` stripped, if it names a pin factory; GpioError naming the setting otherwise."""
    if not isinstance(value, str):
        raise GpioError(f"{PIN_FACTORY_SETTING}: must be a string", setting=PIN_FACTORY_SETTING)
    value = value.strip()
    if value in PIN_FACTORIES:
        return value
    host, _, port = value.removeprefix("pigpio://").rpartition(":")
    if value.startswith("pigpio://") and host.strip("[]") and port.isdigit() and 0 < int(port) < 65536:
        return value
    raise GpioError(f"{PIN_FACTORY_SETTING}: must be one of {', '.join(repr(f) for f in PIN_FACTORIES)} "
                    f"or 'pigpio://HOST:PORT', not {value!r}", setting=PIN_FACTORY_SETTING)


def pigpio_address(spec: str) -> tuple[str, int]:
    """The daemon's host and port for "pigpio" or "pigpio://HOST:PORT"."""
    if spec == "pigpio":
        return os.environ.get("PIGPIO_ADDR", "localhost"), int(os.environ.get("PIGPIO_PORT", "8888"))
    host, _, port = spec.removeprefix("pigpio://").rpartition(":")
    return host.strip("[]"), int(port)


def input_spec(setting: str, raw: Any) -> dict:
    """A normalised input spec: a pin, or a mapping with the keys of :data:`INPUT_KEYS`.

    ``pull_up`` True (default): the switch closes to ground and closed means active;
    False: closes to 3.3 V; None: an external resistor, and ``active_state`` (True:
    high is active) must be given. ``invert`` swaps active and inactive (a switch
    that is closed in the normal state). ``bounce_time``: seconds the level must
    stay put before it counts.

    >>> input_spec("gpio.tamper", 4)
    {'pin': 4, 'pull_up': True, 'active_state': None, 'invert': False, 'bounce_time': 0.05}
    >>> input_spec("gpio.tamper", {"pin": 4, "colour": "red"})
    Traceback (most recent call last):
    ...
    drivers.errors.GpioError: gpio.tamper: unknown key 'colour'; known: active_state, bounce_time, invert, pin, pull_up
    """
    spec = _spec_mapping(setting, raw, INPUT_KEYS)
    spec.setdefault("pull_up", True)
    spec.setdefault("active_state", None)
    spec.setdefault("invert", False)
    spec.setdefault("bounce_time", DEFAULT_BOUNCE)
    if spec["pull_up"] is not None and not isinstance(spec["pull_up"], bool):
        raise GpioError(f"{setting}.pull_up must be true, false or absent", setting=f"{setting}.pull_up")
    if spec["active_state"] is not None and not isinstance(spec["active_state"], bool):
        raise GpioError(f"{setting}.active_state must be true, false or absent", setting=f"{setting}.active_state")
    if spec["pull_up"] is None and spec["active_state"] is None:
        raise GpioError(f"{setting}: without pull_up, active_state must say which level is active",
                        setting=f"{setting}.active_state")
    if spec["pull_up"] is not None and spec["active_state"] is not None:
        raise GpioError(f"{setting}: give either pull_up or active_state, not both", setting=f"{setting}.active_state")
    if not isinstance(spec["invert"], bool):
        raise GpioError(f"{setting}.invert must be true or false", setting=f"{setting}.invert")
    bounce = spec["bounce_time"]
    if isinstance(bounce, bool) or not isinstance(bounce, (int, float)) or not 0 <= bounce <= 10:
        raise GpioError(f"{setting}.bounce_time must be 0 to 10 seconds", setting=f"{setting}.bounce_time")
    return spec


def output_spec(setting: str, raw: Any) -> dict:
    """A normalised output spec: a pin, or ``{"pin", "active_high"}`` (default True).

    >>> output_spec("gpio.led_red", "GPIO13")
    {'pin': 'GPIO13', 'active_high': True}
    """
    spec = _spec_mapping(setting, raw, OUTPUT_KEYS)
    spec.setdefault("active_high", True)
    if not isinstance(spec["active_high"], bool):
        raise GpioError(f"{setting}.active_high must be true or false", setting=f"{setting}.active_high")
    return spec


def _spec_mapping(setting: str, raw: Any, keys: frozenset) -> dict:
    spec = dict(raw) if isinstance(raw, Mapping) else {"pin": raw}
    unknown = sorted(str(key) for key in spec if key not in keys)
    if unknown:
        raise GpioError(f"{setting}: unknown key {unknown[0]!r}; known: {', '.join(sorted(keys))}",
                        setting=f"{setting}.{unknown[0]}")
    if "pin" not in spec:
        raise GpioError(f"{setting}: the pin is missing", setting=f"{setting}.pin")
    pin = spec["pin"]
    valid = (isinstance(pin, int) and not isinstance(pin, bool) and pin >= 0) or (
        isinstance(pin, str) and pin.strip() != "")
    if not valid:
        raise GpioError(f"{setting}.pin must be a GPIO number or a pin name such as 'GPIO17', not {pin!r}",
                        setting=f"{setting}.pin")
    return spec

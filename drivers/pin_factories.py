"""gpiozero pin factories chosen by name, as ``[gpio] pin_factory`` names them.

``""`` lets gpiozero choose (lgpio, then RPi.GPIO: a Raspberry Pi's own pins);
``"lgpio"``, ``"rpigpio"``, ``"native"`` pick one of gpiozero's local factories;
``"pigpio"`` or ``"pigpio://HOST:PORT"`` drives the pins of a pigpio daemon over
TCP (``pigpiod`` on a Pi, or the simulator's ``locker sim --gpio``), the default
address coming from ``PIGPIO_ADDR``/``PIGPIO_PORT`` or localhost:8888.
:class:`PinsWatch` notices a daemon that went away and connects again.

>>> open_pin_factory("") is None
True
>>> open_pin_factory("pigpio://127.0.0.1:1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
drivers.errors.GpioError: gpio.pin_factory: no pigpio daemon answers at 127.0.0.1:1 (...)
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from typing import Any, Callable

from gpiozero.exc import GPIOZeroError

from .backoff import Backoff
from .errors import GpioError
from .pin_specs import LOCAL_PIN_FACTORIES, PIN_FACTORY_SETTING, pigpio_address

log = logging.getLogger(__name__)

SETTING = PIN_FACTORY_SETTING
CONNECT_TIMEOUT = 3.0


def open_pin_factory(spec: str) -> Any:
    """The factory ``spec`` names, or None for gpiozero's own choice. Raises GpioError."""
    if not spec:
        return None
    if spec == "pigpio" or spec.startswith("pigpio://"):
        return _pigpio(*pigpio_address(spec))
    if spec not in LOCAL_PIN_FACTORIES:
        raise GpioError(f"{SETTING}: unknown pin factory {spec!r}", setting=SETTING)
    module, name = LOCAL_PIN_FACTORIES[spec].split(":")
    try:
        factory_class = getattr(__import__(module, fromlist=[name]), name)
        return factory_class()
    except (ImportError, GPIOZeroError, OSError, RuntimeError) as exc:
        raise GpioError(f"{SETTING}: the {spec} pin factory does not work on this machine ({exc})",
                        setting=SETTING) from None


def pins_reachable(factory: Any) -> bool:
    """False when a remote factory's daemon has gone; local factories are always reachable.

    A lost pigpio connection is closed here, so its reader thread ends instead of spinning.
    """
    if not _is_pigpio(factory):
        return True
    connection = factory.connection
    if connection is None:
        return False
    try:
        connection.get_current_tick()
        return True
    except Exception as exc:  # noqa: BLE001 - pigpio raises socket and struct errors alike
        log.warning("gpio: the pigpio daemon at %s:%s is gone (%s)", factory.host, factory.port, exc)
        for _ in range(2):  # the first stop may fail sending on the dead socket; the second cleans up
            with contextlib.suppress(Exception):
                connection.stop()
        return False


class PinsWatch:
    """Checks a remote factory's daemon every ``interval`` seconds, in the background.

    ``reachable`` is the last answer; the first check that fails also closes the
    lost connection (see :func:`pins_reachable`) and calls ``on_lost``. With ``reopen`` (returns a new
    factory or raises GpioError) the watch then tries to connect again, waiting
    longer each time (``backoff``), and hands each new factory to ``on_reopened``
    (whose exception means "not yet": the next attempt follows the back-off).

    >>> from gpiozero.pins.mock import MockFactory
    >>> watch = PinsWatch(MockFactory(), interval=0.01); watch.start(); watch.reachable
    True
    >>> watch.stop()
    """

    def __init__(self, factory: Any, *, interval: float = 2.0, reopen: Callable[[], Any] | None = None,
                 on_reopened: Callable[[Any], None] | None = None, on_lost: Callable[[], None] | None = None,
                 backoff: tuple[float, float] = (1.0, 30.0)) -> None:
        self.factory, self.interval = factory, interval
        self.reachable = True
        self.reconnects = 0
        self._reopen, self._on_reopened, self._on_lost = reopen, on_reopened, on_lost
        self._backoff = Backoff(*backoff)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gpio-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 1.0)  # a hung daemon must not hang the shutdown

    def _run(self) -> None:
        while not self._stop.wait(self.interval if self.reachable else self._backoff.next()):
            if self.reachable:
                self.reachable = pins_reachable(self.factory)
                if not self.reachable:
                    self._backoff.reset()
                    self._lost()
            elif self._reopen is None:
                return
            else:
                self._try_reopen()

    def _lost(self) -> None:
        if self._on_lost is None:
            return
        try:
            self._on_lost()
        except Exception:  # noqa: BLE001 - the watch must go on to reconnect
            log.exception("gpio: reacting to the lost pins failed")

    def _try_reopen(self) -> None:
        try:
            factory = self._reopen()
        except GpioError as exc:
            log.info("gpio: still no pins (%s)", exc)
            return
        try:
            if self._on_reopened is not None:
                self._on_reopened(factory)
        except Exception:  # noqa: BLE001 - whatever failed, the next attempt starts afresh
            log.exception("gpio: the pins came back but could not be set up again")
            with contextlib.suppress(Exception):
                factory.close()
            return
        self.factory, self.reachable = factory, True
        self.reconnects += 1
        log.warning("gpio: connected to the pins again")


def _pigpio(host: str, port: int) -> Any:
    try:
        from gpiozero.pins.pigpio import PiGPIOFactory
    except ImportError:
        raise GpioError(f"{SETTING}: the pigpio client library is not installed (pip install pigpio)",
                        setting=SETTING) from None
    try:  # pigpio itself would wait for the system's TCP timeout and print a banner
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise GpioError(f"{SETTING}: no pigpio daemon answers at {host}:{port} ({exc})", setting=SETTING) from None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return PiGPIOFactory(host=host, port=port)
    except (OSError, GPIOZeroError, ValueError) as exc:
        raise GpioError(f"{SETTING}: cannot use the pigpio daemon at {host}:{port} ({exc})", setting=SETTING) from None


def _is_pigpio(factory: Any) -> bool:
    return type(factory).__name__ == "PiGPIOFactory"

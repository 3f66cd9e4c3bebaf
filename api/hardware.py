"""Adapters from :mod:`drivers` to the domain's ports.

The drivers speak of latches, boards and frames; the domain speaks of doors and
compartments. This module is the only place where the two meet: it wraps a
:class:`drivers.bus.LockBusDriver` as a :class:`locker.ports.LockBus` and turns the
driver's events into the domain's hardware events.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from drivers import events as drv
from drivers.bus import LockBusDriver
from drivers.protocol import BoardStatus
from drivers.errors import GpioError
from drivers.gpio import CabinetIO
from drivers.gpio_locks import RelayLockBus
from drivers.scanner import LineScanner
from drivers.scanner_models import ScannerModel, get_model
from locker.config import BusConfig, ScannerConfig
from locker.config_hardware import SCANNER_SETTINGS, check_scanner
from locker.errors import ConfigError
from locker.ports import (
    BoardAvailability,
    BoardReading,
    DoorChanged,
    EventSink,
    HardwareEvent,
    ItemChanged,
    LockReading,
    ScanRead,
    SensorChanged,
    UnlockOutcome,
)

log = logging.getLogger(__name__)

def to_domain_event(event: Any, bus: str = "main") -> HardwareEvent | None:
    """Translate one driver event on ``bus`` into the domain's vocabulary (None if irrelevant).

    >>> to_domain_event(drv.LatchChanged(1, 2, latched=False), "left")
    DoorChanged(board=1, lock=2, open=True, bus='left')
    """
    if isinstance(event, drv.LatchChanged):
        return DoorChanged(event.board, event.lock, open=not event.latched, bus=bus)
    if isinstance(event, drv.ItemSensed):
        return ItemChanged(event.board, event.lock, present=event.present, bus=bus)
    if isinstance(event, drv.BoardOnline):
        return BoardAvailability(event.board, online=True, bus=bus)
    if isinstance(event, drv.BoardOffline):
        return BoardAvailability(event.board, online=False, bus=bus)
    if isinstance(event, drv.UnlockDone):
        return UnlockOutcome(event.board, event.lock, event.result, bus=bus)
    return None


def to_board_reading(status: BoardStatus, bus: str = "main") -> BoardReading:
    locks = {
        index + 1: LockReading(door_open=not latched, item=status.items[index])
        for index, latched in enumerate(status.latched)
    }
    return BoardReading(board=status.board, locks=locks, bus=bus)


class DriverLockBus:
    """A :class:`locker.ports.LockBus` on one RS485 bus of lock boards.

    ``sink`` receives the domain events; it is called from the bus thread.
    """

    def __init__(
        self,
        config: BusConfig,
        *,
        boards: tuple[int, ...],
        sink: EventSink,
        pin_factory: Any = None,
    ) -> None:
        self._sink = sink
        self._config = config
        self.name = config.name
        if config.protocol == "gpio-relay":
            self.driver = _relay_driver(config, self._on_driver_event, pin_factory)
            return
        self.driver = LockBusDriver(
            url=config.url,
            protocol=config.protocol,
            boards=boards,
            listener=self._on_driver_event,
            baudrate=config.baudrate,
            latched_bit=config.latched_bit,
            answer_timeout=config.answer_timeout_ms / 1000,
            poll_interval=config.poll_interval_ms / 1000,
            open_timeout=config.open_timeout_ms / 1000,
            pulse_time=config.pulse_ms / 1000,
            protocol_options=config.protocol_options(),
            pulse_ms_on_board=config.pulse_ms if config.set_pulse_time else None,
            item_sensors=config.item_sensors,
        )

    def start(self) -> None:
        self.driver.start()

    def stop(self) -> None:
        self.driver.stop()

    @property
    def on_pins(self) -> bool:
        """Whether this bus's locks are relays on GPIO pins."""
        return self._config.protocol == "gpio-relay"

    def pins_lost(self) -> None:
        """Relay locks only: their pins went away; the board is offline until :meth:`replace_pins`."""
        self.driver.pins_lost()

    def replace_pins(self, pin_factory: Any) -> None:
        """Relay locks only: drive them through ``pin_factory`` from now on (the old pins are gone)."""
        new = _relay_driver(self._config, self._on_driver_event, pin_factory)
        old, self.driver = self.driver, new
        old.stop()
        new.start()

    def request_unlock(self, board: int, lock: int, *, bus: str = "main") -> None:
        self.driver.unlock(board, lock)

    def read_boards(self, timeout: float) -> dict[tuple[str, int], BoardReading | None]:
        statuses = self.driver.read_all(timeout)
        return {(self.name, board): (to_board_reading(s, self.name) if s is not None else None)
                for board, s in statuses.items()}

    def stats(self) -> dict[int, dict]:
        return self.driver.stats()

    def _on_driver_event(self, event: Any) -> None:
        translated = to_domain_event(event, self.name)
        if translated is not None:
            self._sink(translated)


def _relay_driver(config: BusConfig, listener: Callable[[Any], None], pin_factory: Any) -> RelayLockBus:
    """Locks on relay outputs with door switches on inputs (board 0, locks from 1)."""
    where = "bus.relay_locks" if config.name == "main" else f"bus.{config.name}.relay_locks"
    try:
        return RelayLockBus(locks=config.relay_locks, listener=listener, pin_factory=pin_factory,
                            pulse_time=config.pulse_ms / 1000, open_timeout=config.open_timeout_ms / 1000,
                            setting=where)
    except GpioError as exc:
        raise ConfigError(exc.setting or where, str(exc)) from None


class CabinetBus:
    """Every lock bus of a cabinet behind one :class:`locker.ports.LockBus`.

    Stats name a board by its number on the first bus and ``bus/board`` elsewhere.
    """

    def __init__(self, buses: list[DriverLockBus]) -> None:
        self.buses = {bus.name: bus for bus in buses}
        self._first = buses[0].name

    def start(self) -> None:
        for bus in self.buses.values():
            bus.start()

    def stop(self) -> None:
        for bus in self.buses.values():
            bus.stop()

    def request_unlock(self, board: int, lock: int, *, bus: str = "main") -> None:
        self.buses[bus].request_unlock(board, lock, bus=bus)

    def read_boards(self, timeout: float) -> dict[tuple[str, int], BoardReading | None]:
        readings: dict[tuple[str, int], BoardReading | None] = {}
        for bus in self.buses.values():
            readings.update(bus.read_boards(timeout))
        return readings

    def stats(self) -> dict[Any, dict]:
        merged: dict[Any, dict] = {}
        for name, bus in self.buses.items():
            for board, stats in bus.stats().items():
                merged[board if name == self._first else f"{name}/{board}"] = stats
        return merged


class NoLockBus:
    """The bus of a cabinet with no lock boards configured: every unlock is unknown."""

    def __init__(self, *, sink: EventSink) -> None:
        self._sink = sink

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def request_unlock(self, board: int, lock: int, *, bus: str = "main") -> None:
        self._sink(UnlockOutcome(board, lock, "unknown", bus=bus))

    def read_boards(self, timeout: float) -> dict[tuple[str, int], BoardReading | None]:
        return {}

    def stats(self) -> dict[int, dict]:
        return {}


def scanner_model(config: ScannerConfig) -> ScannerModel:
    """The command set of ``[scanner]``; a malformed enable/disable setting is a ConfigError naming it."""
    check_scanner(config)
    settings = {key: getattr(config, key) for key in SCANNER_SETTINGS if getattr(config, key)}
    return get_model(config.model, trigger=config.trigger, **settings)


class ScannerAdapter:
    """Feeds codes read by a serial QR scanner into the domain as :class:`ScanRead`."""

    def __init__(self, config: ScannerConfig, *, sink: EventSink) -> None:
        self._sink = sink
        self.reader = LineScanner(
            url=config.url,
            on_code=self._on_code,
            baudrate=config.baudrate,
            dedupe_window=config.dedupe_ms / 1000,
            model=scanner_model(config),
        )

    def start(self) -> None:
        self.reader.start()

    def stop(self) -> None:
        self.reader.stop()

    def set_reading(self, on: bool) -> None:
        """The domain's :class:`locker.ports.ScannerControl`: on while the kiosk waits for a code."""
        if on:
            self.reader.enable()
        else:
            self.reader.disable()

    def ok(self) -> bool:
        connected = getattr(self.reader, "connected", None)
        return bool(connected() if callable(connected) else True)

    def _on_code(self, code: str) -> None:
        self._sink(ScanRead(code))


class GpioPanel:
    """The domain's :class:`locker.ports.Panel` on the cabinet's LED tower and buzzer."""

    def __init__(self, io: CabinetIO) -> None:
        self.io = io
        self._state: str | None = None
        self._buzzing = False

    def set_buzzer(self, on: bool) -> None:
        self._buzzing = on
        self.io.buzz("on" if on else "off")

    def show(self, state: str) -> None:
        self._state = state
        self.io.show(state)

    def attach(self, io: CabinetIO) -> None:
        """Use ``io`` from now on (the pins came back), showing what was last asked for."""
        self.io = io
        if self._state is not None:
            io.show(self._state)
        io.buzz("on" if self._buzzing else "off")


def open_cabinet_io(pins: dict[str, Any], *, sink: EventSink, pin_factory: Any = None) -> CabinetIO:
    """The cabinet's GPIO from the ``[gpio]`` table; a bad pin stops the start, naming its key."""
    try:
        return CabinetIO(pins, listener=lambda change: sink(SensorChanged(change.name, change.active)),
                         pin_factory=pin_factory, setting="gpio")
    except GpioError as exc:
        raise ConfigError(exc.setting or "gpio", str(exc)) from None

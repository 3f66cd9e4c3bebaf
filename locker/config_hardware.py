"""The hardware sections: lock buses, compartments, the scanner and the GPIO pins.

What a board family is (addresses, locks per board, line speed, item sensors) is
asked of :mod:`drivers.families`; this module only says which key is wrong.

>>> bus = read_buses({"url": "x", "protocol": "winnsen"}, env={})[0]
>>> bus.baudrate, bus.latched_bit, bus.board_range, bus.item_sensors
(9600, 0, range(0, 4), False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from drivers.board8a import STATUS_ORDERS
from drivers.errors import GpioError
from drivers.families import BAUDRATES, FAMILIES, PROTOCOLS, BoardFamily
from drivers.pin_specs import GPIO_NAMES, PIN_FACTORIES, check_pin_factory
from drivers.printer_setup import WIDTH_DOTS
from drivers.printer_setup import check_url as check_printer_url
from drivers.scanner_models import MODELS, SETTING_MODELS, get_model
from drivers.winnsen import STATION_BASES

from .config_fields import coerce, read_section
from .errors import ConfigError

SIZES = ("S", "M", "L")
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_HEIGHT_MM = (1, 5000)
#: A compartment's floor above the ground, in millimetres.
FLOOR_MM = (0, 3000)
#: The family whose ``channels`` setting says how many locks a board has.
_CHANNELS = next(f for f in FAMILIES.values() if f.locks_setting == "channels")


@dataclass(frozen=True)
class BusConfig:
    #: Compartments name their bus with this (``bus = "..."``); a single ``[bus]`` is "main".
    name: str = "main"
    url: str = ""
    protocol: str = "kerong-cu16"
    #: 0 in the file means the family's default (19200 for Kerong, 9600 for 8A and Winnsen).
    baudrate: int = 0
    #: Value of a latch bit that means "latched" (sources disagree: 1 or 0);
    #: -1 (absent) means the family's default (1, or 0 for Winnsen).
    latched_bit: int = -1
    #: Whether the compartments' item sensors decide (None in the file: the family's default).
    item_sensors: bool | None = None
    pulse_ms: int = 500
    #: Send pulse_ms to every board with the family's set-pulse-time command when it
    #: comes online (Kerong CU16 ``0x37``, units of 10 ms, rounded); single source, so off by default.
    set_pulse_time: bool = False
    #: 0 means the family's default (300 ms for Kerong and Winnsen, 1500 ms for 8A).
    answer_timeout_ms: int = 0
    poll_interval_ms: int = 150
    #: How long after an unlock the latch may stay engaged before the lock is jammed.
    open_timeout_ms: int = 3000
    #: "8a" boards: channels per board (2-50) and the order of the read-all status bytes.
    channels: int = 24
    status_order: str = "high-first"
    #: Winnsen boards are numbered 0-3 here; the station byte on the wire is
    #: board + station_base (sources disagree between 0-3 and 1-4).
    station_base: int = 1
    #: "gpio-relay": lock N (board 0) is ``relay_locks[N-1]``, a table with ``relay`` and
    #: ``switch`` pins (and optionally ``active_high``, ``pull_up``).
    relay_locks: tuple[dict, ...] = ()

    @property
    def family(self) -> BoardFamily:
        return FAMILIES[self.protocol]

    @property
    def board_range(self) -> range:
        return self.family.board_addresses

    def protocol_options(self) -> dict[str, Any]:
        """The family-specific settings the board driver takes."""
        return {option: getattr(self, option) for option in self.family.options}

    @property
    def locks_per_board(self) -> int:
        setting = self.family.locks_setting
        if setting == "relay_locks":
            return len(self.relay_locks)
        return self.channels if setting == "channels" else self.family.locks_per_board


SCANNER_MODELS = tuple(MODELS)
#: The ``[scanner]`` keys that change a model's menu settings (models in ``SETTING_MODELS``).
SCANNER_SETTINGS = ("enable_setting", "disable_setting")


@dataclass(frozen=True)
class ScannerConfig:
    url: str = ""
    baudrate: int = 115200
    dedupe_ms: int = 2000
    #: Command set: line (no commands), honeywell, zebra-ssi, newland or datalogic.
    model: str = "line"
    #: Read only after a serial trigger (manual trigger mode) instead of presentation mode.
    trigger: bool = False
    #: honeywell and newland only: the menu setting that starts reading (presentation mode) and
    #: the one that stops it; "" keeps the model's own (TRGMOD3/TRGMOD0, SCNMOD2/SCNMOD0).
    #: ``locker commission --scanner`` shows whether they work on the scanner at hand.
    enable_setting: str = ""
    disable_setting: str = ""


@dataclass(frozen=True)
class PrinterConfig:
    """``[printer]``: the receipt printer (ESC/POS thermal); no ``url`` means the cabinet has none."""

    #: ``tcp://HOST:9100`` (network), ``usb://VENDOR:PRODUCT``, ``/dev/usb/lp0``, a serial device or pyserial URL.
    url: str = ""
    #: Paper width: 58 or 80 mm.
    width_mm: int = 58
    #: Serial printers only.
    baudrate: int = 19200
    #: Seconds to wait for the printer's answer to a status request.
    timeout_s: float = 3.0
    #: Ask the printer for its state (DLE EOT) before and after each receipt; turn off for a
    #: port that cannot carry its answers (jobs are then sent unchecked).
    read_status: bool = True


@dataclass(frozen=True)
class CompartmentConfig:
    label: str
    board: int
    lock: int
    size: str
    bus: str = "main"
    #: Inner height in millimetres, when known.
    height_mm: int | None = None
    #: Where it is on the cabinet's front (from 1, top left), for the console's grid.
    row: int | None = None
    column: int | None = None
    #: Height of its floor (the shelf a dossier lies on) above the ground, in millimetres, when
    #: known: whether a person in a wheelchair can reach it (see :mod:`locker.reach`).
    floor_mm: int | None = None


def read_pin_factory(raw: Mapping[str, Any], env: Mapping[str, str]) -> str:
    value = env.get("LOCKER_GPIO_PIN_FACTORY", raw.get("pin_factory", ""))
    try:
        return check_pin_factory(value)
    except GpioError as exc:
        raise ConfigError("gpio.pin_factory", str(exc).removeprefix("gpio.pin_factory: ")) from None


def read_gpio(raw: Mapping[str, Any]) -> dict[str, Any]:
    raw = {name: spec for name, spec in raw.items() if name != "pin_factory"}
    for name, spec in raw.items():
        if name not in GPIO_NAMES:
            raise ConfigError(f"gpio.{name}", "unknown GPIO name; known: " + ", ".join(GPIO_NAMES))
        if isinstance(spec, bool) or not isinstance(spec, (int, str, Mapping)):
            raise ConfigError(f"gpio.{name}", "must be a pin number or a table with a pin")
    return {name: (dict(spec) if isinstance(spec, Mapping) else spec) for name, spec in raw.items()}


def bus_where(index: int, count: int) -> str:
    return "bus" if count == 1 else f"bus[{index}]"


def read_buses(raw: Any, env: Mapping[str, str]) -> tuple[BusConfig, ...]:
    """One ``[bus]`` table or several ``[[bus]]`` tables; ``LOCKER_BUS_*`` applies to a single bus."""
    tables = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(tables, list) or not tables:
        raise ConfigError("bus", "must be a table ([bus]) or an array of tables ([[bus]])")
    buses: list[BusConfig] = []
    for i, values in enumerate(tables):
        where = bus_where(i, len(tables))
        if not isinstance(values, Mapping):
            raise ConfigError(where, "must be a table")
        relays = _relay_locks(where, values.get("relay_locks", []))
        scalars = {key: value for key, value in values.items() if key != "relay_locks"}
        bus = replace(read_section(where, BusConfig, scalars, env, prefix="LOCKER_BUS_" if len(tables) == 1 else ""),
                      relay_locks=relays)
        buses.append(_with_family_defaults(where, bus))
    names = [b.name for b in buses]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"bus[{i}].name", f"{name} is used twice")
    return tuple(buses)


def _relay_locks(where: str, raw: Any) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise ConfigError(f"{where}.relay_locks", "must be an array of tables ([[bus.relay_locks]])")
    for i, item in enumerate(raw):
        for key in ("relay", "switch"):
            if key not in item:
                raise ConfigError(f"{where}.relay_locks[{i}].{key}", "is missing")
    return tuple(dict(item) for item in raw)


def _with_family_defaults(where: str, bus: BusConfig) -> BusConfig:
    if bus.protocol not in FAMILIES:
        raise ConfigError(f"{where}.protocol", f"unknown protocol; known: {', '.join(PROTOCOLS)}")
    if not NAME_RE.match(bus.name):
        raise ConfigError(f"{where}.name", "use 1-32 lower-case letters, digits, '-' or '_'")
    family = FAMILIES[bus.protocol]
    if bus.item_sensors and not family.item_sensors:
        raise ConfigError(f"{where}.item_sensors", f"{bus.protocol} boards report no item sensors")
    return replace(bus, baudrate=bus.baudrate or family.baudrate,
                   answer_timeout_ms=bus.answer_timeout_ms or family.answer_timeout_ms,
                   latched_bit=family.latched_bit if bus.latched_bit == -1 else bus.latched_bit,
                   item_sensors=family.item_sensors if bus.item_sensors is None else bus.item_sensors)


#: The largest row or column number of the cabinet grid.
MAX_PLACE = 99


def read_compartments(items: Any, buses: tuple[BusConfig, ...]) -> tuple[CompartmentConfig, ...]:
    if not isinstance(items, list):
        raise ConfigError("compartment", "must be an array of tables ([[compartment]])")
    out = [_compartment(f"compartment[{i}]", item, buses) for i, item in enumerate(items)]
    labels = [c.label for c in out]
    for i, c in enumerate(out):
        if labels.index(c.label) != i:
            raise ConfigError(f"compartment[{i}].label", f"{c.label} is used twice")
        if any((o.bus, o.board, o.lock) == (c.bus, c.board, c.lock) for o in out[:i]):
            raise ConfigError(f"compartment[{i}].lock", f"board {c.board} lock {c.lock} is used twice")
        if c.row is not None and any((o.row, o.column) == (c.row, c.column) for o in out[:i]):
            raise ConfigError(f"compartment[{i}].row", f"row {c.row} column {c.column} is used twice")
    return tuple(out)


def _compartment(where: str, item: Any, buses: tuple[BusConfig, ...]) -> CompartmentConfig:
    if not isinstance(item, Mapping):
        raise ConfigError(where, "must be a table")
    for key in item:
        if key not in ("label", "board", "lock", "size", "bus", "height_mm", "row", "column", "floor_mm"):
            raise ConfigError(f"{where}.{key}", "unknown key")
    for key in ("label", "board", "lock", "size"):
        if key not in item:
            raise ConfigError(f"{where}.{key}", "is missing")
    label = coerce(f"{where}.label", item["label"], "str", from_env=False)
    board = coerce(f"{where}.board", item["board"], "int", from_env=False)
    lock = coerce(f"{where}.lock", item["lock"], "int", from_env=False)
    size = coerce(f"{where}.size", item["size"], "str", from_env=False)
    bus = coerce(f"{where}.bus", item.get("bus", buses[0].name), "str", from_env=False)
    height = item.get("height_mm")
    if height is not None:
        height = coerce(f"{where}.height_mm", height, "int", from_env=False)
        if not _HEIGHT_MM[0] <= height <= _HEIGHT_MM[1]:
            raise ConfigError(f"{where}.height_mm", f"must be between {_HEIGHT_MM[0]} and {_HEIGHT_MM[1]}")
    floor = _floor(f"{where}.floor_mm", item.get("floor_mm"))
    if not LABEL_RE.match(label):
        raise ConfigError(f"{where}.label", "use 1-16 letters, digits, '-' or '_'")
    row, column = (_place(f"{where}.{key}", item.get(key)) for key in ("row", "column"))
    if (row is None) != (column is None):
        raise ConfigError(f"{where}.{'row' if row is None else 'column'}", "give both row and column, or neither")
    by_name = {b.name: b for b in buses}
    if bus not in by_name:
        raise ConfigError(f"{where}.bus", f"no bus is named {bus!r}; known: {', '.join(by_name)}")
    boards, locks = by_name[bus].board_range, by_name[bus].locks_per_board
    if board not in boards:
        raise ConfigError(f"{where}.board", f"must be between {boards[0]} and {boards[-1]} "
                                            f"for {by_name[bus].protocol} boards")
    if not 1 <= lock <= locks:
        raise ConfigError(f"{where}.lock", f"must be between 1 and {locks} for {by_name[bus].protocol} boards")
    if size not in SIZES:
        raise ConfigError(f"{where}.size", "must be S, M or L")
    return CompartmentConfig(label, board, lock, size, bus, height, row, column, floor)


def _floor(where: str, value: Any) -> int | None:
    if value is None:
        return None
    value = coerce(where, value, "int", from_env=False)
    if not FLOOR_MM[0] <= value <= FLOOR_MM[1]:
        raise ConfigError(where, f"must be between {FLOOR_MM[0]} and {FLOOR_MM[1]} (millimetres above the ground)")
    return value


def _place(where: str, value: Any) -> int | None:
    if value is None:
        return None
    value = coerce(where, value, "int", from_env=False)
    if not 1 <= value <= MAX_PLACE:
        raise ConfigError(where, f"must be between 1 and {MAX_PLACE}")
    return value


def check_scanner(scanner: ScannerConfig) -> None:
    if scanner.model not in SCANNER_MODELS:
        raise ConfigError("scanner.model", "must be one of " + ", ".join(SCANNER_MODELS))
    if scanner.baudrate not in BAUDRATES:
        raise ConfigError("scanner.baudrate", "must be one of " + ", ".join(map(str, BAUDRATES)))
    for key in SCANNER_SETTINGS:
        value = getattr(scanner, key)
        if value and scanner.model not in SETTING_MODELS:
            raise ConfigError(f"scanner.{key}", "only the " + " and ".join(SETTING_MODELS) + " models take it")
        if value:
            try:
                get_model(scanner.model, **{key: value})
            except ValueError as exc:
                raise ConfigError(f"scanner.{key}", str(exc)) from None


def check_printer(printer: PrinterConfig) -> None:
    if not printer.url:
        return
    problem = check_printer_url(printer.url)
    if problem:
        raise ConfigError("printer.url", problem)
    if printer.width_mm not in WIDTH_DOTS:
        raise ConfigError("printer.width_mm", "must be 58 or 80")
    if printer.baudrate not in BAUDRATES:
        raise ConfigError("printer.baudrate", "must be one of " + ", ".join(map(str, BAUDRATES)))
    if not 0 < printer.timeout_s <= 60:
        raise ConfigError("printer.timeout_s", "must be a number of seconds greater than 0, at most 60")


def check_bus(where: str, bus: BusConfig, *, has_compartments: bool) -> None:
    if bus.baudrate not in BAUDRATES:
        raise ConfigError(f"{where}.baudrate", "must be one of " + ", ".join(map(str, BAUDRATES)))
    if bus.latched_bit not in (0, 1):
        raise ConfigError(f"{where}.latched_bit", "must be 0 or 1")
    for key in ("pulse_ms", "answer_timeout_ms", "poll_interval_ms", "open_timeout_ms"):
        if getattr(bus, key) <= 0:
            raise ConfigError(f"{where}.{key}", "must be greater than 0")
    low, high = _CHANNELS.locks_min, _CHANNELS.locks_per_board
    if not low <= bus.channels <= high:
        raise ConfigError(f"{where}.channels", f"must be between {low} and {high}")
    if bus.status_order not in STATUS_ORDERS:
        raise ConfigError(f"{where}.status_order", "must be " + " or ".join(STATUS_ORDERS))
    if bus.station_base not in STATION_BASES:
        raise ConfigError(f"{where}.station_base", "must be " + " or ".join(map(str, STATION_BASES)))
    if bus.set_pulse_time:
        _check_set_pulse_time(where, bus)
    if has_compartments and bus.family.serial and not bus.url:
        raise ConfigError(f"{where}.url", "is missing; compartments need a lock bus")
    if bus.family.locks_setting == "relay_locks" and not bus.relay_locks:
        raise ConfigError(f"{where}.relay_locks", "a gpio-relay bus needs at least one relay lock")


def _check_set_pulse_time(where: str, bus: BusConfig) -> None:
    if bus.family.pulse_time_ms is None:
        raise ConfigError(f"{where}.set_pulse_time", f"{bus.protocol} boards have no set-pulse-time command")
    low, high = bus.family.pulse_time_ms
    if not low <= bus.pulse_ms <= high:
        raise ConfigError(f"{where}.pulse_ms", f"must be between {low} and {high} with set_pulse_time")

"""Configuration: a TOML file, every scalar key overridable by ``LOCKER_<SECTION>_<KEY>``.

A wrong or missing value raises :class:`ConfigError` naming the key, so that nothing
starts half-configured.

>>> cfg = config_from_dict({"bus": {"url": "loop://"},
...                         "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "M"}]}, env={})
>>> cfg.compartments[0].label, cfg.bus.protocol
('A01', 'kerong-cu16')
>>> config_from_dict({"http": {"port": "x"}}, env={})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in http.port: must be a whole number
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

SIZES = ("S", "M", "L")
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
BAUDRATES = (9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class Family:
    """What the configuration must know of a lock-board family to check a cabinet."""

    baudrate: int
    answer_timeout_ms: int
    latched_bit: int
    first_board: int
    last_board: int
    locks: int  # locks per board; for "8a" the bus's ``channels`` setting decides


FAMILIES: dict[str, Family] = {
    "kerong-cu16": Family(19200, 300, 1, 0, 15, 16),
    "kerong-cu48": Family(19200, 300, 1, 0, 15, 48),
    "8a": Family(9600, 1500, 1, 1, 32, 50),
    "winnsen": Family(9600, 300, 0, 0, 3, 16),
    # Small cabinets without lock boards: relays on GPIO outputs, door switches on inputs.
    "gpio-relay": Family(9600, 300, 1, 0, 0, 64),
}
PROTOCOLS = tuple(FAMILIES)
#: Families reached through a serial port (the others need no ``url``).
SERIAL_PROTOCOLS = ("kerong-cu16", "kerong-cu48", "8a", "winnsen")


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/locker.db"


@dataclass(frozen=True)
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    #: Kiosk clients elsewhere than loopback present this in ``X-Kiosk-Token``.
    kiosk_token: str = ""
    #: Treat loopback clients as kiosks. Turn off behind a reverse proxy.
    loopback_is_kiosk: bool = True
    #: Public base URL used in SMS links to the pickup QR; empty means no link.
    public_url: str = ""


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
    def family(self) -> Family:
        return FAMILIES[self.protocol]

    @property
    def board_range(self) -> range:
        return range(self.family.first_board, self.family.last_board + 1)

    def protocol_options(self) -> dict[str, Any]:
        """The family-specific settings the board driver takes."""
        if self.protocol == "8a":
            return {"channels": self.channels, "status_order": self.status_order}
        if self.protocol == "winnsen":
            return {"station_base": self.station_base}
        return {}

    @property
    def locks_per_board(self) -> int:
        if self.protocol == "gpio-relay":
            return len(self.relay_locks)
        return self.channels if self.protocol == "8a" else self.family.locks


SCANNER_MODELS = ("line", "honeywell", "zebra-ssi", "newland", "datalogic")
#: Models whose enable/disable commands are menu settings the configuration may change.
SETTING_MODELS = ("honeywell", "newland")


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
class SmsConfig:
    kind: str = "log"
    url: str = ""
    timeout_s: float = 10.0
    #: Outbox back-off: the first retry waits retry_base_s, doubling up to retry_max_s.
    retry_base_s: float = 5.0
    retry_max_s: float = 600.0


@dataclass(frozen=True)
class SecurityConfig:
    #: File holding the HMAC secret (kept outside the database); created if absent.
    secret_file: str = "var/locker.secret"
    credential_ttl_days: int = 30
    dossier_failure_limit: int = 5
    kiosk_failure_threshold: int = 5
    throttle_base_s: int = 30
    throttle_max_s: int = 3600


@dataclass(frozen=True)
class DoorConfig:
    """Escalation for a door left open: a kiosk prompt, then the buzzer, then an alarm."""

    left_open_prompt_s: int = 60
    left_open_buzzer_s: int = 120
    left_open_alarm_s: int = 300


@dataclass(frozen=True)
class CompartmentConfig:
    label: str
    board: int
    lock: int
    size: str
    bus: str = "main"


#: ``[gpio] pin_factory`` values besides "pigpio://HOST:PORT" (a pigpio daemon, e.g. the simulator's):
#: "" lets gpiozero choose (lgpio, then RPi.GPIO); the others name gpiozero's factory.
PIN_FACTORIES = ("", "lgpio", "rpigpio", "pigpio", "native")

#: GPIO names (see drivers.gpio): inputs, then outputs.
GPIO_NAMES = ("service_door", "tamper", "power_fail", "battery_low", "presence",
              "led_green", "led_amber", "led_red", "buzzer")


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    buses: tuple[BusConfig, ...] = (BusConfig(),)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    doors: DoorConfig = field(default_factory=DoorConfig)
    #: ``[gpio]``: name -> pin number or table (``pin``, ``pull_up``, ``active_state``,
    #: ``invert``, ``bounce_time`` for inputs; ``pin``, ``active_high`` for outputs).
    #: The pins themselves are checked when the service opens them.
    gpio: dict[str, Any] = field(default_factory=dict)
    #: ``[gpio] pin_factory``: where the pins are (see :data:`PIN_FACTORIES`); "" lets gpiozero choose.
    gpio_pin_factory: str = ""
    compartments: tuple[CompartmentConfig, ...] = ()

    @property
    def bus(self) -> BusConfig:
        """The first (on most cabinets, the only) lock bus."""
        return self.buses[0]

    @property
    def boards(self) -> tuple[int, ...]:
        """Board addresses used by compartments on the first bus."""
        return self.boards_on(self.bus.name)

    def boards_on(self, bus: str) -> tuple[int, ...]:
        return tuple(sorted({c.board for c in self.compartments if c.bus == bus}))


# Section name in the TOML file -> (attribute of Config, dataclass, env prefix).
_SECTIONS: dict[str, tuple[str, type]] = {
    "database": ("database", DatabaseConfig),
    "http": ("http", HttpConfig),
    "scanner": ("scanner", ScannerConfig),
    "notify.sms": ("sms", SmsConfig),
    "security": ("security", SecurityConfig),
    "doors": ("doors", DoorConfig),
}


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file at ``path`` (default ``locker.toml``) and apply the environment."""
    path = Path(path or "locker.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "configuration file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    return config_from_dict(raw, env=os.environ if env is None else env)


def config_from_dict(raw: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    known = {"database", "http", "bus", "scanner", "notify", "security", "doors", "gpio", "compartment"}
    for key in raw:
        if key not in known:
            raise ConfigError(key, "unknown section")
    sections = {attr: _section(name, cls, _table(raw, name), env) for name, (attr, cls) in _SECTIONS.items()}
    buses = _buses(raw.get("bus", {}), env)
    compartments = _compartments(raw.get("compartment", []), buses)
    gpio_table = _table(raw, "gpio")
    cfg = Config(buses=buses, compartments=compartments, gpio=_gpio(gpio_table),
                 gpio_pin_factory=_pin_factory(gpio_table, env), **sections)
    _check(cfg)
    return cfg


def _table(raw: Mapping[str, Any], dotted: str) -> Mapping[str, Any]:
    node: Any = raw
    for part in dotted.split("."):
        node = node.get(part, {}) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            raise ConfigError(dotted, "must be a table")
    return node


def _section(name: str, cls: type, table: Mapping[str, Any], env: Mapping[str, str], *,
             env_prefix: str | None = None) -> Any:
    names = {f.name: f for f in fields(cls)}
    for key in table:
        if key not in names:
            raise ConfigError(f"{name}.{key}", "unknown key")
    values: dict[str, Any] = {}
    prefix = env_prefix if env_prefix is not None else "LOCKER_" + name.replace(".", "_").upper() + "_"
    for fname, f in names.items():
        key = f"{name}.{fname}"
        if prefix and prefix + fname.upper() in env:
            values[fname] = _coerce(key, env[prefix + fname.upper()], f.type, from_env=True)
        elif fname in table:
            values[fname] = _coerce(key, table[fname], f.type, from_env=False)
    return cls(**values)


def _pin_factory(raw: Mapping[str, Any], env: Mapping[str, str]) -> str:
    value = env.get("LOCKER_GPIO_PIN_FACTORY", raw.get("pin_factory", ""))
    if not isinstance(value, str):
        raise ConfigError("gpio.pin_factory", "must be a string")
    value = value.strip()
    if value in PIN_FACTORIES:
        return value
    host, _, port = value.removeprefix("pigpio://").rpartition(":")
    if value.startswith("pigpio://") and host.strip("[]") and port.isdigit() and 0 < int(port) < 65536:
        return value
    raise ConfigError("gpio.pin_factory", f"must be one of {', '.join(repr(f) for f in PIN_FACTORIES)} "
                      f"or 'pigpio://HOST:PORT', not {value!r}")


def _gpio(raw: Mapping[str, Any]) -> dict[str, Any]:
    raw = {name: spec for name, spec in raw.items() if name != "pin_factory"}
    for name, spec in raw.items():
        if name not in GPIO_NAMES:
            raise ConfigError(f"gpio.{name}", "unknown GPIO name; known: " + ", ".join(GPIO_NAMES))
        if isinstance(spec, bool) or not isinstance(spec, (int, str, Mapping)):
            raise ConfigError(f"gpio.{name}", "must be a pin number or a table with a pin")
    return {name: (dict(spec) if isinstance(spec, Mapping) else spec) for name, spec in raw.items()}


def _buses(raw: Any, env: Mapping[str, str]) -> tuple[BusConfig, ...]:
    """One ``[bus]`` table or several ``[[bus]]`` tables; ``LOCKER_BUS_*`` applies to a single bus."""
    tables = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(tables, list) or not tables:
        raise ConfigError("bus", "must be a table ([bus]) or an array of tables ([[bus]])")
    single = len(tables) == 1
    buses: list[BusConfig] = []
    for i, table in enumerate(tables):
        where = "bus" if single else f"bus[{i}]"
        if not isinstance(table, Mapping):
            raise ConfigError(where, "must be a table")
        relays = _relay_locks(where, table.get("relay_locks", []))
        scalars = {key: value for key, value in table.items() if key != "relay_locks"}
        bus = replace(_section(where, BusConfig, scalars, env, env_prefix="LOCKER_BUS_" if single else ""),
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
    return replace(bus, baudrate=bus.baudrate or family.baudrate,
                   answer_timeout_ms=bus.answer_timeout_ms or family.answer_timeout_ms,
                   latched_bit=family.latched_bit if bus.latched_bit == -1 else bus.latched_bit)


def _coerce(key: str, value: Any, type_name: Any, *, from_env: bool) -> Any:
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if from_env and str(value).lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return str(value).lower() in ("1", "true", "yes", "on")
        raise ConfigError(key, "must be true or false")
    if kind == "int":
        if isinstance(value, bool):
            raise ConfigError(key, "must be a whole number")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise ConfigError(key, "must be a whole number")
    if kind == "float":
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(key, "must be a number") from None
    if not isinstance(value, str):
        raise ConfigError(key, "must be a string")
    return value


def _compartments(items: Any, buses: tuple[BusConfig, ...]) -> tuple[CompartmentConfig, ...]:
    if not isinstance(items, list):
        raise ConfigError("compartment", "must be an array of tables ([[compartment]])")
    out: list[CompartmentConfig] = []
    for i, item in enumerate(items):
        where = f"compartment[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(where, "must be a table")
        for key in item:
            if key not in ("label", "board", "lock", "size", "bus"):
                raise ConfigError(f"{where}.{key}", "unknown key")
        for key in ("label", "board", "lock", "size"):
            if key not in item:
                raise ConfigError(f"{where}.{key}", "is missing")
        label = _coerce(f"{where}.label", item["label"], "str", from_env=False)
        board = _coerce(f"{where}.board", item["board"], "int", from_env=False)
        lock = _coerce(f"{where}.lock", item["lock"], "int", from_env=False)
        size = _coerce(f"{where}.size", item["size"], "str", from_env=False)
        bus = _coerce(f"{where}.bus", item.get("bus", buses[0].name), "str", from_env=False)
        if not LABEL_RE.match(label):
            raise ConfigError(f"{where}.label", "use 1-16 letters, digits, '-' or '_'")
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
        out.append(CompartmentConfig(label, board, lock, size, bus))
    labels = [c.label for c in out]
    for i, c in enumerate(out):
        if labels.index(c.label) != i:
            raise ConfigError(f"compartment[{i}].label", f"{c.label} is used twice")
        if any((o.bus, o.board, o.lock) == (c.bus, c.board, c.lock) for o in out[:i]):
            raise ConfigError(f"compartment[{i}].lock", f"board {c.board} lock {c.lock} is used twice")
    return tuple(out)


def _check(cfg: Config) -> None:
    if not cfg.database.url.strip():
        raise ConfigError("database.url", "must not be empty")
    if not 1 <= cfg.http.port <= 65535:
        raise ConfigError("http.port", "must be between 1 and 65535")
    for i, bus in enumerate(cfg.buses):
        _check_bus("bus" if len(cfg.buses) == 1 else f"bus[{i}]", bus)
    if cfg.scanner.model not in SCANNER_MODELS:
        raise ConfigError("scanner.model", "must be one of " + ", ".join(SCANNER_MODELS))
    if cfg.scanner.baudrate not in BAUDRATES:
        raise ConfigError("scanner.baudrate", "must be one of " + ", ".join(map(str, BAUDRATES)))
    for key in ("enable_setting", "disable_setting"):
        if getattr(cfg.scanner, key) and cfg.scanner.model not in SETTING_MODELS:
            raise ConfigError(f"scanner.{key}", "only the " + " and ".join(SETTING_MODELS) + " models take it")
    if cfg.sms.kind not in ("http", "log"):
        raise ConfigError("notify.sms.kind", "must be http or log")
    if cfg.sms.kind == "http" and not cfg.sms.url.startswith(("http://", "https://")):
        raise ConfigError("notify.sms.url", "must be an http:// or https:// URL")
    for key in ("timeout_s", "retry_base_s", "retry_max_s"):
        if not 0 < getattr(cfg.sms, key) < float("inf"):
            raise ConfigError(f"notify.sms.{key}", "must be a finite number greater than 0")
    if cfg.sms.retry_base_s > cfg.sms.retry_max_s:
        raise ConfigError("notify.sms.retry_base_s", "must not be greater than retry_max_s")
    sec = cfg.security
    for key in ("credential_ttl_days", "dossier_failure_limit", "kiosk_failure_threshold", "throttle_base_s"):
        if getattr(sec, key) <= 0:
            raise ConfigError(f"security.{key}", "must be greater than 0")
    doors = cfg.doors
    if not 0 < doors.left_open_prompt_s <= doors.left_open_buzzer_s <= doors.left_open_alarm_s:
        raise ConfigError("doors.left_open_buzzer_s",
                          "need 0 < left_open_prompt_s <= left_open_buzzer_s <= left_open_alarm_s")
    if sec.throttle_max_s < sec.throttle_base_s:
        raise ConfigError("security.throttle_max_s", "must not be less than throttle_base_s")
    for i, bus in enumerate(cfg.buses):
        where = "bus" if len(cfg.buses) == 1 else f"bus[{i}]"
        if cfg.boards_on(bus.name) and bus.protocol in SERIAL_PROTOCOLS and not bus.url:
            raise ConfigError(f"{where}.url", "is missing; compartments need a lock bus")
        if bus.protocol == "gpio-relay" and not bus.relay_locks:
            raise ConfigError(f"{where}.relay_locks", "a gpio-relay bus needs at least one relay lock")


def _check_bus(where: str, bus: BusConfig) -> None:
    if bus.baudrate not in BAUDRATES:
        raise ConfigError(f"{where}.baudrate", "must be one of " + ", ".join(map(str, BAUDRATES)))
    if bus.latched_bit not in (0, 1):
        raise ConfigError(f"{where}.latched_bit", "must be 0 or 1")
    for key in ("pulse_ms", "answer_timeout_ms", "poll_interval_ms", "open_timeout_ms"):
        if getattr(bus, key) <= 0:
            raise ConfigError(f"{where}.{key}", "must be greater than 0")
    if not 2 <= bus.channels <= 50:
        raise ConfigError(f"{where}.channels", "must be between 2 and 50")
    if bus.status_order not in ("high-first", "low-first"):
        raise ConfigError(f"{where}.status_order", "must be high-first or low-first")
    if bus.station_base not in (0, 1):
        raise ConfigError(f"{where}.station_base", "must be 0 or 1")
    if bus.set_pulse_time:
        _check_set_pulse_time(where, bus)


#: Families with a command that sets the unlock pulse on the board, and its range in ms.
PULSE_TIME_FAMILIES = {"kerong-cu16": (10, 655350)}


def _check_set_pulse_time(where: str, bus: BusConfig) -> None:
    if bus.protocol not in PULSE_TIME_FAMILIES:
        raise ConfigError(f"{where}.set_pulse_time", f"{bus.protocol} boards have no set-pulse-time command")
    low, high = PULSE_TIME_FAMILIES[bus.protocol]
    if not low <= bus.pulse_ms <= high:
        raise ConfigError(f"{where}.pulse_ms", f"must be between {low} and {high} with set_pulse_time")

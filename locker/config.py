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
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

SIZES = ("S", "M", "L")
PROTOCOLS = ("kerong-cu16",)
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


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
    url: str = ""
    protocol: str = "kerong-cu16"
    baudrate: int = 19200
    #: Value of a latch bit that means "latched" (sources disagree: 1 or 0).
    latched_bit: int = 1
    pulse_ms: int = 500
    answer_timeout_ms: int = 300
    poll_interval_ms: int = 150
    #: How long after an unlock the latch may stay engaged before the lock is jammed.
    open_timeout_ms: int = 3000


@dataclass(frozen=True)
class ScannerConfig:
    url: str = ""
    baudrate: int = 115200
    dedupe_ms: int = 2000


@dataclass(frozen=True)
class SmsConfig:
    kind: str = "log"
    url: str = ""
    timeout_s: float = 10.0


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
class CompartmentConfig:
    label: str
    board: int
    lock: int
    size: str


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    bus: BusConfig = field(default_factory=BusConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    compartments: tuple[CompartmentConfig, ...] = ()

    @property
    def boards(self) -> tuple[int, ...]:
        return tuple(sorted({c.board for c in self.compartments}))


# Section name in the TOML file -> (attribute of Config, dataclass, env prefix).
_SECTIONS: dict[str, tuple[str, type]] = {
    "database": ("database", DatabaseConfig),
    "http": ("http", HttpConfig),
    "bus": ("bus", BusConfig),
    "scanner": ("scanner", ScannerConfig),
    "notify.sms": ("sms", SmsConfig),
    "security": ("security", SecurityConfig),
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
    known = {"database", "http", "bus", "scanner", "notify", "security", "compartment"}
    for key in raw:
        if key not in known:
            raise ConfigError(key, "unknown section")
    sections = {attr: _section(name, cls, _table(raw, name), env) for name, (attr, cls) in _SECTIONS.items()}
    compartments = _compartments(raw.get("compartment", []))
    cfg = Config(compartments=compartments, **sections)
    _check(cfg)
    return cfg


def _table(raw: Mapping[str, Any], dotted: str) -> Mapping[str, Any]:
    node: Any = raw
    for part in dotted.split("."):
        node = node.get(part, {}) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            raise ConfigError(dotted, "must be a table")
    return node


def _section(name: str, cls: type, table: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    names = {f.name: f for f in fields(cls)}
    for key in table:
        if key not in names:
            raise ConfigError(f"{name}.{key}", "unknown key")
    values: dict[str, Any] = {}
    prefix = "LOCKER_" + name.replace(".", "_").upper() + "_"
    for fname, f in names.items():
        key = f"{name}.{fname}"
        if prefix + fname.upper() in env:
            values[fname] = _coerce(key, env[prefix + fname.upper()], f.type, from_env=True)
        elif fname in table:
            values[fname] = _coerce(key, table[fname], f.type, from_env=False)
    return cls(**values)


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


def _compartments(items: Any) -> tuple[CompartmentConfig, ...]:
    if not isinstance(items, list):
        raise ConfigError("compartment", "must be an array of tables ([[compartment]])")
    out: list[CompartmentConfig] = []
    for i, item in enumerate(items):
        where = f"compartment[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(where, "must be a table")
        for key in item:
            if key not in ("label", "board", "lock", "size"):
                raise ConfigError(f"{where}.{key}", "unknown key")
        for key in ("label", "board", "lock", "size"):
            if key not in item:
                raise ConfigError(f"{where}.{key}", "is missing")
        label = _coerce(f"{where}.label", item["label"], "str", from_env=False)
        board = _coerce(f"{where}.board", item["board"], "int", from_env=False)
        lock = _coerce(f"{where}.lock", item["lock"], "int", from_env=False)
        size = _coerce(f"{where}.size", item["size"], "str", from_env=False)
        if not LABEL_RE.match(label):
            raise ConfigError(f"{where}.label", "use 1-16 letters, digits, '-' or '_'")
        if not 0 <= board <= 15:
            raise ConfigError(f"{where}.board", "must be between 0 and 15")
        if not 1 <= lock <= 16:
            raise ConfigError(f"{where}.lock", "must be between 1 and 16")
        if size not in SIZES:
            raise ConfigError(f"{where}.size", "must be S, M or L")
        out.append(CompartmentConfig(label, board, lock, size))
    labels = [c.label for c in out]
    for i, c in enumerate(out):
        if labels.index(c.label) != i:
            raise ConfigError(f"compartment[{i}].label", f"{c.label} is used twice")
        if any((o.board, o.lock) == (c.board, c.lock) for o in out[:i]):
            raise ConfigError(f"compartment[{i}].lock", f"board {c.board} lock {c.lock} is used twice")
    return tuple(out)


def _check(cfg: Config) -> None:
    if not cfg.database.url.strip():
        raise ConfigError("database.url", "must not be empty")
    if not 1 <= cfg.http.port <= 65535:
        raise ConfigError("http.port", "must be between 1 and 65535")
    if cfg.bus.protocol not in PROTOCOLS:
        raise ConfigError("bus.protocol", f"unknown protocol; known: {', '.join(PROTOCOLS)}")
    if cfg.bus.baudrate not in (9600, 19200, 38400, 57600, 115200):
        raise ConfigError("bus.baudrate", "must be one of 9600, 19200, 38400, 57600, 115200")
    if cfg.bus.latched_bit not in (0, 1):
        raise ConfigError("bus.latched_bit", "must be 0 or 1")
    for key in ("pulse_ms", "answer_timeout_ms", "poll_interval_ms", "open_timeout_ms"):
        if getattr(cfg.bus, key) <= 0:
            raise ConfigError(f"bus.{key}", "must be greater than 0")
    if cfg.sms.kind not in ("http", "log"):
        raise ConfigError("notify.sms.kind", "must be http or log")
    if cfg.sms.kind == "http" and not cfg.sms.url.startswith(("http://", "https://")):
        raise ConfigError("notify.sms.url", "must be an http:// or https:// URL")
    sec = cfg.security
    for key in ("credential_ttl_days", "dossier_failure_limit", "kiosk_failure_threshold", "throttle_base_s"):
        if getattr(sec, key) <= 0:
            raise ConfigError(f"security.{key}", "must be greater than 0")
    if sec.throttle_max_s < sec.throttle_base_s:
        raise ConfigError("security.throttle_max_s", "must not be less than throttle_base_s")
    if cfg.compartments and not cfg.bus.url:
        raise ConfigError("bus.url", "is missing; compartments need a lock bus")

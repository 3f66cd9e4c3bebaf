"""Configuration: a TOML file, every scalar key overridable by ``LOCKER_<SECTION>_<KEY>``.

A wrong or missing value, an unknown key or an unknown ``LOCKER_*`` variable raises
:class:`ConfigError` naming it, so that nothing starts half-configured. The sections
live in :mod:`locker.config_sections` (domain) and :mod:`locker.config_hardware`.

>>> cfg = config_from_dict({"bus": {"url": "loop://"},
...                         "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "M"}]}, env={})
>>> cfg.compartments[0].label, cfg.bus.protocol, cfg.bus.item_sensors
('A01', 'kerong-cu16', True)
>>> cfg.kiosk.allowed_hosts, cfg.privacy.retention_days
(('localhost', '127.0.0.1', '::1'), 90)
>>> config_from_dict({"http": {"port": "x"}}, env={})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in http.port: must be a whole number
>>> config_from_dict({}, env={"LOCKER_HTTP_PROT": "80"})
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in LOCKER_HTTP_PROT: unknown environment variable (did you mean LOCKER_HTTP_PORT?)
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from drivers.families import BAUDRATES, PROTOCOLS, SERIAL_PROTOCOLS

from .config_fields import env_names, env_prefix, read_section, table
from .config_hardware import (GPIO_NAMES, LABEL_RE, NAME_RE, PIN_FACTORIES, SCANNER_MODELS, SETTING_MODELS,
                              SIZES, BusConfig, CompartmentConfig, PrinterConfig, ScannerConfig, bus_where,
                              check_bus, check_printer, check_scanner, read_buses, read_compartments, read_gpio,
                              read_pin_factory)
from .config_sections import (DATABASE_SCHEMES, DatabaseConfig, DoorConfig, EmailConfig, ExpiryConfig, HttpConfig,
                              KioskConfig, LayoutConfig, OfficeConfig, PrivacyConfig, SecurityConfig, SmsConfig,
                              check_database, check_doors, check_email, check_expiry, check_http, check_kiosk, check_layout,
                              check_office, check_privacy,
                              check_security, check_sms)
from .config_console import ConsoleConfig, check_console
from .config_reach import check_floors
from .config_webhooks import AuditConfig, WebhooksConfig, check_webhooks, resolve_audit
from .errors import ConfigError
from .procedures import Procedures, load_procedures

__all__ = [
    "BAUDRATES", "DATABASE_SCHEMES", "GPIO_NAMES", "LABEL_RE", "NAME_RE", "PIN_FACTORIES", "PROTOCOLS",
    "RESERVED_ENV", "SCANNER_MODELS", "SERIAL_PROTOCOLS", "SETTING_MODELS", "SIZES",
    "AuditConfig", "BusConfig", "CompartmentConfig", "Config", "ConsoleConfig", "DatabaseConfig", "DoorConfig",
    "EmailConfig", "ExpiryConfig", "HttpConfig", "KioskConfig", "OfficeConfig", "PrinterConfig", "PrivacyConfig",
    "ScannerConfig", "SecurityConfig", "SmsConfig", "WebhooksConfig",
    "config_from_dict", "load_config",
]

#: ``LOCKER_*`` variables that are not configuration keys: the file's path, and the
#: test suite's settings (prefix ``LOCKER_TEST_``).
RESERVED_ENV = ("LOCKER_CONFIG",)
_RESERVED_PREFIX = "LOCKER_TEST_"


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    kiosk: KioskConfig = field(default_factory=lambda: check_kiosk(KioskConfig(), HttpConfig()))
    office: OfficeConfig = field(default_factory=OfficeConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    buses: tuple[BusConfig, ...] = field(default_factory=lambda: read_buses({}, env={}))
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    doors: DoorConfig = field(default_factory=DoorConfig)
    expiry: ExpiryConfig = field(default_factory=ExpiryConfig)
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    audit: AuditConfig = field(default_factory=lambda: resolve_audit(AuditConfig(), SecurityConfig().secret_file))
    #: ``[gpio]``: name -> pin number or table (``pin``, ``pull_up``, ``active_state``,
    #: ``invert``, ``bounce_time`` for inputs; ``pin``, ``active_high`` for outputs).
    #: The pins themselves are checked when the service opens them.
    gpio: dict[str, Any] = field(default_factory=dict)
    #: ``[gpio] pin_factory``: where the pins are (see :data:`PIN_FACTORIES`); "" lets gpiozero choose.
    gpio_pin_factory: str = ""
    compartments: tuple[CompartmentConfig, ...] = ()
    #: The procedures of ``[kiosk] procedures_file``, read and checked with the rest.
    procedures: Procedures = field(default_factory=Procedures)

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


# Section name in the TOML file -> (attribute of Config, dataclass).
_SECTIONS: dict[str, tuple[str, type]] = {
    "database": ("database", DatabaseConfig),
    "http": ("http", HttpConfig),
    "kiosk": ("kiosk", KioskConfig),
    "office": ("office", OfficeConfig),
    "privacy": ("privacy", PrivacyConfig),
    "scanner": ("scanner", ScannerConfig),
    "printer": ("printer", PrinterConfig),
    "notify.sms": ("sms", SmsConfig),
    "notify.email": ("email", EmailConfig),
    "security": ("security", SecurityConfig),
    "doors": ("doors", DoorConfig),
    "expiry": ("expiry", ExpiryConfig),
    "layout": ("layout", LayoutConfig),
    "console": ("console", ConsoleConfig),
    "webhooks": ("webhooks", WebhooksConfig),
    "audit": ("audit", AuditConfig),
}
_TOP_LEVEL = {name.split(".")[0] for name in _SECTIONS} | {"bus", "gpio", "compartment"}


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
    for key in raw:
        if key not in _TOP_LEVEL:
            raise ConfigError(key, "unknown section")
    _refuse_unknown_env(raw, env)
    sections = {attr: read_section(name, cls, table(raw, name), env) for name, (attr, cls) in _SECTIONS.items()}
    buses = read_buses(raw.get("bus", {}), env)
    compartments = read_compartments(raw.get("compartment", []), buses)
    gpio_table = table(raw, "gpio")
    cfg = Config(buses=buses, compartments=compartments, gpio=read_gpio(gpio_table),
                 gpio_pin_factory=read_pin_factory(gpio_table, env), **sections)
    return _checked(cfg)


def _refuse_unknown_env(raw: Mapping[str, Any], env: Mapping[str, str]) -> None:
    known = set(RESERVED_ENV) | {"LOCKER_GPIO_PIN_FACTORY"}
    for name, (_, cls) in _SECTIONS.items():
        known |= env_names(cls, env_prefix(name))
    if not isinstance(raw.get("bus", {}), list) or len(raw["bus"]) == 1:
        known |= env_names(BusConfig, "LOCKER_BUS_") - {"LOCKER_BUS_RELAY_LOCKS"}
    for variable in sorted(env):
        if variable.startswith("LOCKER_") and variable not in known and not variable.startswith(_RESERVED_PREFIX):
            close = difflib.get_close_matches(variable, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            if variable.startswith("LOCKER_BUS_") and variable in env_names(BusConfig, "LOCKER_BUS_"):
                hint = " (LOCKER_BUS_* applies only to a single [bus])"
            raise ConfigError(variable, "unknown environment variable" + hint)


def _checked(cfg: Config) -> Config:
    """``cfg`` after every check, with the defaults that depend on other keys filled in."""
    check_database(cfg.database)
    check_http(cfg.http)
    for i, bus in enumerate(cfg.buses):
        check_bus(bus_where(i, len(cfg.buses)), bus, has_compartments=bool(cfg.boards_on(bus.name)))
    check_scanner(cfg.scanner)
    check_printer(cfg.printer)
    check_sms(cfg.sms)
    check_email(cfg.email)
    check_security(cfg.security)
    check_doors(cfg.doors)
    check_expiry(cfg.expiry)
    check_layout(cfg.layout)
    check_floors(cfg.layout, cfg.compartments)
    check_office(cfg.office)
    check_privacy(cfg.privacy)
    check_console(cfg.console)
    check_webhooks(cfg.webhooks)
    path = cfg.kiosk.procedures_file.strip()
    procedures = load_procedures(path) if path else Procedures()
    return replace(cfg, kiosk=check_kiosk(cfg.kiosk, cfg.http), procedures=procedures,
                   audit=resolve_audit(cfg.audit, cfg.security.secret_file))

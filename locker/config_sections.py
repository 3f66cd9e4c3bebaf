"""The domain's configuration sections and their checks (hardware is in ``config_hardware``).

>>> KioskConfig(allowed_hosts=("localhost", "::1", "kiosk.example.vn")).allows("[::1]:8000")
True
>>> KioskConfig(allowed_hosts=("localhost",)).allows("evil.example:8000")
False
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace

from .errors import ConfigError

#: Database URL schemes the service can open (SQLAlchemy dialect+driver).
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
#: The names a kiosk reaches the service by unless ``[kiosk] allowed_hosts`` says otherwise.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")
_HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{1,22}[0-9]$")
_TEXT_LIMIT = 120
#: An email address as people type them (the domain has a dot); see :func:`locker.validation.email`.
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


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
class KioskConfig:
    #: Host names (no port: any port) the citizen endpoints answer to; None in the file
    #: means localhost, 127.0.0.1, ::1 and ``http.host`` (see :func:`check_kiosk`).
    allowed_hosts: tuple[str, ...] | None = None
    #: Drop-offs one kiosk may start in any 60 seconds (a client cannot open every free door at once).
    dropoffs_per_minute: int = 6
    #: A form or a door screen left untouched this long asks "Need more time?" ...
    inactivity_s: int = 90
    #: ... and goes back to the start screen when nobody answers within this long.
    more_time_s: int = 20
    #: Dossier status lookups one kiosk may make in any 60 seconds (codes cannot be tried in bulk).
    lookups_per_minute: int = 10
    #: The procedures the kiosk lists (a TOML file, docs/procedures.md); empty: no list.
    procedures_file: str = ""
    #: A citizen who asks for a low compartment is offered only those whose floor is at most this
    #: high above the ground, in millimetres (wheelchair reach).
    reach_mm: int = 1200

    def allows(self, host: str) -> bool:
        """Whether a ``Host`` header (or an ``Origin``'s host), with or without a port, is allowed."""
        name = host_name(host)
        return name is not None and name in (self.allowed_hosts or ())


@dataclass(frozen=True)
class OfficeConfig:
    """Shown to citizens with every error: who to call, and when the office is open.

    An empty ``hotline`` or ``hours`` is left off the screen."""

    name: str = "Bộ phận Một cửa"
    hotline: str = ""
    hours: str = ""
    #: Where the cabinet stands, shown on the SMS link's page; empty leaves it off.
    address: str = ""


@dataclass(frozen=True)
class PrivacyConfig:
    #: Days that personal data of finished records is kept.
    retention_days: int = 90


@dataclass(frozen=True)
class SmsConfig:
    kind: str = "log"
    url: str = ""
    timeout_s: float = 10.0
    #: Outbox back-off: the first retry waits retry_base_s, doubling up to retry_max_s.
    retry_base_s: float = 5.0
    retry_max_s: float = 600.0
    #: Attempts before a message is given up (``failed``; an SMS raises ``sms_undeliverable``).
    max_attempts: int = 12
    #: ``gsm7``: one 160-character segment without diacritics; ``unicode``: with diacritics (70 a segment).
    encoding: str = "gsm7"
    #: The gateway request: extra headers, and the body with ``{to}``, ``{to_intl}`` (84...) and
    #: ``{text}`` (empty: ``{"to": ..., "text": ...}``), sent as ``json`` or ``form``.
    headers: dict[str, str] = field(default_factory=dict)
    body_template: str = ""
    content_type: str = "json"
    #: Where the gateway's answer (JSON) holds its message id, dotted (``data.id``, ``messages.0.id``).
    message_id_path: str = ""
    #: For gateways that answer 200 to a refusal: the answer's value at ``success_path`` must be ``success_value``.
    success_path: str = ""
    success_value: str = ""


@dataclass(frozen=True)
class EmailConfig:
    """SMTP for citizens who give an address and for clerks' alarm digests; no host: no email."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    #: A file holding the password (kept out of the configuration file); wins over ``password``.
    password_file: str = ""
    from_: str = ""
    #: A PEM file of the certificate authority that signed the server's certificate; "" trusts the system's.
    ca_file: str = ""
    timeout_s: float = 10.0
    #: Clerks' addresses that get a digest of new alarms every ``digest_interval_s`` seconds.
    alarm_recipients: tuple[str, ...] = ()
    digest_interval_s: int = 3600

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class SecurityConfig:
    #: File holding the HMAC secret (kept outside the database); created if absent.
    secret_file: str = "var/locker.secret"
    #: Days a result waits for its citizen (its deadline); fractions allowed (0.5 = 12 hours).
    credential_ttl_days: float = 30
    dossier_failure_limit: int = 5
    kiosk_failure_threshold: int = 5
    throttle_base_s: int = 30
    throttle_max_s: int = 3600
    #: After a kiosk's penalty has passed, this long without a failure clears its count.
    throttle_quiet_s: int = 300


@dataclass(frozen=True)
class ExpiryConfig:
    """Deadlines of results waiting in the cabinet (the deadline is ``security.credential_ttl_days``)."""

    #: The reminder SMS goes this many hours before the deadline (once); fractions allowed.
    reminder_hours: float = 24.0
    #: A clerk's one extension moves the deadline by this many days.
    extend_days: int = 7


@dataclass(frozen=True)
class DoorConfig:
    """Escalation for a door left open: a kiosk prompt, then the buzzer, then an alarm;
    and how long a flow whose door closed on the wrong contents (item sensors) waits
    for the person to reopen it before it is abandoned."""

    left_open_prompt_s: int = 60
    left_open_buzzer_s: int = 120
    left_open_alarm_s: int = 300
    reopen_window_s: int = 120


@dataclass(frozen=True)
class LayoutConfig:
    """How the console draws the cabinet: compartments without their own ``row`` and
    ``column`` go down columns of ``rows`` compartments, in board and lock order, each
    board starting a new column."""

    rows: int = 16
    #: The floor height above the ground (mm) of each row's compartments, top row first; a
    #: compartment's own ``floor_mm`` wins. Empty: only ``floor_mm`` tells.
    row_floor_mm: tuple[int, ...] = ()


def host_name(host: str) -> str | None:
    """The canonical host of ``name``, ``name:port``, ``[v6]`` or ``[v6]:port``; None if malformed.

    >>> host_name("[::1]:8000"), host_name("LocalHost."), host_name("127.0.0.1:80"), host_name("a b")
    ('::1', 'localhost', '127.0.0.1', None)
    """
    host = host.strip().lower()
    if host.startswith("["):
        inner, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not re.fullmatch(r":\d{1,5}", rest)):
            return None
        host = inner
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
        if not port.isdigit():
            return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        host = host.removesuffix(".")
        return host if _HOSTNAME_RE.match(host) else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_database(db: DatabaseConfig) -> None:
    scheme, sep, _ = db.url.strip().partition("://")
    if not db.url.strip():
        raise ConfigError("database.url", "must not be empty")
    if not sep or scheme.lower() not in DATABASE_SCHEMES:
        hint = "; for PostgreSQL write postgresql+psycopg://" if scheme.lower().startswith("postgres") else ""
        raise ConfigError("database.url", f"unknown database URL scheme {scheme!r}; known: "
                          f"{', '.join(DATABASE_SCHEMES)}{hint}")


def check_http(http: HttpConfig) -> None:
    if not 1 <= http.port <= 65535:
        raise ConfigError("http.port", "must be between 1 and 65535")


def check_kiosk(kiosk: KioskConfig, http: HttpConfig) -> KioskConfig:
    """The kiosk section with its host names canonical, and the defaults filled in."""
    if not 1 <= kiosk.dropoffs_per_minute <= 600:
        raise ConfigError("kiosk.dropoffs_per_minute", "must be a whole number from 1 to 600")
    for key, low, high in (("inactivity_s", 3, 900), ("more_time_s", 3, 300)):
        if not low <= getattr(kiosk, key) <= high:
            raise ConfigError(f"kiosk.{key}", f"must be a whole number of seconds from {low} to {high}")
    if not 1 <= kiosk.lookups_per_minute <= 600:
        raise ConfigError("kiosk.lookups_per_minute", "must be a whole number from 1 to 600")
    if not 300 <= kiosk.reach_mm <= 2500:
        raise ConfigError("kiosk.reach_mm", "must be a whole number of millimetres from 300 to 2500")
    if kiosk.allowed_hosts is None:
        defaults = LOOPBACK_HOSTS + (() if http.host.strip() in _WILDCARD_HOSTS else (http.host,))
        return replace(kiosk, allowed_hosts=tuple(dict.fromkeys(host_name(h) or h for h in defaults)))
    if not kiosk.allowed_hosts:
        raise ConfigError("kiosk.allowed_hosts", "must name at least one host")
    names = []
    for given in kiosk.allowed_hosts:
        name = host_name(given)
        if name is None or (":" in given and not _is_ip(given.strip().strip("[]"))):
            raise ConfigError("kiosk.allowed_hosts", f"{given!r} is not a host name or IP address "
                                                     "(leave the port out: any port is accepted)")
        names.append(name)
    return replace(kiosk, allowed_hosts=tuple(dict.fromkeys(names)))


def check_office(office: OfficeConfig) -> None:
    for key in ("name", "hotline", "hours", "address"):
        text = getattr(office, key)
        if len(text) > _TEXT_LIMIT or any(not ch.isprintable() for ch in text):
            raise ConfigError(f"office.{key}", f"must be one line of at most {_TEXT_LIMIT} printable characters")
    if not office.name.strip():
        raise ConfigError("office.name", "must not be empty")
    if office.hotline and not _PHONE_RE.match(office.hotline):
        raise ConfigError("office.hotline", "must be a telephone number (digits, spaces, '+', '.', '-', '(', ')')")


def check_privacy(privacy: PrivacyConfig) -> None:
    if privacy.retention_days <= 0:
        raise ConfigError("privacy.retention_days", "must be greater than 0")


def check_sms(sms: SmsConfig) -> None:
    if sms.encoding not in ("gsm7", "unicode"):
        raise ConfigError("notify.sms.encoding", "must be gsm7 or unicode")
    if sms.content_type not in ("json", "form"):
        raise ConfigError("notify.sms.content_type", "must be json or form")
    if not 1 <= sms.max_attempts <= 1000:
        raise ConfigError("notify.sms.max_attempts", "must be a whole number from 1 to 1000")
    if sms.success_path and not sms.success_value:
        raise ConfigError("notify.sms.success_value", "must be set with success_path")
    if sms.body_template and "{text}" not in sms.body_template:
        raise ConfigError("notify.sms.body_template", "must contain {text}")
    if sms.kind not in ("http", "log"):
        raise ConfigError("notify.sms.kind", "must be http or log")
    if sms.kind == "http" and not sms.url.startswith(("http://", "https://")):
        raise ConfigError("notify.sms.url", "must be an http:// or https:// URL")
    for key in ("timeout_s", "retry_base_s", "retry_max_s"):
        if not 0 < getattr(sms, key) < float("inf"):
            raise ConfigError(f"notify.sms.{key}", "must be a finite number greater than 0")
    if sms.retry_base_s > sms.retry_max_s:
        raise ConfigError("notify.sms.retry_base_s", "must not be greater than retry_max_s")


def check_email(email: EmailConfig) -> None:
    if email.security not in ("starttls", "tls", "none"):
        raise ConfigError("notify.email.security", "must be starttls, tls or none")
    if not 1 <= email.port <= 65535:
        raise ConfigError("notify.email.port", "must be between 1 and 65535")
    if not 0 < email.timeout_s < float("inf"):
        raise ConfigError("notify.email.timeout_s", "must be a finite number greater than 0")
    if email.digest_interval_s < 60:
        raise ConfigError("notify.email.digest_interval_s", "must be at least 60")
    if email.enabled and not EMAIL_RE.fullmatch(email.from_):
        raise ConfigError("notify.email.from", "must be an email address when notify.email.host is set")
    for address in email.alarm_recipients:
        if not EMAIL_RE.fullmatch(address):
            raise ConfigError("notify.email.alarm_recipients", f"{address!r} is not an email address")
    if email.alarm_recipients and not email.enabled:
        raise ConfigError("notify.email.alarm_recipients", "need notify.email.host")


def check_security(sec: SecurityConfig) -> None:
    if not 0 < sec.credential_ttl_days <= 3650:
        raise ConfigError("security.credential_ttl_days", "must be a number of days greater than 0 (at most 3650)")
    for key in ("dossier_failure_limit", "kiosk_failure_threshold", "throttle_base_s", "throttle_quiet_s"):
        if getattr(sec, key) <= 0:
            raise ConfigError(f"security.{key}", "must be greater than 0")
    if sec.throttle_max_s < sec.throttle_base_s:
        raise ConfigError("security.throttle_max_s", "must not be less than throttle_base_s")


def check_expiry(expiry: ExpiryConfig) -> None:
    if not 0 <= expiry.reminder_hours < float("inf"):
        raise ConfigError("expiry.reminder_hours", "must be a finite number, 0 or more")
    if not 1 <= expiry.extend_days <= 365:
        raise ConfigError("expiry.extend_days", "must be a whole number from 1 to 365")


def check_layout(layout: LayoutConfig) -> None:
    if not 1 <= layout.rows <= 99:
        raise ConfigError("layout.rows", "must be between 1 and 99")


def check_doors(doors: DoorConfig) -> None:
    if not 0 < doors.left_open_prompt_s <= doors.left_open_buzzer_s <= doors.left_open_alarm_s:
        raise ConfigError("doors.left_open_buzzer_s",
                          "need 0 < left_open_prompt_s <= left_open_buzzer_s <= left_open_alarm_s")
    if doors.reopen_window_s <= 0:
        raise ConfigError("doors.reopen_window_s", "must be more than 0 seconds")

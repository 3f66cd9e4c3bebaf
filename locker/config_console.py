"""``[console]``: the operators' console's sign-in and session rules.

>>> check_console(ConsoleConfig())
>>> check_console(ConsoleConfig(secure_cookie="sometimes"))
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in console.secure_cookie: must be auto, always or never
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError

SECURE_COOKIE = ("auto", "always", "never")


@dataclass(frozen=True)
class ConsoleConfig:
    #: A console session unused this long is signed out.
    idle_timeout_min: int = 15
    #: A session opened at the kiosk by badge and PIN: the screen goes back to the kiosk after this
    #: long without a touch, and the server signs it out.
    kiosk_idle_timeout_s: int = 120
    #: Wrong passwords (or PINs) in a row that lock an account ...
    login_failure_limit: int = 5
    #: ... for this long.
    lockout_min: int = 15
    #: ``auto``: the session cookie is ``Secure`` when the request came over TLS
    #: (directly, or as a trusted proxy says); ``always`` / ``never`` force it.
    secure_cookie: str = "auto"

    def idle_limit_s(self, signed_in_by: str | None) -> int:
        """Seconds a session may stay unused; shorter for one opened at the kiosk (``badge``).

        >>> ConsoleConfig().idle_limit_s("password"), ConsoleConfig().idle_limit_s("badge")
        (900, 120)
        """
        return self.kiosk_idle_timeout_s if signed_in_by == "badge" else self.idle_timeout_min * 60


def check_console(console: ConsoleConfig) -> None:
    for key in ("idle_timeout_min", "kiosk_idle_timeout_s", "login_failure_limit", "lockout_min"):
        if getattr(console, key) <= 0:
            raise ConfigError(f"console.{key}", "must be greater than 0")
    if console.secure_cookie not in SECURE_COOKIE:
        raise ConfigError("console.secure_cookie", "must be auto, always or never")

"""Which client is a kiosk, and how fast a kiosk may open doors.

A kiosk is identified by its kiosk token (``X-Kiosk-Token`` equal to
``http.kiosk_token``), or else, with ``http.loopback_is_kiosk``, as the one local
kiosk: every loopback address (127.0.0.1, 127.0.0.2, ::1) is the same kiosk, so
moving to another loopback address gets no fresh pickup throttle.

A wrong kiosk token is refused (403 ``kiosk_only``) and audited
(``kiosk_token_refused``); after ``security.kiosk_failure_threshold`` wrong tokens in
a row from one address, that address is refused (429 ``throttled``) for
``security.throttle_base_s`` seconds, doubling up to ``throttle_max_s`` (an alarm
``kiosk_token_throttled`` each time). Counts live in the service process and start
afresh when it restarts.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
from dataclasses import dataclass
from typing import Any

from locker.errors import LockerError, Throttled

LOCAL_KIOSK = "kiosk:local"
TOKEN_KIOSK = "kiosk-token"
#: Addresses remembered for wrong tokens; beyond this the quietest are forgotten first.
MAX_REMEMBERED = 1024


class KioskOnly(LockerError):
    code = "kiosk_only"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Chức năng này chỉ dùng được tại máy kiosk của tủ.",
            "This is only available at the locker's kiosk.",
        )


@dataclass
class _Strikes:
    count: int = 0
    penalty_s: float = 0.0
    blocked_until: float = 0.0
    last: float = 0.0

    @property
    def quiet_since(self) -> float:
        return max(self.last, self.blocked_until)


class KioskAccess:
    """Tells kiosks from other clients for one app, remembering wrong tokens (thread-safe).

    ``runtime`` provides ``config``, ``clock`` and ``audit(kind, *, actor, alarm, **data)``.
    """

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._strikes: dict[str, _Strikes] = {}

    def kiosk_of(self, address: str, token: str) -> str:
        """The kiosk key of a client at ``address`` presenting ``token`` ("" for none).

        Raises KioskOnly for a client that is not a kiosk, Throttled for an address
        refused after too many wrong tokens.
        """
        http = self._runtime.config.http
        if token:
            self._check_not_blocked(address)
            if http.kiosk_token and _same(token, http.kiosk_token):
                self._forget(address)
                return TOKEN_KIOSK
            self._wrong_token(address)
            raise KioskOnly()
        if http.loopback_is_kiosk and is_loopback(address):
            return LOCAL_KIOSK
        raise KioskOnly()

    def _check_not_blocked(self, address: str) -> None:
        now = self._runtime.clock.monotonic()
        with self._lock:
            strikes = self._strikes.get(address)
            wait = strikes.blocked_until - now if strikes is not None else 0.0
        if wait > 0:
            raise Throttled(max(1, math.ceil(wait)))

    def _wrong_token(self, address: str) -> None:
        sec, now = self._runtime.config.security, self._runtime.clock.monotonic()
        with self._lock:
            strikes = self._remember(address, now)
            strikes.count += 1
            strikes.last = now
            blocked = strikes.count >= sec.kiosk_failure_threshold
            if blocked:
                strikes.penalty_s = (sec.throttle_base_s if not strikes.penalty_s
                                     else min(sec.throttle_max_s, strikes.penalty_s * 2))
                strikes.blocked_until = now + strikes.penalty_s
                strikes.count = 0
            penalty = strikes.penalty_s
        actor = f"client:{address}"
        self._runtime.audit("kiosk_token_refused", actor=actor, address=address)
        if blocked:
            self._runtime.audit("kiosk_token_throttled", actor=actor, alarm=True, address=address,
                                retry_after=int(penalty))

    def _remember(self, address: str, now: float) -> _Strikes:
        strikes = self._strikes.get(address)
        if strikes is None:
            if len(self._strikes) >= MAX_REMEMBERED:
                del self._strikes[min(self._strikes, key=lambda a: self._strikes[a].quiet_since)]
            strikes = self._strikes[address] = _Strikes(last=now)
        elif now - strikes.last > self._runtime.config.security.throttle_max_s:
            strikes.count, strikes.penalty_s = 0, 0.0  # a long quiet: the next mistake starts afresh
        return strikes

    def _forget(self, address: str) -> None:
        with self._lock:
            self._strikes.pop(address, None)


def is_loopback(address: str) -> bool:
    """Whether ``address`` (IPv4, IPv6, or IPv4-mapped IPv6) is a loopback address.

    >>> [is_loopback(a) for a in ("127.0.0.2", "::1", "::ffff:127.0.0.1", "10.0.0.5", "")]
    [True, True, True, False, False]
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))

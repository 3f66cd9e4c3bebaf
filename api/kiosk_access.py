"""Which client is a kiosk, and how fast a kiosk may open doors.

The kiosk page and the citizen endpoints answer only to the host names of
``kiosk.allowed_hosts`` (any port), in ``Host`` and, when sent, in ``Origin``: a
page on another domain that the kiosk browser was lured to (DNS rebinding) gets
403 ``foreign_host`` and opens nothing.

A kiosk is identified by its kiosk token (``X-Kiosk-Token`` equal to
``http.kiosk_token``), or else, with ``http.loopback_is_kiosk``, as the one local
kiosk: every loopback address (127.0.0.1, 127.0.0.2, ::1) is the same kiosk, so
moving to another loopback address gets no fresh throttle.

A wrong kiosk token is refused (403 ``kiosk_only``) and audited
(``kiosk_token_refused``); after ``security.kiosk_failure_threshold`` wrong tokens in
a row from one address, that address is refused (429 ``throttled``) for
``security.throttle_base_s`` seconds, doubling up to ``throttle_max_s`` (an alarm
``kiosk_token_throttled`` each time).

A kiosk starts at most ``kiosk.dropoffs_per_minute`` drop-offs in any 60 seconds;
one more is refused (429 ``dropoff_rate_limited`` with ``Retry-After``, an alarm
``dropoff_rate_limited`` once per minute); likewise at most ``kiosk.lookups_per_minute``
dossier status lookups (429 ``lookup_rate_limited``). Counts live in the service process
and start afresh when it restarts.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from locker.config import KioskConfig
from locker.errors import LockerError, Throttled

LOCAL_KIOSK = "kiosk:local"
#: The window of ``kiosk.dropoffs_per_minute``.
PACE_WINDOW_S = 60.0
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


class ForeignHost(LockerError):
    code = "foreign_host"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Yêu cầu này đến từ một trang không phải màn hình kiosk của tủ nên không được thực hiện. "
            "Hãy dùng màn hình kiosk của tủ.",
            "This request comes from a page that is not the locker's kiosk screen, so nothing was done. "
            "Please use the locker's kiosk screen.",
        )


class TooManyDropoffs(LockerError):
    code = "dropoff_rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Máy kiosk này vừa mở nhiều ngăn gửi hồ sơ. Vui lòng chờ {retry_after} giây rồi thử lại.",
            f"This kiosk has just opened many compartments for drop-offs. "
            f"Please wait {retry_after} seconds and try again.",
        )
        self.retry_after = retry_after


class TooManyLookups(LockerError):
    code = "lookup_rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Máy kiosk này vừa tra cứu nhiều mã hồ sơ. Vui lòng chờ {retry_after} giây rồi thử lại.",
            f"This kiosk has just looked up many dossier codes. Please wait {retry_after} seconds and try again.",
        )
        self.retry_after = retry_after


def check_host(kiosk: KioskConfig, host: str, origin: str | None) -> None:
    """Raise ForeignHost unless ``host`` and ``origin`` (when sent) name an allowed host.

    >>> kiosk = KioskConfig(allowed_hosts=("localhost", "127.0.0.1"))
    >>> check_host(kiosk, "127.0.0.1:8000", "http://localhost:8000")
    >>> check_host(kiosk, "127.0.0.1:8000", "http://evil.example")
    Traceback (most recent call last):
    ...
    api.kiosk_access.ForeignHost: ...
    """
    if not kiosk.allows(host) or (origin is not None and not kiosk.allows(_origin_host(origin))):
        raise ForeignHost()


def _origin_host(origin: str) -> str:
    """The host (and port) of an ``Origin`` header; "" for ``null`` or anything not http(s)."""
    parts = urlsplit(origin.strip())
    return parts.netloc if parts.scheme in ("http", "https") and not parts.path else ""


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
        self._paces: dict[tuple[str, str], deque[float]] = {}
        self._alarmed: dict[tuple[str, str], float] = {}

    @contextmanager
    def dropoff_slot(self, kiosk: str) -> Iterator[None]:
        """Count one drop-off start of ``kiosk`` (given back when the start fails); TooManyDropoffs
        when it has used every start of the last 60 seconds."""
        give_back = self._take("dropoff_rate_limited", kiosk, self._runtime.config.kiosk.dropoffs_per_minute,
                               TooManyDropoffs)
        try:
            yield
        except BaseException:
            give_back()
            raise

    def count_lookup(self, kiosk: str) -> None:
        """Count one dossier status lookup of ``kiosk``; TooManyLookups when it has made
        ``kiosk.lookups_per_minute`` in the last 60 seconds."""
        self._take("lookup_rate_limited", kiosk, self._runtime.config.kiosk.lookups_per_minute, TooManyLookups)

    def _take(self, kind: str, kiosk: str, limit: int, refusal: Callable[[int], LockerError]) -> Callable[[], None]:
        """Count one ``kind`` of ``kiosk`` in its 60-second window; returns how to give it back.
        Over ``limit``: ``refusal(seconds to wait)``, and the alarm ``kind`` at most once a minute."""
        now = self._runtime.clock.monotonic()
        with self._lock:
            starts = self._paces.setdefault((kind, kiosk), deque())
            while starts and starts[0] <= now - PACE_WINDOW_S:
                starts.popleft()
            wait = starts[0] + PACE_WINDOW_S - now if len(starts) >= limit else 0.0
            alarm = wait > 0 and self._alarmed.get((kind, kiosk), -PACE_WINDOW_S) <= now - PACE_WINDOW_S
            if alarm:
                self._alarmed[(kind, kiosk)] = now
            if not wait:
                starts.append(now)
        if wait:
            if alarm:
                self._runtime.audit(kind, actor=kiosk, alarm=True, limit=limit)
            raise refusal(max(1, math.ceil(wait)))

        def give_back() -> None:
            with self._lock:
                starts.remove(now)
        return give_back

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

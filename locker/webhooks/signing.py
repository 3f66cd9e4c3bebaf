"""Signing a delivery: ``X-Locker-Signature: sha256=<hex>`` is the HMAC-SHA256, keyed with
the subscription's secret, of ``"<timestamp>.<body>"``, where the timestamp is the
``X-Locker-Timestamp`` header (Unix seconds) and the body the exact bytes sent.

>>> headers = signed_headers(b'{"id":"evt_1"}', "s3cret-s3cret-s3cret", timestamp=1767225600)
>>> headers["X-Locker-Timestamp"], headers["X-Locker-Signature"][:7]
('1767225600', 'sha256=')
>>> verify(b'{"id":"evt_1"}', "s3cret-s3cret-s3cret", headers["X-Locker-Timestamp"],
...        headers["X-Locker-Signature"], now=1767225600 + 60)
True
>>> verify(b'{"id":"evt_2"}', "s3cret-s3cret-s3cret", headers["X-Locker-Timestamp"],
...        headers["X-Locker-Signature"], now=1767225600)
False
"""

from __future__ import annotations

import hashlib
import hmac

#: Receivers reject a delivery whose timestamp is further than this from their clock.
REPLAY_WINDOW_S = 300


def signature(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(body: bytes, secret: str, *, timestamp: int) -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8", "X-Locker-Timestamp": str(timestamp),
            "X-Locker-Signature": signature(body, secret, timestamp)}


def verify(body: bytes, secret: str, timestamp: str, sig: str, *, now: float,
           window: int = REPLAY_WINDOW_S) -> bool:
    """What a receiver does: the signature matches and the timestamp is within the window."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(now - ts) <= window and hmac.compare_digest(signature(body, secret, ts), sig or "")


def retry_delay(attempts: int, base: float, most: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones: ``base`` doubling up to ``most``.

    >>> [retry_delay(n, 10, 3600) for n in (1, 2, 3, 9, 10, 500)]
    [10, 20, 40, 2560, 3600, 3600]
    """
    return min(most, base * 2 ** min(max(attempts - 1, 0), 60))

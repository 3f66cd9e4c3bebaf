"""A clerk's badge: a QR holding the account id and a nonce, signed with the service's secret.

Badge token: ``LKB1.<account id>.<nonce>.<mac>``, ``mac`` the first 16 bytes of
HMAC-SHA256(secret, "badge|id|nonce"), both base64url without padding. The nonce
is kept on the account: a new one (``locker user reset``) revokes every printed
badge. The badge alone signs nobody in; its PIN must follow.

>>> token = badge_token(bytes(32), 7, "A" * 22)
>>> parse_badge(token, bytes(32))
BadgeClaim(account_id=7, nonce='AAAAAAAAAAAAAAAAAAAAAA')
>>> parse_badge(token.replace("LKB1.7", "LKB1.8"), bytes(32)) is None, looks_like_badge(token)
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput

BADGE_RE = re.compile(r"LKB1\.([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")
PIN_RE = re.compile(r"[0-9]{4,8}")


@dataclass(frozen=True)
class BadgeClaim:
    account_id: int
    nonce: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def new_nonce() -> str:
    return _b64(secrets.token_bytes(16))


def badge_mac(secret: bytes, account_id: int, nonce: str) -> str:
    return _b64(hmac.new(secret, f"badge|{account_id}|{nonce}".encode(), hashlib.sha256).digest()[:16])


def badge_token(secret: bytes, account_id: int, nonce: str) -> str:
    return f"LKB1.{account_id}.{nonce}.{badge_mac(secret, account_id, nonce)}"


def looks_like_badge(text: Any) -> bool:
    """Whether a scanned text is meant as a badge (signed or not): it is never a pickup code."""
    return isinstance(text, str) and text.strip().startswith("LKB1.")


def parse_badge(text: Any, secret: bytes) -> BadgeClaim | None:
    """The claim of a correctly signed badge, else None (the account may still refuse it)."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    m = BADGE_RE.fullmatch(text.strip())
    if not m or int(m.group(1)) > 2**31 - 1:
        return None
    account_id, nonce, mac = int(m.group(1)), m.group(2), m.group(3)
    if not hmac.compare_digest(mac, badge_mac(secret, account_id, nonce)):
        return None
    return BadgeClaim(account_id, nonce)


def check_pin(pin: object) -> str:
    if not isinstance(pin, str) or not PIN_RE.fullmatch(pin):
        raise InvalidInput("pin", "Mã PIN gồm 4-8 chữ số.", "A PIN is 4-8 digits.")
    return pin

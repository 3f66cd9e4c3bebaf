"""Pickup credentials: an 8-digit code and a signed QR token, stored only as keyed hashes.

QR token: ``LK1.<credential id>.<nonce>.<mac>`` where ``mac`` is the first 16 bytes
of HMAC-SHA256(secret, "qr|id|nonce"), both base64url without padding.

>>> parse_qr("LK1.7.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA")
QrToken(credential_id=7, nonce='AAAAAAAAAAAAAAAAAAAAAA', mac='AAAAAAAAAAAAAAAAAAAAAA')
>>> parse_qr("hello") is None, parse_qr(None) is None
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Credential, Result
from .ports import Clock

QR_RE = re.compile(r"LK1\.([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")


@dataclass(frozen=True)
class IssuedCredential:
    """What the citizen receives; never stored in clear."""

    code: str
    qr: str
    expires_at: datetime
    credential_id: int


@dataclass(frozen=True)
class QrToken:
    credential_id: int
    nonce: str
    mac: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _hmac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()


def code_hash(secret: bytes, dossier_code: str, code: str) -> str:
    return _hmac(secret, f"code|{dossier_code}|{code}").hex()


def qr_hash(secret: bytes, nonce: str) -> str:
    return _hmac(secret, "qrnonce|" + nonce).hex()


def qr_mac(secret: bytes, credential_id: int, nonce: str) -> str:
    return _b64(_hmac(secret, f"qr|{credential_id}|{nonce}")[:16])


def issue(session: Session, result: Result, *, secret: bytes, clock: Clock, ttl_days: float,
          expires_at: datetime | None = None) -> IssuedCredential:
    """Create a credential for ``result`` (its dossier must be loaded) and return it in clear once;
    it expires ``ttl_days`` from now, or at ``expires_at`` when given."""
    now = clock.now()
    code = f"{secrets.randbelow(10**8):08d}"
    cred = Credential(result_id=result.id, dossier_id=result.dossier_id, created_at=now,
                      code_hash=code_hash(secret, result.dossier.code, code), qr_hash="",
                      expires_at=expires_at or now + timedelta(days=ttl_days), failures=0)
    session.add(cred)
    session.flush()
    while True:
        nonce = _b64(secrets.token_bytes(16))
        token = f"LK1.{cred.id}.{nonce}.{qr_mac(secret, cred.id, nonce)}"
        # The SMS must carry exactly one 8-digit number: the code.
        if not re.search(r"[0-9]{8}", token):
            break
    cred.qr_hash = qr_hash(secret, nonce)
    session.flush()
    return IssuedCredential(code, token, cred.expires_at, cred.id)


def looks_like_qr(text: Any) -> bool:
    """Whether a scanned text is meant as a pickup QR (well formed or not): it is never a dossier code.

    >>> looks_like_qr("LK1.broken"), looks_like_qr("http://x/q/abc"), looks_like_qr("HS.2025/0001")
    (True, True, False)
    """
    return isinstance(text, str) and (text.strip().upper().startswith("LK1.") or "/q/" in text)


def parse_qr(text: Any) -> QrToken | None:
    """The token inside ``text`` (a bare token or a ``.../q/<token>`` link), or None."""
    if not isinstance(text, str) or len(text) > 512:
        return None
    text = text.strip()
    if "/q/" in text:
        text = text.rsplit("/q/", 1)[1].split("?", 1)[0].strip("/")
    m = QR_RE.fullmatch(text)
    if not m or int(m.group(1)) > 2**31 - 1:
        return None
    return QrToken(int(m.group(1)), m.group(2), m.group(3))


def state_of(cred: Credential, now: datetime) -> str:
    """``ok``, ``used``, ``revoked`` or ``expired``."""
    if cred.revoked_at is not None:
        return "revoked"
    if cred.used_at is not None:
        return "used"
    if cred.expires_at <= now:
        return "expired"
    return "ok"


def verify_code(session: Session, dossier_id: int, dossier_code: str, code: str, *,
                secret: bytes) -> Credential | None:
    """The dossier's credential whose code matches (in any state), or None."""
    expected = code_hash(secret, dossier_code, code)
    found = None
    for cred in session.execute(select(Credential).where(Credential.dossier_id == dossier_id)).scalars():
        if hmac.compare_digest(cred.code_hash, expected):
            found = cred
    return found


def qr_signature_ok(text: Any, secret: bytes) -> bool:
    """Whether ``text`` is a QR token signed with ``secret`` (whatever its credential's state).

    >>> nonce = "A" * 22
    >>> qr_signature_ok(f"LK1.5.{nonce}.{qr_mac(bytes(32), 5, nonce)}", bytes(32))
    True
    >>> qr_signature_ok(f"LK1.6.{nonce}.{qr_mac(bytes(32), 5, nonce)}", bytes(32)), qr_signature_ok("LK1", bytes(32))
    (False, False)
    """
    token = parse_qr(text)
    return token is not None and _signed(token, secret)


def _signed(token: QrToken, secret: bytes) -> bool:
    return hmac.compare_digest(token.mac, qr_mac(secret, token.credential_id, token.nonce))


def verify_qr(session: Session, token: QrToken, *, secret: bytes) -> Credential | None:
    """The credential the token was issued for (in any state), or None for a forged token."""
    if not _signed(token, secret):
        return None
    cred = session.get(Credential, token.credential_id)
    if cred is None or not hmac.compare_digest(cred.qr_hash, qr_hash(secret, token.nonce)):
        return None
    return cred


def live_for_dossier(session: Session, dossier_id: int, now: datetime) -> list[Credential]:
    rows = session.execute(
        select(Credential).where(Credential.dossier_id == dossier_id, Credential.used_at.is_(None),
                                 Credential.revoked_at.is_(None), Credential.expires_at > now)
    ).scalars().all()
    return list(rows)


def revoke_all(session: Session, result_id: int, now: datetime) -> int:
    """Revoke every unused credential of a result; returns how many."""
    count = 0
    for cred in session.execute(
        select(Credential).where(Credential.result_id == result_id, Credential.revoked_at.is_(None),
                                 Credential.used_at.is_(None))
    ).scalars():
        cred.revoked_at = now
        count += 1
    return count

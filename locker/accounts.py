"""Accounts of clerks, technicians and administrators (and the one-stop system), and
their API tokens.

Passwords are hashed with argon2; tokens are random and stored as SHA-256 only, and
expire. A token's last use is noted at most once a minute, so a busy client does not
write to the database on every request.

>>> from locker.db import Database
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     _ = create_account(s, "lan", "clerk", "a long password")
...     token = create_token(s, "lan")
...     account_for_token(s, token).name, has_role(account_for_token(s, token), "admin")
('lan', False)
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .errors import Conflict, InvalidInput, NotFound, TokenExpired
from .models import Account, ApiToken

#: People's roles in increasing power; ``system`` (the one-stop system's token) stands apart.
ROLE_RANK = {"clerk": 1, "technician": 2, "admin": 3}
ROLES = (*ROLE_RANK, "system")
NAME_RE = re.compile(r"[a-z0-9._-]{1,32}")
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
#: A token's ``last_used_at`` is written again only after this long.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that both answers take as long;
    made on first use, not at import (it costs as much as a sign-in, in every process)."""
    return _hasher.hash("not a real password")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidInput("name", "Tên tài khoản gồm 1-32 ký tự a-z, 0-9, '.', '_' hoặc '-'.",
                           "An account name is 1-32 characters a-z, 0-9, '.', '_' or '-'.")
    return name


def check_password(password: object) -> str:
    if not isinstance(password, str) or not 8 <= len(password) <= 256:
        raise InvalidInput("password", "Mật khẩu phải dài 8-256 ký tự.", "The password must be 8-256 characters.")
    return password


def create_account(session: Session, name: str, role: str, password: str) -> Account:
    name = check_name(name)
    if role not in ROLES:
        raise InvalidInput("role", "Vai trò phải là clerk, technician, admin hoặc system.",
                           "The role must be clerk, technician, admin or system.")
    password = check_password(password)
    if find_account(session, name) is not None:
        raise Conflict(f"Tài khoản {name} đã tồn tại.", f"The account {name} already exists.")
    account = Account(name=name, role=role, password_hash=_hasher.hash(password), created_at=_now(), disabled=False,
                      failed_logins=0, failed_pins=0)
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, name: object) -> Account | None:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        return None
    return session.execute(select(Account).where(Account.name == name)).scalar_one_or_none()


def account_named(session: Session, name: object) -> Account:
    account = find_account(session, check_name(name))
    if account is None:
        raise NotFound("account", name)
    return account


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def secret_matches(stored_hash: str | None, secret: object) -> bool:
    """Whether ``secret`` matches an argon2 hash; as slow for a missing hash as for a wrong secret."""
    if not isinstance(secret, str) or len(secret) > 256:
        return False
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def set_password(account: Account, password: str) -> None:
    """A new password; every session and failure count of the account ends with the old one."""
    account.password_hash = _hasher.hash(check_password(password))
    account.failed_logins = 0
    account.locked_until = None


def verify_password(session: Session, name: str, password: str) -> Account | None:
    """The enabled account when the password is right; None otherwise (also for unknown names)."""
    account = find_account(session, name)
    if not secret_matches(account.password_hash if account else None, password):
        return None
    if account is None or account.disabled:
        return None
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, *, days: int = DEFAULT_TOKEN_DAYS,
                 now: datetime | None = None) -> str:
    """A new bearer token for the account, valid ``days`` days; only its SHA-256 is stored."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput("days", f"Số ngày hiệu lực phải từ 1 đến {MAX_TOKEN_DAYS}.",
                           f"The number of days must be 1 to {MAX_TOKEN_DAYS}.")
    account = account_named(session, name)
    token = "lk_" + secrets.token_urlsafe(32)
    now = now or _now()
    session.add(ApiToken(account_id=account.id, token_hash=_token_hash(token), prefix=token[:8], created_at=now,
                         expires_at=now + timedelta(days=days)))
    session.flush()
    return token


def account_for_token(session: Session, token: str, *, now: datetime | None = None) -> Account | None:
    """The enabled account owning this unrevoked token, else None; :class:`TokenExpired` past its expiry.

    Its use is noted, at most once a minute."""
    now = now or _now()
    row = _live_token(session, token, now)
    if row is not None and _use_due(row, now):
        row.last_used_at = now
    return row.account if row is not None else None


def account_for_token_in(db: Any, token: str, *, now: datetime | None = None) -> Account | None:
    """:func:`account_for_token` for one request: a read session, and a short write only when
    the token's use is due to be noted (at most once a minute), so requests do not queue on writes."""
    now = now or _now()
    with db.read_session() as session:
        row = _live_token(session, token, now)
        due = row is not None and _use_due(row, now)
        account = row.account if row is not None else None
    if due:
        with db.session() as session:
            session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return account


def _live_token(session: Session, token: str, now: datetime) -> ApiToken | None:
    if not isinstance(token, str) or not token.startswith("lk_") or len(token) > 200:
        return None
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None or row.account.disabled:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenExpired(row.expires_at)
    return row


def _use_due(row: ApiToken, now: datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = _now()
    return row


def has_role(account: Account, minimum: str) -> bool:
    return role_allows(account.role, minimum)


def role_allows(role: str, minimum: str) -> bool:
    """Whether ``role`` may do what needs ``minimum``: clerk < technician < admin; what needs
    ``system`` (the one-stop system's calls) an admin may do too, and ``system`` nothing else.

    >>> role_allows("admin", "clerk"), role_allows("clerk", "technician")
    (True, False)
    >>> role_allows("system", "system"), role_allows("admin", "system"), role_allows("system", "clerk")
    (True, True, False)
    """
    if minimum == "system":
        return role in ("system", "admin")
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]

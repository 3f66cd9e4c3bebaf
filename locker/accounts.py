"""Accounts of clerks, technicians and administrators, and their API tokens.

Passwords are hashed with argon2; tokens are random and stored as SHA-256 only.

>>> from locker.db import Database
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     _ = create_account(s, "lan", "clerk", "a long password")
...     token = create_token(s, "lan")
...     account_for_token(s, token).name, has_role(account_for_token(s, token), "admin")
('lan', False)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, InvalidInput, NotFound
from .models import Account, ApiToken

#: ``system``: the one-stop system's account (announcements only), below every person's role.
ROLE_RANK = {"system": 0, "clerk": 1, "technician": 2, "admin": 3}
NAME_RE = re.compile(r"[a-z0-9._-]{1,32}")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidInput("name", "Tên tài khoản gồm 1-32 ký tự a-z, 0-9, '.', '_' hoặc '-'.",
                           "An account name is 1-32 characters a-z, 0-9, '.', '_' or '-'.")
    return name


def create_account(session: Session, name: str, role: str, password: str) -> Account:
    name = _check_name(name)
    if role not in ROLE_RANK:
        raise InvalidInput("role", "Vai trò phải là clerk, technician, admin hoặc system.",
                           "The role must be clerk, technician, admin or system.")
    if not isinstance(password, str) or not 8 <= len(password) <= 256:
        raise InvalidInput("password", "Mật khẩu phải dài 8-256 ký tự.", "The password must be 8-256 characters.")
    if session.execute(select(Account.id).where(Account.name == name)).first() is not None:
        raise Conflict(f"Tài khoản {name} đã tồn tại.", f"The account {name} already exists.")
    account = Account(name=name, role=role, password_hash=_hasher.hash(password), created_at=_now(), disabled=False)
    session.add(account)
    session.flush()
    return account


def verify_password(session: Session, name: str, password: str) -> Account | None:
    """The account when the password is right; None otherwise (also for unknown names)."""
    account = None
    if isinstance(name, str) and NAME_RE.fullmatch(name):
        account = session.execute(select(Account).where(Account.name == name)).scalar_one_or_none()
    if not isinstance(password, str):
        return None
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str) -> str:
    """A new bearer token for the account; only its SHA-256 is stored."""
    account = session.execute(select(Account).where(Account.name == _check_name(name))).scalar_one_or_none()
    if account is None:
        raise NotFound("account", name)
    token = "lk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, token_hash=_token_hash(token), prefix=token[:8], created_at=_now()))
    session.flush()
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    """The enabled account owning this unrevoked token (and note its use), else None."""
    if not isinstance(token, str) or not token.startswith("lk_") or len(token) > 200:
        return None
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None or row.account.disabled:
        return None
    row.last_used_at = _now()
    return row.account


def has_role(account: Account, minimum: str) -> bool:
    return ROLE_RANK.get(account.role, 0) >= ROLE_RANK[minimum]

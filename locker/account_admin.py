"""Looking after accounts and API tokens: ``locker user ...`` and ``locker token ...``, and the
console's pages for administrators. Every change is audited with who made it.

>>> from locker.accounts import create_account
>>> from locker.audit import AuditRecorder
>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     _ = create_account(s, "lan", "clerk", "a long password")
>>> admin = AccountAdmin(db=db, audit=AuditRecorder(clock=SystemClock()), secret=bytes(32))
>>> admin.set_disabled("lan", True, actor="cli"); [(a["name"], a["disabled"]) for a in admin.list_accounts()]
[('lan', True)]
>>> token = admin.create_token("lan", days=7, actor="cli"); [t["account"] for t in admin.list_tokens()]
['lan']
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from . import accounts, badges
from .audit import AuditRecorder, iso
from .errors import InvalidInput
from .models import Account


class AccountAdmin:
    def __init__(self, *, db: Any, audit: AuditRecorder, secret: bytes) -> None:
        self._db = db
        self._audit = audit
        self._secret = secret

    def list_accounts(self) -> list[dict[str, Any]]:
        now = self._audit.clock.now()
        with self._db.session() as s:
            return [_account_view(a, now) for a in s.execute(select(Account).order_by(Account.name)).scalars()]

    def set_disabled(self, name: Any, disabled: bool, *, actor: str) -> None:
        """Disable (every session and token of the account stops working) or enable an account."""
        with self._db.session() as s:
            account = accounts.account_named(s, name)
            account.disabled = disabled
            self._audit.event(s, "account_disabled" if disabled else "account_enabled", actor=actor,
                              account=account.name)

    def reset(self, name: Any, password: str | None = None, *, actor: str) -> str:
        """A new password (generated when none is given), the lock-outs lifted, and a new badge
        nonce, so printed badges stop working; returns the password."""
        password = password if password is not None else secrets.token_urlsafe(12)
        with self._db.session() as s:
            account = accounts.account_named(s, name)
            accounts.set_password(account, password)
            account.failed_pins, account.pin_locked_until = 0, None
            revoked_badge = account.badge_nonce is not None
            account.badge_nonce = None
            self._audit.event(s, "password_reset", actor=actor, account=account.name, badge_revoked=revoked_badge)
        return password

    def set_pin(self, name: Any, pin: Any, *, actor: str) -> None:
        pin = badges.check_pin(pin)
        with self._db.session() as s:
            account = accounts.account_named(s, name)
            account.pin_hash = accounts.hash_secret(pin)
            account.failed_pins, account.pin_locked_until = 0, None
            self._audit.event(s, "pin_set", actor=actor, account=account.name)

    def badge(self, name: Any, *, actor: str) -> str:
        """The account's badge token (made on first use; the same until a reset)."""
        with self._db.session() as s:
            account = accounts.account_named(s, name)
            if account.badge_nonce is None:
                account.badge_nonce = badges.new_nonce()
            self._audit.event(s, "badge_printed", actor=actor, account=account.name, has_pin=account.pin_hash is not None)
            return badges.badge_token(self._secret, account.id, account.badge_nonce)

    def create_token(self, name: Any, *, days: int = accounts.DEFAULT_TOKEN_DAYS, actor: str) -> str:
        with self._db.session() as s:
            token = accounts.create_token(s, name, days=days, now=self._audit.clock.now())
            self._audit.event(s, "token_created", actor=actor, account=name, prefix=token[:8], days=days)
        return token

    def list_tokens(self) -> list[dict[str, Any]]:
        now = self._audit.clock.now()
        with self._db.session() as s:
            return [_token_view(t, now) for t in accounts.list_tokens(s)]

    def revoke_token(self, token_id: Any, *, actor: str) -> dict[str, Any]:
        if isinstance(token_id, bool) or not isinstance(token_id, int):
            raise InvalidInput("id", "Mã số mã truy cập phải là số.", "The token id must be a number.")
        with self._db.session() as s:
            row = accounts.revoke_token(s, token_id)
            self._audit.event(s, "token_revoked", actor=actor, token=row.id, account=row.account.name,
                              prefix=row.prefix)
            return _token_view(row, self._audit.clock.now())


def _account_view(account: Account, now: Any) -> dict[str, Any]:
    locked = [until for until in (account.locked_until, account.pin_locked_until) if until and until > now]
    return {"name": account.name, "role": account.role, "disabled": account.disabled,
            "locked_until": iso(max(locked)) if locked else None, "created_at": iso(account.created_at),
            "has_pin": account.pin_hash is not None, "has_badge": account.badge_nonce is not None}


def _token_view(row: Any, now: Any) -> dict[str, Any]:
    if row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at is not None and row.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {"id": row.id, "account": row.account.name, "role": row.account.role, "prefix": row.prefix,
            "created_at": iso(row.created_at), "expires_at": iso(row.expires_at) if row.expires_at else None,
            "last_used_at": iso(row.last_used_at) if row.last_used_at else None,
            "revoked_at": iso(row.revoked_at) if row.revoked_at else None, "state": state}

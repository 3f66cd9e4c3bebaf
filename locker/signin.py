"""Operators signing in to the console: checked against the accounts, audited.

A signed-in operator is remembered by account id and a *stamp* drawn from the
password hash, so changing or resetting a password ends every session of the
account, and a disabled account has none.

>>> from locker.accounts import create_account
>>> from locker.audit import AuditRecorder
>>> from locker.config_console import ConsoleConfig
>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     _ = create_account(s, "lan", "clerk", "a long password")
>>> desk = SignIns(db=db, clock=SystemClock(), audit=AuditRecorder(clock=SystemClock()), console=ConsoleConfig())
>>> lan = desk.with_password("lan", "a long password", where="127.0.0.1")
>>> lan.name, lan.role, desk.operator(lan.id, lan.stamp) == lan
('lan', 'clerk', True)
>>> desk.with_password("lan", "wrong", where="127.0.0.1")
Traceback (most recent call last):
...
locker.errors.SignInFailed: The account name or password is wrong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .accounts import verify_password
from .audit import AuditRecorder
from .config_console import ConsoleConfig
from .errors import SignInFailed
from .models import Account
from .ports import Clock


@dataclass(frozen=True)
class Operator:
    """A signed-in person: what the console needs to know, detached from the database."""

    id: int
    name: str
    role: str
    stamp: str


def stamp_of(account: Account) -> str:
    return hashlib.sha256(f"{account.id}:{account.password_hash}".encode()).hexdigest()[:16]


def operator_of(account: Account) -> Operator:
    return Operator(id=account.id, name=account.name, role=account.role, stamp=stamp_of(account))


class SignIns:
    """Password sign-in and the session's account, for the console."""

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, console: ConsoleConfig) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._console = console

    def with_password(self, name: Any, password: Any, *, where: str) -> Operator:
        """The operator for a right name and password; :class:`SignInFailed` otherwise (audited)."""
        with self._db.session() as s:
            account = verify_password(s, name, password)
            if account is None:
                self._audit.event(s, "sign_in_failed", actor=_actor(name), where=where)
                failed = True
            else:
                self._audit.event(s, "signed_in", actor=account.name, where=where, by="password")
                failed = False
                operator = operator_of(account)
        if failed:
            raise SignInFailed()
        return operator

    def operator(self, account_id: Any, stamp: Any) -> Operator | None:
        """The operator a session names, while its account is enabled and its password unchanged."""
        if not isinstance(account_id, int) or not isinstance(stamp, str):
            return None
        with self._db.session() as s:
            account = s.get(Account, account_id)
            if account is None or account.disabled or stamp_of(account) != stamp:
                return None
            return operator_of(account)

    def signed_out(self, operator: Operator, *, why: str) -> None:
        with self._db.session() as s:
            self._audit.event(s, "signed_out", actor=operator.name, why=why)


def _actor(name: Any) -> str:
    """How the audit log names whoever typed ``name`` (never more than the account field holds)."""
    return f"unknown:{name[:32]}" if isinstance(name, str) and name else "unknown"

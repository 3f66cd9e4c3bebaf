"""Operators signing in to the console: by password, or at the kiosk by badge and PIN.

A signed-in operator is remembered by account id and a *stamp* drawn from the
password hash, so changing or resetting a password ends every session of the
account, and a disabled account has none. ``[console] login_failure_limit`` wrong
passwords in a row lock the account for ``lockout_min`` minutes (the PIN counts
its own failures the same way); every attempt is audited, a lock-out as an alarm.

>>> from locker.accounts import create_account
>>> from locker.audit import AuditRecorder
>>> from locker.config_console import ConsoleConfig
>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     _ = create_account(s, "lan", "clerk", "a long password")
>>> from locker.alarms import Alarms
>>> audit = AuditRecorder(clock=SystemClock())
>>> desk = SignIns(db=db, clock=SystemClock(), audit=audit, alarms=Alarms(db=db, audit=audit, clock=SystemClock()),
...                console=ConsoleConfig(login_failure_limit=2), secret=bytes(32))
>>> lan = desk.with_password("lan", "a long password", where="127.0.0.1")
>>> lan.name, lan.role, desk.operator(lan.id, lan.stamp) == lan
('lan', 'clerk', True)
>>> desk.with_password("lan", "wrong", where="127.0.0.1")
Traceback (most recent call last):
...
locker.errors.SignInFailed: The account name or password is wrong.
>>> desk.with_password("lan", "wrong again", where="127.0.0.1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
locker.errors.AccountLocked: The account is locked after too many wrong password attempts. Please try again in 15 minutes (at ...).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from . import badges
from .accounts import check_password, find_account, role_allows, secret_matches, set_password
from .audit import AuditRecorder
from .config_console import ConsoleConfig
from .errors import AccountLocked, BadgeExpired, BadPin, InvalidInput, LockerError, SignInFailed
from .models import Account
from .messages import VN_TIME
from .ports import Clock

#: A scanned badge waits this long for its PIN.
BADGE_TICKET_S = 120.0


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


@dataclass(frozen=True)
class _Secret:
    """Which secret an attempt checks, and where the account keeps its failures."""

    what: str
    failures: str
    locked_until: str


PASSWORD = _Secret("password", "failed_logins", "locked_until")
PIN = _Secret("pin", "failed_pins", "pin_locked_until")


class SignIns:
    """Password and badge sign-in, password change, and the session's account, for the console."""

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, alarms: Alarms, console: ConsoleConfig,
                 secret: bytes) -> None:
        self._alarms = alarms
        self._db = db
        self._clock = clock
        self._audit = audit
        self._console = console
        self._secret = secret
        self._tickets: dict[str, tuple[int, str, float]] = {}

    def with_password(self, name: Any, password: Any, *, where: str) -> Operator:
        """The operator for a right name and password; :class:`SignInFailed` or :class:`AccountLocked`."""
        with self._db.session() as s:
            account = find_account(s, name)
            ok = secret_matches(account.password_hash if account else None, password)
            outcome = self._attempt(s, account, ok, PASSWORD, where=where, typed=name, by="password")
        return _result(outcome)

    def change_password(self, operator: Operator, current: Any, new: Any, *, where: str) -> Operator:
        """A new password, given the current one (a wrong one counts towards the lock-out)."""
        check_password(new)
        if new == current:
            raise InvalidInput("new_password", "Mật khẩu mới phải khác mật khẩu hiện tại.",
                               "The new password must differ from the current one.")
        with self._db.session() as s:
            account = s.get(Account, operator.id)
            ok = account is not None and secret_matches(account.password_hash, current)
            outcome = self._attempt(s, account, ok, PASSWORD, where=where, typed=operator.name, by="password_change")
            if isinstance(outcome, Operator):
                set_password(account, new)
                self._audit.event(s, "password_changed", actor=account.name, by="self")
                outcome = operator_of(account)
        return _result(outcome)

    # ---- the kiosk's badge and PIN -------------------------------------------------------------

    def badge_scanned(self, badge: Any, *, where: str) -> dict[str, Any]:
        """A badge read at the kiosk: a short-lived ticket for the PIN page, or why not (audited)."""
        claim = badges.parse_badge(badge, self._secret)
        with self._db.session() as s:
            account = s.get(Account, claim.account_id) if claim else None
            usable = (account is not None and account.badge_nonce == claim.nonce and not account.disabled
                      and role_allows(account.role, "clerk"))
            actor = account.name if usable else "unknown"
            self._audit.event(s, "badge_scanned", actor=actor, ok=usable, where=where)
            if not usable:
                return {"ok": False, "error": "badge_refused"}
            ticket = secrets.token_urlsafe(18)
            self._forget_old_tickets()
            self._tickets[ticket] = (account.id, account.badge_nonce, self._clock.monotonic() + BADGE_TICKET_S)
            return {"ok": True, "ticket": ticket, "name": account.name}

    def badge_holder(self, ticket: Any) -> str | None:
        """The account name a ticket waits for, while it is fresh."""
        found = self._ticket(ticket)
        if found is None:
            return None
        with self._db.session() as s:
            account = s.get(Account, found[0])
            return account.name if account else None

    def with_badge(self, ticket: Any, pin: Any, *, where: str) -> Operator:
        """The operator for a fresh badge ticket and the account's PIN; the ticket is used up on success."""
        found = self._ticket(ticket)
        if found is None:
            raise BadgeExpired()
        with self._db.session() as s:
            account = s.get(Account, found[0])
            if account is None or account.badge_nonce != found[1]:
                account = None
            ok = account is not None and secret_matches(account.pin_hash, pin)
            outcome = self._attempt(s, account, ok, PIN, where=where, typed=account.name if account else "", by="badge")
        if isinstance(outcome, Operator):
            self._tickets.pop(ticket, None)
        return _result(outcome)

    def _ticket(self, ticket: Any) -> tuple[int, str, float] | None:
        found = self._tickets.get(ticket) if isinstance(ticket, str) else None
        if found is None or found[2] <= self._clock.monotonic():
            return None
        return found

    def _forget_old_tickets(self) -> None:
        now = self._clock.monotonic()
        for key in [key for key, (_, _, until) in self._tickets.items() if until <= now]:
            del self._tickets[key]

    # ---- sessions ------------------------------------------------------------------------------

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

    # ---- one attempt ---------------------------------------------------------------------------

    def _attempt(self, s: Any, account: Account | None, ok: bool, secret: _Secret, *, where: str, typed: Any,
                 by: str) -> Operator | LockerError:
        """Count one attempt on ``account`` (None: unknown, or not one that may sign in)."""
        now = self._clock.now()
        if account is None or account.disabled or account.role == "system":
            self._audit.event(s, "sign_in_failed", actor=_actor(typed), where=where, by=by)
            return SignInFailed() if secret is PASSWORD else BadPin()
        until = getattr(account, secret.locked_until)
        if until is not None and until > now:
            self._audit.event(s, "sign_in_refused", actor=account.name, where=where, by=by, reason="locked")
            return self._locked(until, secret)
        if ok:
            setattr(account, secret.failures, 0)
            setattr(account, secret.locked_until, None)
            if by != "password_change":
                self._audit.event(s, "signed_in", actor=account.name, where=where, by=by)
            return operator_of(account)
        failures = (getattr(account, secret.failures) or 0) + 1
        self._audit.event(s, "sign_in_failed", actor=account.name, where=where, by=by, failures=failures)
        if failures < self._console.login_failure_limit:
            setattr(account, secret.failures, failures)
            return SignInFailed() if secret is PASSWORD else BadPin()
        until = now + timedelta(minutes=self._console.lockout_min)
        setattr(account, secret.failures, 0)
        setattr(account, secret.locked_until, until)
        # Repeated wrong passwords or PINs: the same attention as repeated wrong pickup codes.
        self._alarms.raise_(s, AlarmKind.FAILED_CODES, event="account_locked", actor=account.name, where=where,
                            by=secret.what, until=until.isoformat(), failures=failures)
        return self._locked(until, secret)

    def _locked(self, until: Any, secret: _Secret) -> AccountLocked:
        wait = max(1, math.ceil((until - self._clock.now()).total_seconds()))
        return AccountLocked(wait, until.astimezone(VN_TIME).strftime("%H:%M"), what=secret.what)


def _result(outcome: Operator | LockerError) -> Operator:
    if isinstance(outcome, LockerError):
        raise outcome
    return outcome


def _actor(name: Any) -> str:
    """How the audit log names whoever typed ``name`` (never more than the account field holds)."""
    return f"unknown:{name[:32]}" if isinstance(name, str) and name else "unknown"

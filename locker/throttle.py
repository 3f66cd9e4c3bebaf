"""Limits on guessing pickup codes: a per-kiosk block that doubles while failures go
on (and is forgotten after the block plus a quiet period), and a per-dossier count
that locks code entry for the dossier at the limit: its QR code keeps working, the
owner is told by SMS, and a clerk can reissue the code.

The work done for a dossier code that does not exist is the same as for one that
does (the same queries and hashes), so neither the answer nor its timing tells."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import credentials
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import canonical
from .config import Config
from .models import AuditEvent, Credential, Dossier, KioskThrottle, Result
from .notices import CredentialSender
from .ports import Clock

NO_DOSSIER = -1  # an id no row has: the same queries run for an unknown dossier code
#: How a refused attempt's stored data says the code was wrong (canonical JSON, keys sorted).
WRONG_REASON = canonical({"reason": "wrong"})[1:-1]


class PickupThrottle:
    def __init__(self, *, config: Config, alarms: Alarms, clock: Clock, sender: CredentialSender) -> None:
        self._security = config.security
        self._alarms = alarms
        self._clock = clock
        self._sender = sender

    def row(self, s: Session, kiosk: str) -> KioskThrottle:
        """The kiosk's counter, locked for this transaction (created on its first use)."""
        row = s.get(KioskThrottle, kiosk, with_for_update=True)
        if row is not None:
            return row
        try:
            with s.begin_nested():
                row = KioskThrottle(kiosk=kiosk, consecutive_failures=0, penalty_s=0, blocked_until=None)
                s.add(row)
                s.flush()
        except IntegrityError:
            row = s.get(KioskThrottle, kiosk, with_for_update=True, populate_existing=True)
        return row

    def decay(self, row: KioskThrottle, now: datetime) -> None:
        """A block that ended a quiet period ago is forgotten, with the failures behind it."""
        quiet = timedelta(seconds=self._security.throttle_quiet_s)
        if row.blocked_until is not None and row.blocked_until + quiet <= now:
            self.kiosk_succeeded(row)

    @staticmethod
    def retry_after(row: KioskThrottle, now: datetime) -> int | None:
        """Seconds until the kiosk may try again, or None when it is not blocked."""
        if row.blocked_until is None or row.blocked_until <= now:
            return None
        return max(1, math.ceil((row.blocked_until - now).total_seconds()))

    def kiosk_failed(self, s: Session, row: KioskThrottle, actor: str) -> None:
        sec = self._security
        row.consecutive_failures += 1
        if row.consecutive_failures < sec.kiosk_failure_threshold:
            return
        row.penalty_s = sec.throttle_base_s if not row.penalty_s else min(sec.throttle_max_s, row.penalty_s * 2)
        row.blocked_until = self._clock.now() + timedelta(seconds=row.penalty_s)
        self._alarms.raise_(s, AlarmKind.FAILED_CODES, event="kiosk_throttled", actor=actor, kiosk=row.kiosk,
                            failures=row.consecutive_failures, retry_after=row.penalty_s)

    @staticmethod
    def kiosk_succeeded(row: KioskThrottle) -> None:
        row.consecutive_failures, row.penalty_s, row.blocked_until = 0, 0, None

    def code_locked(self, cred: Credential) -> bool:
        """Code entry is locked for this credential (its QR code still works)."""
        return cred.failures >= self._security.dossier_failure_limit

    def dossier_failed(self, s: Session, dossier: Dossier | None) -> None:
        """A wrong code typed for ``dossier`` (None: a code that does not exist)."""
        limit = self._security.dossier_failure_limit
        for cred in credentials.live_for_dossier(s, dossier.id if dossier else NO_DOSSIER, self._clock.now()):
            cred.failures += 1
            if cred.failures == limit:
                self._alarms.raise_(s, AlarmKind.CODE_ENTRY_LOCKED, event="code_entry_locked",
                                    dossier=dossier.code, credential=cred.id, reason="too many wrong codes",
                                    failures=cred.failures)
                self._sender.send_code_locked(s, s.get(Result, cred.result_id))

    def attempts_left(self, s: Session, dossier: Dossier | None, typed_code: str) -> int:
        """Wrong codes that remain before code entry for the dossier is locked."""
        live = credentials.live_for_dossier(s, dossier.id if dossier else NO_DOSSIER, self._clock.now())
        limit = self._security.dossier_failure_limit
        wrong = _wrong_codes_audited(s, typed_code, limit)  # read for a known dossier too: the same reads
        failures = max((cred.failures for cred in live), default=wrong)
        return max(0, limit - failures)


def _wrong_codes_audited(s: Session, typed_code: str, limit: int) -> int:
    """Wrong codes typed for a dossier code, by the audit log (how an unknown code is counted), up to ``limit``.

    Indexed by dossier code and bounded: at most ``limit`` events are counted."""
    wrong = (select(AuditEvent.seq)
             .where(AuditEvent.dossier_code == typed_code, AuditEvent.kind == "pickup_attempt",
                    AuditEvent.data.contains(WRONG_REASON, autoescape=True))
             .limit(limit).subquery())
    return s.execute(select(func.count()).select_from(wrong)).scalar_one()

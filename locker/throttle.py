"""Limits on guessing pickup codes: a per-kiosk block that doubles while failures go
on, and a per-dossier count that revokes the dossier's codes at the limit."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import credentials
from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .config import Config
from .models import Dossier, KioskThrottle
from .ports import Clock


class PickupThrottle:
    def __init__(self, *, config: Config, alarms: Alarms, clock: Clock) -> None:
        self._security = config.security
        self._alarms = alarms
        self._clock = clock

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

    def dossier_failed(self, s: Session, dossier: Dossier) -> None:
        limit, now = self._security.dossier_failure_limit, self._clock.now()
        for cred in credentials.live_for_dossier(s, dossier.id, now):
            cred.failures += 1
            if cred.failures >= limit:
                cred.revoked_at = now
                self._alarms.raise_(s, AlarmKind.CODE_ENTRY_LOCKED, event="credential_revoked",
                                    dossier=dossier.code, credential=cred.id, reason="too many wrong codes",
                                    failures=cred.failures)

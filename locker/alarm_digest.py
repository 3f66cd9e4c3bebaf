"""Clerks' alarm digest: every ``[notify.email] digest_interval_s``, the alarms raised
since the last digest, by email to ``alarm_recipients``, through the outbox.

The alarms are read from the audit log (every alarm raised or folded writes an event
with ``"alarm": true``), so a repeat folded into an open alarm is news too. Where the
last digest stopped is the audit log's own ``alarm_digest_queued`` event
(``through``: the last alarm's sequence number), so a restart neither repeats nor
skips an alarm. A period without new alarms sends nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import notice_templates, outbox
from .audit import AuditRecorder
from .config import Config
from .models import AuditEvent
from .ports import Clock

KIND = "alarm_digest_queued"
#: How many alarms one digest lists at most; the rest follow in the next one.
MOST = 200


class AlarmDigest:
    def __init__(self, *, config: Config, secret: bytes, clock: Clock, audit: AuditRecorder) -> None:
        self._email = config.email
        self._office = config.office.name
        self._secret = secret
        self._clock = clock
        self._audit = audit
        self._next_check = float("-inf")

    @property
    def enabled(self) -> bool:
        return self._email.enabled and bool(self._email.alarm_recipients)

    def tick(self, s: Session) -> int:
        """Queue a digest when one is due (checked at most every few seconds); returns the alarms listed."""
        if not self.enabled or self._clock.monotonic() < self._next_check:
            return 0
        self._next_check = self._clock.monotonic() + min(30.0, self._email.digest_interval_s / 4)
        last = s.execute(select(AuditEvent).where(AuditEvent.kind == KIND)
                         .order_by(AuditEvent.seq.desc()).limit(1)).scalar()
        if last is not None and last.time + timedelta(seconds=self._email.digest_interval_s) > self._clock.now():
            return 0
        through = json.loads(last.data).get("through", last.seq) if last is not None else 0
        alarms = self._alarms_after(s, through)
        if not alarms:
            return 0
        subject, body = notice_templates.alarm_digest(office=self._office, alarms=alarms)
        for address in self._email.alarm_recipients:
            outbox.enqueue_email(s, address, subject, body, secret=self._secret, clock=self._clock,
                                 kind="alarm_digest")
        self._audit.event(s, KIND, through=alarms[-1]["seq"], alarms=len(alarms),
                          recipients=len(self._email.alarm_recipients))
        return len(alarms)

    @staticmethod
    def _alarms_after(s: Session, through: int) -> list[dict[str, Any]]:
        rows = s.execute(select(AuditEvent).where(AuditEvent.seq > through, AuditEvent.data.like('%"alarm":true%'))
                         .order_by(AuditEvent.seq).limit(MOST)).scalars()
        return [{"seq": e.seq, "time": e.time, "kind": json.loads(e.data).get("alarm_kind", e.kind),
                 "compartment": e.compartment, "dossier_code": e.dossier_code} for e in rows]

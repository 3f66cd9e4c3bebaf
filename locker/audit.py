"""The append-only, hash-chained audit log.

Each event's hash is ``sha256(prev_hash + canonical JSON of its fields)``; the first
event's ``prev_hash`` is 64 zeros. Appenders lock the single ``audit_head`` row, so
the chain stays linear even with concurrent writers on PostgreSQL. Database
triggers refuse UPDATE and DELETE on ``audit_events``.

>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> db = Database("sqlite://"); db.upgrade()
>>> with db.session() as s:
...     e = record(s, "door_opened", actor="system", compartment="A01", clock=SystemClock())
>>> e.seq
1
>>> with db.session() as s:
...     verify_chain(s).ok
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from . import statistics
from .models import AuditEvent, AuditHead, AuditVerified
from .ports import Clock

GENESIS = "0" * 64
_HEAD_KEY = "locker_audit_head"


def iso(t: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` and microseconds."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, seq: int, time: datetime, kind: str, actor: str,
               compartment: str | None, dossier_code: str | None, data: Any) -> str:
    body = canonical([seq, iso(time), kind, actor, compartment, dossier_code, data])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(session: Session, kind: str, *, actor: str, compartment: str | None = None,
           dossier_code: str | None = None, data: dict[str, Any] | None = None, clock: Clock) -> AuditEvent:
    """Append one event in the caller's transaction (written at its next flush)."""
    head = _locked_head(session)
    data = dict(data or {})
    # Microseconds only: that is what both databases store.
    now = clock.now().astimezone(timezone.utc)
    seq = head.seq + 1
    digest = event_hash(head.hash, seq, now, kind, actor, compartment, dossier_code, data)
    event = AuditEvent(seq=seq, time=now, kind=kind, actor=actor, compartment=compartment,
                       dossier_code=dossier_code, data=canonical(data), prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = seq, digest
    statistics.observe(session, event, data)
    return event


def _locked_head(session: Session) -> AuditHead:
    """The audit head, read and locked once per transaction: later appends use the same row."""
    transaction = session.get_transaction()
    held = session.info.get(_HEAD_KEY)
    if held is not None and held[0] is transaction:
        return held[1]
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    session.info[_HEAD_KEY] = (transaction, head)
    return head


class AuditRecorder:
    """The part every flow shares to append events, stamped by one clock. Alarms go through
    :class:`locker.alarms.Alarms`, which writes their events here."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    def event(self, s: Session, kind: str, *, actor: str = "system", compartment: str | None = None,
              dossier: str | None = None, **data: Any) -> None:
        record(s, kind, actor=actor, compartment=compartment, dossier_code=dossier, data=data, clock=self.clock)


def kiosk_actor(kiosk: str) -> str:
    """How the audit log names a kiosk.

    >>> kiosk_actor("k1"), kiosk_actor("kiosk:k1")
    ('kiosk:k1', 'kiosk:k1')
    """
    return kiosk if kiosk.startswith("kiosk:") else f"kiosk:{kiosk}"


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """The shape served by ``GET /api/v1/events``."""
    return {
        "seq": event.seq, "time": iso(event.time), "kind": event.kind, "actor": event.actor,
        "compartment": event.compartment, "dossier_code": event.dossier_code,
        "data": _load(event.data), "hash": event.hash,
    }


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    #: The newest event the chain was checked up to, and its hash.
    last_seq: int = 0
    last_hash: str = GENESIS


def verify_chain(session: Session, batch: int = 5000, *, after: tuple[int, str] | None = None) -> VerifyReport:
    """Recompute the chain and name the first broken link.

    Rows are streamed as plain text tuples and hashed without decoding their data (see
    :func:`_quick_hash`); an event whose quick hash differs is checked again field by field.
    With ``after`` (``(seq, hash)`` of an event verified before, e.g. :func:`last_verified`)
    only newer events are checked, chained to that hash."""
    last_seq, prev_hash = after or (0, GENESIS)
    if after is not None and not _still_verified(session, last_seq, prev_hash):
        return VerifyReport(False, 0, last_seq, f"event {last_seq} changed since it was verified")
    expected_seq, checked = last_seq + 1, 0
    rows = session.execute(select(*_as_text(session)).where(AuditEvent.seq >= expected_seq)
                           .order_by(AuditEvent.seq).execution_options(yield_per=batch))
    for part in rows.partitions():
        for seq, when, kind, actor, compartment, dossier_code, data, prev, digest in part:
            if seq != expected_seq or prev != prev_hash or digest != _quick_hash(
                    prev, seq, when, kind, actor, compartment, dossier_code, data):
                problem = _recheck(session, seq, expected_seq, prev_hash)
                if problem:
                    rows.close()
                    return VerifyReport(False, checked, seq if seq == expected_seq else expected_seq, problem)
            prev_hash, expected_seq, checked = digest, seq + 1, checked + 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return VerifyReport(False, checked, expected_seq, f"events after seq {expected_seq - 1} are missing")
    return VerifyReport(True, checked, None, "ok", expected_seq - 1, prev_hash)


def _as_text(session: Session) -> tuple[Any, ...]:
    """The chained columns, the time as ISO text (``iso``) where the database can write it."""
    if session.get_bind().dialect.name == "postgresql":
        when = func.to_char(AuditEvent.time, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    else:  # SQLite keeps the text "YYYY-MM-DD HH:MM:SS.ffffff"; _iso_text turns it round
        when = type_coerce(AuditEvent.time, String)
    return (AuditEvent.seq, when, *_CHAINED[2:])


def _iso_text(when: Any) -> str:
    if isinstance(when, str) and len(when) == 26 and when[10] == " ":
        return f"{when[:10]}T{when[11:]}Z"
    if isinstance(when, str) and len(when) == 27 and when[-1] == "Z":
        return when
    value = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
    return iso(value if value.tzinfo else value.replace(tzinfo=timezone.utc))


def _quick_hash(prev_hash: str, seq: int, when: Any, kind: str, actor: str, compartment: str | None,
                dossier_code: str | None, data: str) -> str:
    """:func:`event_hash` of an event whose stored ``data`` is already canonical JSON, without decoding it.

    >>> t = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    >>> want = event_hash(GENESIS, 7, t, "door_opened", "kiosk:k1", "A01", None, {"b": 1, "a": "é"})
    >>> _quick_hash(GENESIS, 7, "2025-01-02 03:04:05.000006", "door_opened", "kiosk:k1", "A01", None,
    ...             canonical({"b": 1, "a": "é"})) == want
    True
    """
    body = (f"{prev_hash}[{seq},\"{_iso_text(when)}\",{_text(kind)},{_text(actor)},{_text(compartment)},"
            f"{_text(dossier_code)},{data}]")
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _recheck(session: Session, seq: int, expected_seq: int, prev_hash: str) -> str:
    """The full check of one event (its data decoded and written again in canonical form)."""
    if seq != expected_seq:
        return f"event {expected_seq} is missing"
    row = session.execute(select(*_CHAINED).where(AuditEvent.seq == seq)).first()
    return _check(row, expected_seq, prev_hash)


def last_verified(session: Session) -> tuple[int, str] | None:
    """``(seq, hash)`` of the newest event a successful verify reached, if any."""
    row = session.execute(select(AuditVerified.seq, AuditVerified.hash).where(AuditVerified.id == 1)).first()
    return (row.seq, row.hash) if row is not None else None


def remember_verified(session: Session, report: VerifyReport, *, at: datetime) -> None:
    """Note how far a successful verify reached, for the next ``--from-last``."""
    if not report.ok:
        raise ValueError("only a verified chain is remembered")
    mark = session.get(AuditVerified, 1) or AuditVerified(id=1)
    mark.seq, mark.hash, mark.verified_at = report.last_seq, report.last_hash, at
    session.add(mark)


_CHAINED = (AuditEvent.seq, AuditEvent.time, AuditEvent.kind, AuditEvent.actor, AuditEvent.compartment,
            AuditEvent.dossier_code, AuditEvent.data, AuditEvent.prev_hash, AuditEvent.hash)


def _still_verified(session: Session, seq: int, verified_hash: str) -> bool:
    """The remembered event is still there, unchanged: its fields still give its hash."""
    if seq == 0:
        return verified_hash == GENESIS
    row = session.execute(select(*_CHAINED).where(AuditEvent.seq == seq)).first()
    return row is not None and row.hash == verified_hash and not _check(row, seq, row.prev_hash)


def _check(ev: Any, expected_seq: int, prev_hash: str) -> str:
    if ev.seq != expected_seq:
        return f"event {expected_seq} is missing"
    if ev.prev_hash != prev_hash:
        return "prev_hash does not match the previous event's hash"
    data = _load(ev.data)
    if ev.hash != event_hash(prev_hash, ev.seq, ev.time, ev.kind, ev.actor, ev.compartment, ev.dossier_code, data):
        return "hash mismatch: a field of this event was changed"
    return ""

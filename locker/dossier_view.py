"""A dossier as a clerk looks it up (by its code, in any case): where it is now, its
drop-off and results, the SMS and email sent about it (kind, status, what the gateway said), its whole history, and what may be done
from there; phone numbers masked (:func:`locker.personal.mask_phone`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from . import validation
from .audit import as_dict, iso
from .errors import NotFound
from .personal import mask_phone
from .models import Assignment, AuditEvent, Dossier, Dropoff, OutboxMessage, Result
from .statuses import ResultStatus


class DossierView:
    def __init__(self, *, db: Any) -> None:
        self._db = db

    def overview(self, code: Any) -> dict[str, Any]:
        code = validation.dossier_code(code).upper()
        with self._db.read_session() as s:
            dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            if dossier is None:  # a code stored before codes were upper-cased: a scan, only on a miss
                dossier = s.execute(select(Dossier).where(func.upper(Dossier.code) == code)
                                    .order_by(Dossier.id).limit(1)).scalar_one_or_none()
            if dossier is None:
                raise NotFound("dossier", code)
            code = dossier.code
            drops = s.execute(select(Dropoff).where(Dropoff.dossier_id == dossier.id).order_by(Dropoff.id)).scalars()
            results = list(s.execute(select(Result).where(Result.dossier_id == dossier.id)
                                     .order_by(Result.id)).scalars())
            events = list(s.execute(select(AuditEvent).where(AuditEvent.dossier_code == code)
                                    .order_by(AuditEvent.seq)).scalars())
            return {
                "code": dossier.code, "status": dossier.status, "updated_at": iso(dossier.updated_at),
                "where": _where(s, dossier.id),
                "dropoffs": [_record(d, "dropoff") for d in drops],
                "results": [_record(r, "result") for r in results],
                "sms": _sms(s, events),
                "history": [as_dict(e) for e in events],
                "actions": _actions(results),
            }


def _where(s: Session, dossier_id: int) -> dict[str, Any] | None:
    """The compartment holding the dossier's papers or result now, if any."""
    for model, column, what in ((Result, Assignment.result_id, "result"), (Dropoff, Assignment.dropoff_id, "dropoff")):
        row = s.execute(select(Assignment, model).join(model, model.id == column)
                        .where(model.dossier_id == dossier_id, Assignment.active == true())).first()
        if row is not None:
            held, record = row
            return {"compartment": record.compartment.label if record.compartment else None, "holds": what,
                    "since": iso(held.created_at)}
    return None


def _record(record: Dropoff | Result, what: str) -> dict[str, Any]:
    return {"what": what, "id": record.id, "status": record.status, "size": record.size,
            "phone": mask_phone(record.phone), "compartment": record.compartment.label if record.compartment else None,
            "created_at": iso(record.created_at), "updated_at": iso(record.updated_at),
            "by": getattr(record, "loaded_by", None) or getattr(record, "kiosk", None)}


def _sms(s: Session, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """The messages queued about the dossier and what became of each."""
    ids = [_data(e).get("message") for e in events if e.kind in ("sms_queued", "email_queued")]
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return []
    rows = s.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).scalars()
    # The outbox stores every recipient masked (enqueue_sms, enqueue_email).
    return [{"message": m.id, "channel": m.channel, "kind": m.kind, "status": m.status, "attempts": m.attempts,
             "to": m.recipient,
             "queued_at": iso(m.created_at), "sent_at": iso(m.sent_at) if m.sent_at else None,
             "last_error": m.last_error or None, "gateway_status": m.gateway_status,
             "gateway_id": m.gateway_id or None} for m in rows]


def _actions(results: list[Result]) -> list[dict[str, Any]]:
    """What a clerk may do now: reissue the pickup code of a result waiting in its compartment."""
    return [{"action": "reissue", "result": r.id} for r in results if r.status == ResultStatus.READY]


def _data(event: AuditEvent) -> dict[str, Any]:
    try:
        value = json.loads(event.data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

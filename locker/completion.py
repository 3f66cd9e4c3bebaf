"""How a flow ends: completed when its door closes again, failed when the lock jammed,
the outcome is unknown or the pulse never went out."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from . import credentials, outbox, states
from .core import ServiceCore, log
from .errors import NoCompartmentAvailable
from .models import Collection, Compartment, DoorOperation, Dropoff, Pickup, Result

VN_TIME = timezone(timedelta(hours=7))


def sms_text(dossier_code: str, label: str, issued: credentials.IssuedCredential, public_url: str) -> str:
    """Vietnamese first, then English; the pickup code is the only 8-digit number."""
    until = issued.expires_at.astimezone(VN_TIME).strftime("%d/%m/%Y")
    text = (f"Hồ sơ {dossier_code} đã có kết quả tại tủ, ngăn {label}. Mã nhận: {issued.code}. "
            f"Hết hạn {until}. / Dossier {dossier_code}: the result is ready in locker compartment {label}; "
            f"use the pickup code above before {until}.")
    if public_url:
        text += f" {public_url.rstrip('/')}/q/{issued.qr}"
    return text


class Completion(ServiceCore):
    def _complete(self, s: Session, op: DoorOperation) -> None:
        """The door closed after a confirmed opening: finish the flow."""
        self._set_op(op, "closed")
        comp, record, now = op.compartment, self._record(s, op), self._now()
        record.updated_at = now
        if op.purpose == "dropoff":
            record.status = "stored"
            record.dossier.status, record.dossier.updated_at = "dropped_off", now
            self._move(s, comp, states.HOLDING_DROPOFF)
            self._audit(s, "dropoff_stored", compartment=comp.label, dossier=record.dossier.code,
                        dropoff=record.id)
        elif op.purpose == "result_load":
            record.status = "ready"
            record.dossier.status, record.dossier.updated_at = "result_ready", now
            self._move(s, comp, states.HOLDING_RESULT)
            self._audit(s, "result_ready", compartment=comp.label, dossier=record.dossier.code, result=record.id)
            self._issue_and_send(s, record, actor="system")
        elif op.purpose == "pickup":
            self._finish_pickup(s, record, comp)
        else:
            self._finish_collection(s, record, comp)

    def _finish_pickup(self, s: Session, pickup: Pickup, comp: Compartment) -> None:
        now = self._now()
        pickup.status = "collected"
        result = pickup.result
        result.status, result.updated_at = "collected", now
        result.dossier.status, result.dossier.updated_at = "picked_up", now
        self._mark_used(s, pickup)
        self._release_assignment(s, comp)
        self._move(s, comp, states.FREE)
        self._audit(s, "pickup_collected", compartment=comp.label, dossier=result.dossier.code,
                    pickup=pickup.id, result=result.id)

    def _finish_collection(self, s: Session, coll: Collection, comp: Compartment) -> None:
        now = self._now()
        coll.status = "collected"
        if coll.dropoff_id is not None:
            dropoff = s.get(Dropoff, coll.dropoff_id)
            dropoff.status, dropoff.updated_at = "collected", now
            dropoff.dossier.status, dropoff.dossier.updated_at = "received", now
            kind, dossier = "dropoff_collected", dropoff.dossier.code
        else:
            result = s.get(Result, coll.result_id)
            result.status, result.updated_at = "expired", now
            result.dossier.status, result.dossier.updated_at = "result_removed", now
            credentials.revoke_all(s, result.id, now)
            kind, dossier = "result_removed", result.dossier.code
        self._release_assignment(s, comp)
        self._move(s, comp, states.FREE)
        self._audit(s, kind, actor=coll.actor, compartment=comp.label, dossier=dossier, collection=coll.id)

    def _mark_used(self, s: Session, pickup: Pickup) -> None:
        """The door is confirmed open: the credential cannot be used again."""
        cred = s.get(credentials.Credential, pickup.credential_id)
        if cred is not None and cred.used_at is None:
            cred.used_at = self._now()

    def _confirm_open(self, s: Session, op: DoorOperation) -> None:
        if op.purpose == "pickup":
            self._mark_used(s, self._record(s, op))

    def _issue_and_send(self, s: Session, result: Result, *, actor: str) -> credentials.IssuedCredential:
        issued = credentials.issue(s, result, secret=self.secret, clock=self.clock,
                                   ttl_days=self.config.security.credential_ttl_days)
        label = result.compartment.label if result.compartment else "?"
        text = sms_text(result.dossier.code, label, issued, self.config.http.public_url)
        msg = outbox.enqueue_sms(s, result.phone, text, secret=self.secret, clock=self.clock)
        self._audit(s, "credential_issued", actor=actor, compartment=label, dossier=result.dossier.code,
                    credential=issued.credential_id, expires_at=issued.expires_at.isoformat())
        self._audit(s, "sms_queued", actor=actor, compartment=label, dossier=result.dossier.code,
                    message=msg.id)
        return issued

    # ---- failures ---------------------------------------------------------------------

    def _fail(self, s: Session, op: DoorOperation, reason: str, *, out_of_service: str | None,
              relocate: bool = False) -> DoorOperation | None:
        """End the flow of a door operation that did not open its door.

        Returns a new operation to pulse when a drop-off or result moved elsewhere."""
        comp, record, now = op.compartment, self._record(s, op), self._now()
        if out_of_service:
            self._out_of_service(s, comp, out_of_service, op=op.id)
        record.updated_at = now
        if op.purpose in ("dropoff", "result_load"):
            self._release_assignment(s, comp)
            if comp.state == states.RESERVED:
                self._move(s, comp, states.FREE)
            if relocate:
                moved = self._relocate(s, op, record)
                if moved is not None:
                    return moved
            record.status = "failed"
            kind = "dropoff_failed" if op.purpose == "dropoff" else "result_failed"
            if record.dossier.status in ("dropoff_pending", "result_pending"):
                record.dossier.status, record.dossier.updated_at = kind, now
        else:
            record.status = "failed"
            kind = f"{op.purpose}_failed"
        self._audit(s, kind, compartment=comp.label, dossier=self._dossier_code(s, op, record),
                    reason=reason, record=record.id)
        return None

    def _relocate(self, s: Session, op: DoorOperation, record: Any) -> DoorOperation | None:
        ids = {"dropoff_id": record.id} if op.purpose == "dropoff" else {"result_id": record.id}
        try:
            new = self._allocate(s, record.size, exclude=(op.compartment_id,), **ids)
        except NoCompartmentAvailable:
            return None
        old_label = op.compartment.label
        record.compartment_id = new.id
        s.flush()
        s.refresh(record)
        kind = "dropoff_moved" if op.purpose == "dropoff" else "result_moved"
        self._audit(s, kind, compartment=new.label, dossier=record.dossier.code, record=record.id,
                    **{"from": old_label, "to": new.label})
        log.info("%s %s moved from %s to %s", op.purpose, record.id, old_label, new.label)
        return self._new_op(s, new, op.purpose, record.id, actor="system", dossier=record.dossier.code)

    def _dossier_code(self, s: Session, op: DoorOperation, record: Any) -> str | None:
        if op.purpose in ("dropoff", "result_load"):
            return record.dossier.code
        if op.purpose == "pickup":
            return record.result.dossier.code
        target = s.get(Dropoff, record.dropoff_id) if record.dropoff_id else s.get(Result, record.result_id)
        return target.dossier.code if target is not None else None

"""The citizen pickup: credential check, per-dossier failure limit, per-kiosk throttle,
and the clerk's reissue of a credential."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import credentials, states, validation, views
from .errors import Conflict, HardwareUnavailable, InvalidCredentials, InvalidInput, LockerError, NotFound, Throttled
from .flows_dropoff import DropoffFlows, _kiosk_actor
from .models import Credential, Dossier, KioskThrottle, Pickup, Result


class PickupFlows(DropoffFlows):
    def start_pickup(self, *, dossier_code: Any = None, code: Any = None, qr: Any = None,
                     kiosk: Any) -> dict[str, Any]:
        """Check a pickup credential (dossier code + 8-digit code, or a QR) and unlock."""
        kiosk = validation.name("kiosk", kiosk, 58)
        if qr is not None:
            if dossier_code is not None or code is not None:
                raise InvalidInput("qr", "Chỉ gửi mã QR hoặc mã hồ sơ và mã nhận.",
                                   "Send either a QR code or a dossier code with a pickup code.")
            if not isinstance(qr, str) or not qr.strip() or len(qr) > 512:
                raise InvalidInput("qr", "Mã QR không hợp lệ.", "The QR code is not valid.")
        else:
            dossier_code, code = validation.dossier_code(dossier_code), validation.pickup_code(code)
        with self.db.session() as s:
            outcome, op_id = self._attempt(s, kiosk, dossier_code, code, qr)
        if isinstance(outcome, LockerError):
            raise outcome
        self._pulse_or_raise(op_id)
        return outcome

    def _attempt(self, s: Session, kiosk: str, dossier_code: str | None, code: str | None,
                 qr: str | None) -> tuple[Any, int]:
        now, method = self._now(), "qr" if qr is not None else "code"
        actor = _kiosk_actor(kiosk)
        throttle = self._throttle_row(s, kiosk)
        if throttle.blocked_until is not None and throttle.blocked_until > now:
            retry = max(1, math.ceil((throttle.blocked_until - now).total_seconds()))
            self._audit(s, "pickup_attempt", actor=actor, dossier=dossier_code, ok=False, reason="throttled",
                        method=method, retry_after=retry)
            return Throttled(retry), 0
        dossier, cred = self._find_credential(s, dossier_code, code, qr)
        reason = credentials.state_of(cred, now) if cred is not None else "wrong"
        dossier_label = dossier.code if dossier is not None else dossier_code
        if reason != "ok":
            self._audit(s, "pickup_attempt", actor=actor, dossier=dossier_label, ok=False, reason=reason,
                        method=method)
            if reason == "wrong" and dossier is not None:
                self._count_dossier_failure(s, dossier)
            self._count_kiosk_failure(s, throttle, actor)
            return InvalidCredentials(), 0
        result = s.get(Result, cred.result_id)
        comp = result.compartment
        problem = self._pickup_problem(s, result, comp)
        if problem is not None:
            self._audit(s, "pickup_attempt", actor=actor, compartment=comp.label if comp else None,
                        dossier=dossier_label, ok=False, reason=problem.code, method=method)
            return problem, 0
        throttle.consecutive_failures, throttle.penalty_s, throttle.blocked_until = 0, 0, None
        pickup = Pickup(result_id=result.id, compartment_id=comp.id, credential_id=cred.id, kiosk=kiosk,
                        status="door_open", created_at=now, updated_at=now)
        s.add(pickup)
        s.flush()
        self._audit(s, "pickup_attempt", actor=actor, compartment=comp.label, dossier=dossier_label, ok=True,
                    reason="ok", method=method)
        self._audit(s, "pickup_started", actor=actor, compartment=comp.label, dossier=dossier_label,
                    pickup=pickup.id, result=result.id)
        op = self._new_op(s, comp, "pickup", pickup.id, actor=actor, dossier=dossier_label)
        return views.started(pickup.id, comp), op.id

    def _find_credential(self, s: Session, dossier_code: str | None, code: str | None,
                         qr: str | None) -> tuple[Dossier | None, Credential | None]:
        if qr is None:
            dossier = s.execute(select(Dossier).where(Dossier.code == dossier_code)).scalar_one_or_none()
            if dossier is None:
                return None, None
            return dossier, credentials.verify_code(s, dossier.id, dossier.code, code, secret=self.secret)
        token = credentials.parse_qr(qr)
        cred = credentials.verify_qr(s, token, secret=self.secret) if token is not None else None
        return (s.get(Dossier, cred.dossier_id) if cred is not None else None), cred

    def _pickup_problem(self, s: Session, result: Result, comp: Any) -> LockerError | None:
        if result.status != "ready" or comp is None:
            return InvalidCredentials()
        s.refresh(comp, with_for_update=True)
        if comp.state == states.OUT_OF_SERVICE:
            return HardwareUnavailable()
        if comp.state != states.HOLDING_RESULT or self._active_op(s, comp) is not None:
            return Conflict("Ngăn này đang mở cho một lượt nhận khác.", "This compartment is already being opened.")
        return None

    def _count_dossier_failure(self, s: Session, dossier: Dossier) -> None:
        limit, now = self.config.security.dossier_failure_limit, self._now()
        for cred in credentials.live_for_dossier(s, dossier.id, now):
            cred.failures += 1
            if cred.failures >= limit:
                cred.revoked_at = now
                self._alarm(s, "credential_revoked", dossier=dossier.code, credential=cred.id,
                            reason="too many wrong codes", failures=cred.failures)

    def _throttle_row(self, s: Session, kiosk: str) -> KioskThrottle:
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

    def _count_kiosk_failure(self, s: Session, row: KioskThrottle, actor: str) -> None:
        sec = self.config.security
        row.consecutive_failures += 1
        if row.consecutive_failures < sec.kiosk_failure_threshold:
            return
        row.penalty_s = sec.throttle_base_s if not row.penalty_s else min(sec.throttle_max_s, row.penalty_s * 2)
        row.blocked_until = self._now() + timedelta(seconds=row.penalty_s)
        self._alarm(s, "kiosk_throttled", actor=actor, kiosk=row.kiosk, failures=row.consecutive_failures,
                    retry_after=row.penalty_s)

    def get_pickup(self, pickup_id: Any) -> dict[str, Any]:
        with self.db.session() as s:
            p = s.get(Pickup, validation.whole_number("id", pickup_id))
            if p is None:
                raise NotFound("pickup", pickup_id)
            return views.pickup_view(p)

    def reissue_credential(self, result_id: Any, *, actor: Any) -> dict[str, Any]:
        """Revoke the result's credentials and send a new code by SMS."""
        actor = validation.name("actor", actor)
        with self.db.session() as s:
            result = s.get(Result, validation.whole_number("id", result_id))
            if result is None:
                raise NotFound("result", result_id)
            if result.status != "ready":
                raise Conflict("Kết quả này không còn chờ nhận.", "This result is not waiting for pickup.")
            revoked = credentials.revoke_all(s, result.id, self._now())
            label = result.compartment.label if result.compartment else None
            self._audit(s, "credential_reissued", actor=actor, compartment=label, dossier=result.dossier.code,
                        result=result.id, revoked=revoked)
            issued = self._issue_and_send(s, result, actor=actor)
            return {**views.result_view(result), "expires_at": issued.expires_at.isoformat()}

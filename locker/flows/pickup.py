"""A citizen collects a result with the dossier code and the 8-digit code, or the QR:
the credential is checked (within the kiosk's and the dossier's failure limits), the
compartment unlocked, the credential used up as soon as the door is confirmed open,
and the pickup ``collected`` when the door closes again. A lock that fails leaves the
credential valid and the pickup ``failed``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import credentials, dossiers, states, validation, views
from ..allocator import Allocator
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import Conflict, HardwareUnavailable, InvalidCredentials, InvalidInput, LockerError, Throttled
from ..journal import Journal, Unlock
from ..models import Compartment, Credential, Dossier, DoorOperation, Pickup, Result
from ..ports import Clock
from ..receipts import Receipts
from ..statuses import DossierStatus, PickupStatus, ResultStatus
from ..throttle import PickupThrottle
from . import shown


class PickupFlow:
    purpose = "pickup"
    model = Pickup

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, throttle: PickupThrottle, secret: bytes, receipts: Receipts) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._compartments = compartments
        self._secret = secret
        self._receipts = receipts
        self._throttle = throttle

    def start(self, *, dossier_code: Any = None, code: Any = None, qr: Any = None,
              kiosk: Any) -> tuple[dict[str, Any], Unlock]:
        """Check a pickup credential; returns the answer and the unlock to send.

        A refused attempt is recorded (and counted) before its error is raised."""
        kiosk = validation.name("kiosk", kiosk, 58)
        if qr is not None:
            if dossier_code is not None or code is not None:
                raise InvalidInput("qr", "Chỉ gửi mã QR hoặc mã hồ sơ và mã nhận.",
                                   "Send either a QR code or a dossier code with a pickup code.")
            if not isinstance(qr, str) or not qr.strip() or len(qr) > 512:
                raise InvalidInput("qr", "Mã QR không hợp lệ.", "The QR code is not valid.")
        else:
            dossier_code, code = validation.dossier_code(dossier_code), validation.pickup_code(code)
        with self._db.session() as s:
            outcome = self._attempt(s, kiosk, dossier_code, code, qr)
        if isinstance(outcome, LockerError):
            raise outcome
        return outcome

    def _attempt(self, s: Session, kiosk: str, dossier_code: str | None, code: str | None,
                 qr: str | None) -> LockerError | tuple[dict[str, Any], Unlock]:
        now, method, actor = self._clock.now(), "qr" if qr is not None else "code", kiosk_actor(kiosk)
        throttle = self._throttle.row(s, kiosk)
        retry = self._throttle.retry_after(throttle, now)
        if retry is not None:
            self._audit.event(s, "pickup_attempt", actor=actor, dossier=dossier_code, ok=False, reason="throttled",
                              method=method, retry_after=retry)
            return Throttled(retry)
        dossier, cred = self._find_credential(s, dossier_code, code, qr)
        reason = credentials.state_of(cred, now) if cred is not None else "wrong"
        dossier_label = dossier.code if dossier is not None else dossier_code
        if reason != "ok":
            self._audit.event(s, "pickup_attempt", actor=actor, dossier=dossier_label, ok=False, reason=reason,
                              method=method)
            if reason == "wrong" and dossier is not None:
                self._throttle.dossier_failed(s, dossier)
            self._throttle.kiosk_failed(s, throttle, actor)
            return InvalidCredentials()
        result = s.get(Result, cred.result_id)
        comp = result.compartment
        problem = self._pickup_problem(s, result, comp)
        if problem is not None:
            self._audit.event(s, "pickup_attempt", actor=actor, compartment=comp.label if comp else None,
                              dossier=dossier_label, ok=False, reason=problem.code, method=method)
            return problem
        self._throttle.kiosk_succeeded(throttle)
        pickup = Pickup(result_id=result.id, compartment_id=comp.id, credential_id=cred.id, kiosk=kiosk,
                        status=PickupStatus.DOOR_OPEN, created_at=now, updated_at=now)
        s.add(pickup)
        s.flush()
        self._audit.event(s, "pickup_attempt", actor=actor, compartment=comp.label, dossier=dossier_label, ok=True,
                          reason="ok", method=method)
        self._audit.event(s, "pickup_started", actor=actor, compartment=comp.label, dossier=dossier_label,
                          pickup=pickup.id, result=result.id)
        unlock = self._journal.open(s, comp, self.purpose, pickup.id, actor=actor, dossier=dossier_label)
        return views.started(pickup.id, comp), unlock

    def _find_credential(self, s: Session, dossier_code: str | None, code: str | None,
                         qr: str | None) -> tuple[Dossier | None, Credential | None]:
        if qr is None:
            dossier = dossiers.find(s, dossier_code)
            if dossier is None:
                return None, None
            return dossier, credentials.verify_code(s, dossier.id, dossier.code, code, secret=self._secret)
        token = credentials.parse_qr(qr)
        cred = credentials.verify_qr(s, token, secret=self._secret) if token is not None else None
        return (s.get(Dossier, cred.dossier_id) if cred is not None else None), cred

    def _pickup_problem(self, s: Session, result: Result, comp: Compartment | None) -> LockerError | None:
        if result.status != ResultStatus.READY or comp is None:
            return InvalidCredentials()
        s.refresh(comp, with_for_update=True)
        if comp.state == states.OUT_OF_SERVICE:
            return HardwareUnavailable()
        if comp.state != states.HOLDING_RESULT or self._journal.active(s, comp) is not None:
            return Conflict("Ngăn này đang mở cho một lượt nhận khác.", "This compartment is already being opened.")
        return None

    def get(self, pickup_id: Any) -> dict[str, Any]:
        return shown(self._db, Pickup, pickup_id, name="pickup", view=views.pickup_view)

    def opened(self, s: Session, op: DoorOperation, pickup: Pickup) -> None:
        """The door is confirmed open: the credential cannot be used again."""
        cred = s.get(Credential, pickup.credential_id)
        if cred is not None and cred.used_at is None:
            cred.used_at = self._clock.now()

    def complete(self, s: Session, op: DoorOperation, pickup: Pickup) -> None:
        now, result = self._clock.now(), pickup.result
        pickup.status = PickupStatus.COLLECTED
        result.status, result.updated_at = ResultStatus.COLLECTED, now
        result.dossier.status, result.dossier.updated_at = DossierStatus.PICKED_UP, now
        self.opened(s, op, pickup)
        self._allocator.release(s, op.compartment)
        self._compartments.move(op.compartment, states.FREE)
        self._audit.event(s, "pickup_collected", compartment=op.compartment.label, dossier=result.dossier.code,
                          pickup=pickup.id, result=result.id)
        self._receipts.pickup_collected(s, pickup, op.compartment.label)

    def fail(self, s: Session, op: DoorOperation, pickup: Pickup, reason: str, *, relocate: bool) -> Unlock | None:
        """The result stays where it is, and its credential stays valid."""
        pickup.status = PickupStatus.FAILED
        self._audit.event(s, "pickup_failed", compartment=op.compartment.label, dossier=pickup.result.dossier.code,
                          reason=reason, record=pickup.id)
        return None

"""A citizen collects a result with the dossier code and the 8-digit code, or the QR:
the credential is checked (within the kiosk's and the dossier's failure limits), the
compartment unlocked, the credential used up as soon as the door is confirmed open,
and the pickup ``collected`` when the door closes again (where item sensors tell: on
an empty compartment). A door closed with the result still inside makes it
``left_inside``: the kiosk may reopen it; if the citizen leaves, the pickup is
``uncollected``, the result stays ``ready`` in its compartment, its credential can
open it once more, and clerks get an alarm. A lock that fails leaves the credential
valid and the pickup ``failed``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import credentials, dossiers, states, validation, views
from ..alarm_kinds import AlarmKind
from ..alarms import Alarms
from ..allocator import Allocator
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import Conflict, HardwareUnavailable, InvalidCredentials, InvalidInput, LockerError, Throttled
from ..journal import Journal, Unlock
from ..models import Compartment, Credential, Dossier, DoorOperation, Pickup, Result
from ..ports import Clock
from ..receipts import Receipts
from ..statuses import DossierStatus, PickupStatus, ResultStatus
from ..throttle import NO_DOSSIER, PickupThrottle
from . import code_shown, kiosk_record, reopen_door, shown


class PickupFlow:
    purpose = "pickup"
    model = Pickup
    waiting = PickupStatus.LEFT_INSIDE

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, throttle: PickupThrottle, secret: bytes, receipts: Receipts,
                 alarms: Alarms) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._compartments = compartments
        self._secret = secret
        self._receipts = receipts
        self._throttle = throttle
        self._alarms = alarms

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
        self._throttle.decay(throttle, now)
        retry = self._throttle.retry_after(throttle, now)
        if retry is not None:
            self._audit.event(s, "pickup_attempt", actor=actor, dossier=dossier_code, ok=False, reason="throttled",
                              method=method, retry_after=retry)
            return Throttled(retry)
        dossier, cred = self._find_credential(s, dossier_code, code, qr)
        reason = credentials.state_of(cred, now) if cred is not None else "wrong"
        if reason == "ok" and qr is None and self._throttle.code_locked(cred):
            reason = "code_locked"
        dossier_label = dossier.code if dossier is not None else dossier_code
        if reason != "ok":
            self._audit.event(s, "pickup_attempt", actor=actor, dossier=dossier_label, ok=False, reason=reason,
                              method=method)
            if reason == "wrong" and qr is None:
                self._throttle.dossier_failed(s, dossier)
            self._throttle.kiosk_failed(s, throttle, actor)
            return InvalidCredentials(None if qr is not None else
                                      self._throttle.attempts_left(s, dossier, dossier_label))
        result = s.get(Result, cred.result_id)
        comp = result.compartment
        problem = self._pickup_problem(s, result, comp)
        if problem is not None:
            self._audit.event(s, "pickup_attempt", actor=actor, compartment=comp.label if comp else None,
                              dossier=dossier_label, ok=False, reason=problem.code, method=method)
            return problem
        self._throttle.kiosk_succeeded(throttle)
        pickup = Pickup(result_id=result.id, compartment_id=comp.id, credential_id=cred.id, kiosk=kiosk,
                        status=PickupStatus.OPENING, created_at=now, updated_at=now)
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
        if qr is None:  # the same hash and query work whether the dossier exists or not
            dossier = dossiers.find(s, dossier_code)
            cred = credentials.verify_code(s, dossier.id if dossier else NO_DOSSIER, dossier_code, code,
                                           secret=self._secret)
            return dossier, cred if dossier is not None else None
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

    def get(self, pickup_id: Any, *, kiosk: str | None = None) -> dict[str, Any]:
        """The pickup; its dossier code only for its own kiosk while on screen (see ``code_shown``)."""
        now = self._clock.now()
        return shown(self._db, Pickup, pickup_id, name="pickup",
                     view=lambda p: views.pickup_view(p, code_shown=code_shown(p, kiosk, now)))

    def opened(self, s: Session, op: DoorOperation, pickup: Pickup) -> None:
        """The door is confirmed open: the credential cannot be used again."""
        cred = s.get(Credential, pickup.credential_id)
        if cred is not None and cred.used_at is None:
            cred.used_at = self._clock.now()

    def complete(self, s: Session, op: DoorOperation, pickup: Pickup) -> None:
        self.opened(s, op, pickup)
        if self._compartments.holds_item(op.compartment) is True:
            pickup.status = PickupStatus.LEFT_INSIDE
            self._audit.event(s, "pickup_item_left", compartment=op.compartment.label,
                              dossier=pickup.result.dossier.code, pickup=pickup.id)
            return
        self._collected(s, op.compartment, pickup)

    def item_seen(self, s: Session, op: DoorOperation, pickup: Pickup, present: bool) -> None:
        """The result seen gone after all (the sensor's report came after the door's)."""
        if not present:
            self._collected(s, op.compartment, pickup)

    def _collected(self, s: Session, comp: Compartment, pickup: Pickup) -> None:
        now, result = self._clock.now(), pickup.result
        pickup.status = PickupStatus.COLLECTED
        result.status, result.updated_at = ResultStatus.COLLECTED, now
        result.dossier.status, result.dossier.updated_at = DossierStatus.PICKED_UP, now
        self._allocator.release(s, comp)
        self._compartments.move(comp, states.FREE)
        self._alarms.clear(s, AlarmKind.ITEM_LEFT_INSIDE, event="pickup_collected", compartment=comp.label)
        self._audit.event(s, "pickup_collected", compartment=comp.label, dossier=result.dossier.code,
                          pickup=pickup.id, result=result.id)
        self._receipts.pickup_collected(s, pickup, comp.label)

    def reopen(self, pickup_id: Any, *, kiosk: Any) -> tuple[dict[str, Any], Unlock]:
        """Open the same compartment again after the door closed with the result inside."""
        with self._db.session() as s:
            pickup = kiosk_record(s, Pickup, pickup_id, kiosk, name="pickup")
            if pickup.status != PickupStatus.LEFT_INSIDE:
                raise Conflict("Không thể mở lại ngăn cho lượt nhận này.",
                               "This pickup cannot be reopened now.")
            unlock = reopen_door(s, pickup, purpose=self.purpose, actor=kiosk_actor(pickup.kiosk),
                                 dossier=pickup.result.dossier.code, journal=self._journal, audit=self._audit)
            return views.started(pickup.id, pickup.compartment), unlock

    def end(self, pickup_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The kiosk's citizen left: a pickup whose door closed on the result is uncollected."""
        with self._db.session() as s:
            pickup = kiosk_record(s, Pickup, pickup_id, kiosk, name="pickup")
            if pickup.status == PickupStatus.LEFT_INSIDE:
                pickup.updated_at = self._clock.now()
                self.abandon(s, pickup, "ended at the kiosk")
            return views.pickup_view(pickup)

    def abandon(self, s: Session, pickup: Pickup, reason: str) -> None:
        """The result stays ``ready`` where it is; its credential may open it once more."""
        pickup.status = PickupStatus.UNCOLLECTED
        cred = s.get(Credential, pickup.credential_id)
        if cred is not None and cred.revoked_at is None:
            cred.used_at = None
        self._alarms.raise_(s, AlarmKind.ITEM_LEFT_INSIDE, event="item_left_inside",
                            compartment=pickup.compartment.label, dossier=pickup.result.dossier.code,
                            pickup=pickup.id, reason=reason)

    def fail(self, s: Session, op: DoorOperation, pickup: Pickup, reason: str, *, relocate: bool) -> Unlock | None:
        """The result stays where it is, and its credential stays valid."""
        pickup.status = PickupStatus.FAILED
        self._audit.event(s, "pickup_failed", compartment=op.compartment.label, dossier=pickup.result.dossier.code,
                          reason=reason, record=pickup.id)
        return None

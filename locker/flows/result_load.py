"""A clerk loads a result: a compartment is reserved and unlocked; when its door
closes the result is ``ready`` and the citizen gets a pickup code by SMS. Where item
sensors tell, a door closed on an empty compartment makes it ``closed_empty`` and
then ``cancelled`` (the compartment free) unless the result is seen inside. A lock
that fails moves it to another compartment, or the loading ``failed``. Clerks can
also reissue the pickup code of a result waiting in the cabinet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import credentials, states, validation, views
from ..allocator import Allocator
from ..audit import AuditRecorder
from ..compartments import Compartments
from ..errors import Conflict, NotFound
from ..journal import Journal, Unlock
from ..models import Compartment, Dossier, DoorOperation, Dropoff, Result
from ..notices import CredentialSender
from ..ports import Clock
from ..sensors import CabinetSensors
from ..statuses import UNDER_WAY, DossierStatus, ResultStatus
from . import shown
from .placing import Placing


def dropoff_language(s: Session, code: str) -> str:
    """The kiosk language of the dossier's latest drop-off, else ``vi``."""
    found = s.execute(select(Dropoff.language).join(Dossier).where(Dossier.code == code)
                      .order_by(Dropoff.id.desc()).limit(1)).scalar()
    return found or "vi"


class ResultLoadFlow:
    purpose = "result_load"
    model = Result
    waiting = ResultStatus.CLOSED_EMPTY

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, sensors: CabinetSensors, sender: CredentialSender) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._compartments = compartments
        self._sender = sender
        self._placing = Placing(purpose=self.purpose, ref="result", db=db, clock=clock, audit=audit, journal=journal,
                                allocator=allocator, sensors=sensors)

    def start(self, dossier_code: Any, phone: Any, size: Any, *, actor: Any, email: Any = None,
              language: Any = None) -> tuple[dict[str, Any], Unlock]:
        """Reserve a compartment for a dossier's result; returns the answer and the unlock to send.

        Without a ``language``, the citizen's messages are in the language of the dossier's
        latest drop-off at the kiosk, else Vietnamese."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        address = validation.email(email)
        language = None if language is None else validation.language(language)
        actor = validation.name("actor", actor)
        with self._placing.session() as s:
            busy = s.execute(select(Result.id).join(Dossier).where(
                Dossier.code == code, Result.status.in_((*UNDER_WAY, ResultStatus.READY)))).first()
            if busy is not None:
                raise Conflict(f"Kết quả của hồ sơ {code} đã ở trong tủ.",
                               f"The result of dossier {code} is already in the locker.")
            result = self._placing.new(s, Result, code, pending=DossierStatus.RESULT_PENDING, phone=phone_no,
                                       size=size_, status=ResultStatus.OPENING, loaded_by=actor, email=address,
                                       language=language or dropoff_language(s, code))
            return self._placing.open(s, result, kind="result_loading", actor=actor)

    def get(self, result_id: Any) -> dict[str, Any]:
        return shown(self._db, Result, result_id, name="result", view=views.result_view)

    def opened(self, s: Session, op: DoorOperation, result: Result) -> None:
        """Nothing to note until the door closes on the result."""

    def complete(self, s: Session, op: DoorOperation, result: Result) -> None:
        if self._compartments.holds_item(op.compartment) is False:
            result.status = ResultStatus.CLOSED_EMPTY
            self._audit.event(s, "result_load_empty", compartment=op.compartment.label,
                              dossier=result.dossier.code, result=result.id)
            return
        self._ready(s, op.compartment, result)

    def item_seen(self, s: Session, op: DoorOperation, result: Result, present: bool) -> None:
        """The result seen inside after all (the sensor's report came after the door's)."""
        if present:
            self._ready(s, op.compartment, result)

    def _ready(self, s: Session, comp: Compartment, result: Result) -> None:
        result.status = ResultStatus.READY
        result.dossier.status, result.dossier.updated_at = DossierStatus.RESULT_READY, self._clock.now()
        self._compartments.move(comp, states.HOLDING_RESULT)
        self._audit.event(s, "result_ready", compartment=comp.label, dossier=result.dossier.code, result=result.id)
        self._sender.issue_and_send(s, result, actor="system")

    def abandon(self, s: Session, result: Result, reason: str) -> None:
        """Reported to the clerk by the result's status and the audit log; no SMS was sent."""
        self._placing.cancel(s, result, reason, status=ResultStatus.CANCELLED,
                             dossier_status=DossierStatus.RESULT_CANCELLED, kind="result_load_cancelled",
                             actor=result.loaded_by)

    def fail(self, s: Session, op: DoorOperation, result: Result, reason: str, *, relocate: bool) -> Unlock | None:
        """Another compartment, else the loading ``failed``."""
        return self._placing.fail(s, op, result, reason, relocate=relocate, status=ResultStatus.FAILED,
                                  dossier_status=DossierStatus.RESULT_FAILED, kinds=("result_moved", "result_failed"))

    def reissue(self, result_id: Any, *, actor: Any) -> dict[str, Any]:
        """Revoke the result's credentials and send a new code by SMS."""
        actor = validation.name("actor", actor)
        with self._db.session() as s:
            result = s.get(Result, validation.whole_number("id", result_id, 1, 2**63 - 1))
            if result is None:
                raise NotFound("result", result_id)
            if result.status != ResultStatus.READY:
                raise Conflict("Kết quả này không còn chờ nhận.", "This result is not waiting for pickup.")
            revoked = credentials.revoke_all(s, result.id, self._clock.now())
            label = result.compartment.label if result.compartment else None
            self._audit.event(s, "credential_reissued", actor=actor, compartment=label, dossier=result.dossier.code,
                              result=result.id, revoked=revoked)
            issued = self._sender.issue_and_send(s, result, actor=actor, reissued=True)
            return {**views.result_view(result), "expires_at": issued.expires_at.isoformat()}

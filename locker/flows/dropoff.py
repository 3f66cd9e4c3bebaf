"""A citizen drops off a paper dossier: a free compartment of that size or larger is
reserved and unlocked; the drop-off is ``stored`` when the door closes again (where
item sensors tell: closes on the dossier). A door closed on an empty compartment
makes it ``closed_empty``: the kiosk may reopen the same compartment, and the
drop-off is ``cancelled`` (the compartment free again) when the person leaves. A
lock that fails moves it to another compartment, or the drop-off ``failed``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import states, validation, views
from ..allocator import Allocator
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import AlreadyInCabinet, Conflict
from ..journal import Journal, Unlock
from ..models import Compartment, Dossier, DoorOperation, Dropoff
from ..ports import Clock
from ..receipts import Receipts
from ..sensors import CabinetSensors
from ..statuses import UNDER_WAY, DossierStatus, DropoffStatus
from . import KioskReturn, code_shown, shown
from .placing import Placing

#: A drop-off under way, waiting for its door to be reopened, or stored: its dossier takes no other.
BUSY = (*UNDER_WAY, DropoffStatus.CLOSED_EMPTY, DropoffStatus.STORED)


class DropoffFlow:
    purpose = "dropoff"
    model = Dropoff
    waiting = DropoffStatus.CLOSED_EMPTY

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, sensors: CabinetSensors, receipts: Receipts) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._compartments = compartments
        self._receipts = receipts
        self._placing = Placing(purpose=self.purpose, ref="dropoff", db=db, clock=clock, audit=audit,
                                journal=journal, allocator=allocator, sensors=sensors)
        self._at_kiosk = KioskReturn(flow=self, name="dropoff", dossier=lambda d: d.dossier.code,
                                     view=views.dropoff_view, db=db, clock=clock, journal=journal, audit=audit,
                                     not_now=("Không thể mở lại ngăn cho lượt gửi này.",
                                              "This drop-off cannot be reopened now."))

    def start(self, dossier_code: Any, phone: Any, size: Any, *, kiosk: Any, email: Any = None,
              language: Any = "vi", low: Any = False) -> tuple[dict[str, Any], Unlock]:
        """Reserve a compartment for a citizen's dossier; returns the answer and the unlock to send.

        ``language``: the kiosk screen's (``vi``/``en``), the language of the citizen's messages;
        ``low``: only a compartment within wheelchair reach will do."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        low = validation.low(low)
        address, language = validation.email(email), validation.language(language)
        kiosk = validation.name("kiosk", kiosk, 58)
        with self._placing.session() as s:
            self._refuse_a_second(s, code)
            dropoff = self._placing.new(s, Dropoff, code, pending=DossierStatus.DROPOFF_PENDING, phone=phone_no,
                                        size=size_, status=DropoffStatus.OPENING, kiosk=kiosk, email=address,
                                        language=language)
            return self._placing.open(s, dropoff, kind="dropoff_started", actor=kiosk_actor(kiosk), low=low)

    def _refuse_a_second(self, s: Session, code: str) -> None:
        """One drop-off of a dossier at a time, and none while it is in the cabinet."""
        held = s.execute(select(Dropoff.status).join(Dossier).where(
            Dossier.code == code, Dropoff.status.in_(BUSY))).scalars().all()
        if DropoffStatus.STORED in held:
            raise AlreadyInCabinet(code)
        if held:
            raise Conflict(f"Hồ sơ {code} đang được gửi.", f"Dossier {code} is being dropped off right now.")

    def get(self, dropoff_id: Any, *, kiosk: str | None = None) -> dict[str, Any]:
        """The drop-off; its dossier code only for its own kiosk while on screen (see ``code_shown``)."""
        now = self._clock.now()
        return shown(self._db, Dropoff, dropoff_id, name="dropoff",
                     view=lambda d: views.dropoff_view(d, code_shown=code_shown(d, kiosk, now)))

    def opened(self, s: Session, op: DoorOperation, dropoff: Dropoff) -> None:
        """Nothing to note until the door closes on the dossier."""

    def complete(self, s: Session, op: DoorOperation, dropoff: Dropoff) -> None:
        if self._compartments.holds_item(op.compartment) is False:
            dropoff.status = DropoffStatus.CLOSED_EMPTY
            self._audit.event(s, "dropoff_empty", compartment=op.compartment.label, dossier=dropoff.dossier.code,
                              dropoff=dropoff.id)
            return
        self._store(s, op.compartment, dropoff)

    def item_seen(self, s: Session, op: DoorOperation, dropoff: Dropoff, present: bool) -> None:
        """The dossier seen inside after all (the sensor's report came after the door's)."""
        if present:
            self._store(s, op.compartment, dropoff)

    def _store(self, s: Session, comp: Compartment, dropoff: Dropoff) -> None:
        dropoff.status = DropoffStatus.STORED
        dropoff.dossier.status, dropoff.dossier.updated_at = DossierStatus.DROPPED_OFF, self._clock.now()
        self._compartments.move(comp, states.HOLDING_DROPOFF)
        self._audit.event(s, "dropoff_stored", compartment=comp.label, dossier=dropoff.dossier.code,
                          dropoff=dropoff.id)
        self._receipts.dropoff_stored(s, dropoff, comp.label)

    def reopen(self, dropoff_id: Any, *, kiosk: Any) -> tuple[dict[str, Any], Unlock]:
        """Open the same compartment again after the door closed on it empty."""
        return self._at_kiosk.reopen(dropoff_id, kiosk=kiosk)

    def end(self, dropoff_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The kiosk's person left: a drop-off whose door closed on nothing is cancelled."""
        return self._at_kiosk.end(dropoff_id, kiosk=kiosk)

    def abandon(self, s: Session, dropoff: Dropoff, reason: str) -> None:
        self._placing.cancel(s, dropoff, reason, status=DropoffStatus.CANCELLED,
                             dossier_status=DossierStatus.DROPOFF_CANCELLED, kind="dropoff_cancelled")

    def fail(self, s: Session, op: DoorOperation, dropoff: Dropoff, reason: str, *, relocate: bool) -> Unlock | None:
        """Another compartment, else the drop-off ``failed``."""
        return self._placing.fail(s, op, dropoff, reason, relocate=relocate, status=DropoffStatus.FAILED,
                                  dossier_status=DossierStatus.DROPOFF_FAILED,
                                  kinds=("dropoff_moved", "dropoff_failed"))

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

from .. import dossiers, states, validation, views
from ..allocator import Allocator
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import AlreadyInCabinet, Conflict, OnBattery
from ..journal import Journal, Unlock
from ..models import Compartment, Dossier, DoorOperation, Dropoff
from ..ports import Clock
from ..receipts import Receipts
from ..sensors import CabinetSensors
from ..statuses import PENDING_DOSSIER, UNDER_WAY, DossierStatus, DropoffStatus
from . import code_shown, kiosk_record, reopen_door, shown

#: A drop-off under way, waiting for its door to be reopened, or stored: its dossier takes no other.
BUSY = (*UNDER_WAY, DropoffStatus.CLOSED_EMPTY, DropoffStatus.STORED)
from .placing import move_elsewhere


class DropoffFlow:
    purpose = "dropoff"
    model = Dropoff
    waiting = DropoffStatus.CLOSED_EMPTY

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, journal: Journal, allocator: Allocator,
                 compartments: Compartments, sensors: CabinetSensors, receipts: Receipts) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._journal = journal
        self._allocator = allocator
        self._compartments = compartments
        self._sensors = sensors
        self._receipts = receipts

    def start(self, dossier_code: Any, phone: Any, size: Any, *, kiosk: Any, email: Any = None,
              language: Any = "vi", low: Any = False) -> tuple[dict[str, Any], Unlock]:
        """Reserve a compartment for a citizen's dossier; returns the answer and the unlock to send.

        ``language``: the kiosk screen's (``vi``/``en``), the language of the citizen's messages;
        ``low``: only a compartment within wheelchair reach will do."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        low = validation.low(low)
        address, language = validation.email(email), validation.language(language)
        kiosk = validation.name("kiosk", kiosk, 58)
        if self._sensors.on_battery:
            raise OnBattery()
        with self._db.session() as s:
            self._refuse_a_second(s, code)
            now = self._clock.now()
            dossier = dossiers.touch(s, code, new_status=DossierStatus.DROPOFF_PENDING, now=now)
            dropoff = Dropoff(dossier_id=dossier.id, phone=phone_no, size=size_, status=DropoffStatus.OPENING,
                              kiosk=kiosk, email=address, language=language, created_at=now, updated_at=now)
            s.add(dropoff)
            s.flush()
            comp = self._allocator.allocate(s, size_, dropoff_id=dropoff.id, low=low)
            dropoff.compartment_id = comp.id
            self._audit.event(s, "dropoff_started", actor=kiosk_actor(kiosk), compartment=comp.label, dossier=code,
                              dropoff=dropoff.id, size=size_, **({"low": True} if low else {}))
            unlock = self._journal.open(s, comp, self.purpose, dropoff.id, actor=kiosk_actor(kiosk), dossier=code)
            return views.started(dropoff.id, comp), unlock

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
        with self._db.session() as s:
            dropoff = kiosk_record(s, Dropoff, dropoff_id, kiosk, name="dropoff")
            if dropoff.status != DropoffStatus.CLOSED_EMPTY:
                raise Conflict("Không thể mở lại ngăn cho lượt gửi này.",
                               "This drop-off cannot be reopened now.")
            unlock = reopen_door(s, dropoff, purpose=self.purpose, actor=kiosk_actor(dropoff.kiosk),
                                 dossier=dropoff.dossier.code, journal=self._journal, audit=self._audit)
            return views.started(dropoff.id, dropoff.compartment), unlock

    def end(self, dropoff_id: Any, *, kiosk: Any) -> dict[str, Any]:
        """The kiosk's person left: a drop-off whose door closed on nothing is cancelled."""
        with self._db.session() as s:
            dropoff = kiosk_record(s, Dropoff, dropoff_id, kiosk, name="dropoff")
            if dropoff.status == DropoffStatus.CLOSED_EMPTY:
                dropoff.updated_at = self._clock.now()
                self.abandon(s, dropoff, "ended at the kiosk")
            return views.dropoff_view(dropoff)

    def abandon(self, s: Session, dropoff: Dropoff, reason: str) -> None:
        dropoff.status = DropoffStatus.CANCELLED
        if dropoff.dossier.status in PENDING_DOSSIER:
            dropoff.dossier.status, dropoff.dossier.updated_at = DossierStatus.DROPOFF_CANCELLED, self._clock.now()
        self._allocator.give_back(s, dropoff.compartment)
        self._audit.event(s, "dropoff_cancelled", compartment=dropoff.compartment.label,
                          dossier=dropoff.dossier.code, dropoff=dropoff.id, reason=reason)

    def fail(self, s: Session, op: DoorOperation, dropoff: Dropoff, reason: str, *, relocate: bool) -> Unlock | None:
        self._allocator.give_back(s, op.compartment)
        if relocate:
            moved = move_elsewhere(s, op, dropoff, allocator=self._allocator, journal=self._journal,
                                   audit=self._audit, moved_kind="dropoff_moved", dropoff_id=dropoff.id)
            if moved is not None:
                return moved
        dropoff.status = DropoffStatus.FAILED
        if dropoff.dossier.status in PENDING_DOSSIER:
            dropoff.dossier.status, dropoff.dossier.updated_at = DossierStatus.DROPOFF_FAILED, self._clock.now()
        self._audit.event(s, "dropoff_failed", compartment=op.compartment.label, dossier=dropoff.dossier.code,
                          reason=reason, record=dropoff.id)
        return None

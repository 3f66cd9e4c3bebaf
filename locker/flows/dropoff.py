"""A citizen drops off a paper dossier: a free compartment of that size or larger is
reserved and unlocked; the drop-off is ``stored`` when the door closes again. A lock
that fails moves it to another compartment, or the drop-off ``failed``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import dossiers, states, validation, views
from ..allocator import Allocator
from ..audit import AuditRecorder, kiosk_actor
from ..compartments import Compartments
from ..errors import Conflict, OnBattery
from ..journal import Journal, Unlock
from ..models import Dossier, DoorOperation, Dropoff
from ..ports import Clock
from ..receipts import Receipts
from ..sensors import CabinetSensors
from ..statuses import PENDING_DOSSIER, DossierStatus, DropoffStatus
from . import shown
from .placing import move_elsewhere


class DropoffFlow:
    purpose = "dropoff"
    model = Dropoff

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
              language: Any = "vi") -> tuple[dict[str, Any], Unlock]:
        """Reserve a compartment for a citizen's dossier; returns the answer and the unlock to send.

        ``language``: the kiosk screen's (``vi``/``en``), the language of the citizen's messages."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        address, language = validation.email(email), validation.language(language)
        kiosk = validation.name("kiosk", kiosk, 58)
        if self._sensors.on_battery:
            raise OnBattery()
        with self._db.session() as s:
            busy = s.execute(select(Dropoff.id).join(Dossier).where(
                Dossier.code == code, Dropoff.status == DropoffStatus.DOOR_OPEN)).first()
            if busy is not None:
                raise Conflict(f"Hồ sơ {code} đang được gửi.", f"Dossier {code} is being dropped off right now.")
            now = self._clock.now()
            dossier = dossiers.touch(s, code, new_status=DossierStatus.DROPOFF_PENDING, now=now)
            dropoff = Dropoff(dossier_id=dossier.id, phone=phone_no, size=size_, status=DropoffStatus.DOOR_OPEN,
                              kiosk=kiosk, email=address, language=language, created_at=now, updated_at=now)
            s.add(dropoff)
            s.flush()
            comp = self._allocator.allocate(s, size_, dropoff_id=dropoff.id)
            dropoff.compartment_id = comp.id
            self._audit.event(s, "dropoff_started", actor=kiosk_actor(kiosk), compartment=comp.label, dossier=code,
                              dropoff=dropoff.id, size=size_)
            unlock = self._journal.open(s, comp, self.purpose, dropoff.id, actor=kiosk_actor(kiosk), dossier=code)
            return views.started(dropoff.id, comp), unlock

    def get(self, dropoff_id: Any) -> dict[str, Any]:
        return shown(self._db, Dropoff, dropoff_id, name="dropoff", view=views.dropoff_view)

    def opened(self, s: Session, op: DoorOperation, dropoff: Dropoff) -> None:
        """Nothing to note until the door closes on the dossier."""

    def complete(self, s: Session, op: DoorOperation, dropoff: Dropoff) -> None:
        dropoff.status = DropoffStatus.STORED
        dropoff.dossier.status, dropoff.dossier.updated_at = DossierStatus.DROPPED_OFF, self._clock.now()
        self._compartments.move(op.compartment, states.HOLDING_DROPOFF)
        self._audit.event(s, "dropoff_stored", compartment=op.compartment.label, dossier=dropoff.dossier.code,
                          dropoff=dropoff.id)
        self._receipts.dropoff_stored(s, dropoff, op.compartment.label)

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

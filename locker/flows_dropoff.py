"""Starting the flows that put things into compartments or take them out as a clerk:
citizen drop-off, clerk result loading, clerk collection, and compartment service.

A drop-off's status is ``door_open``, then ``stored`` (or ``failed``); once a clerk has
taken it out of the locker (collection, or emptying an out-of-service compartment) it
reads ``collected``. A result a clerk takes out uncollected becomes ``expired``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import credentials, states, validation, views
from .completion import Completion
from .errors import Conflict, InvalidInput, NotFound, OnBattery
from .models import Collection, Compartment, Dossier, Dropoff, Result


def _kiosk_actor(kiosk: str) -> str:
    return kiosk if kiosk.startswith("kiosk:") else f"kiosk:{kiosk}"


class DropoffFlows(Completion):
    def _dossier(self, s: Session, code: str, status: str) -> Dossier:
        dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
        now = self._now()
        if dossier is None:
            dossier = Dossier(code=code, status=status, created_at=now, updated_at=now)
            s.add(dossier)
        else:
            dossier.updated_at = now
        s.flush()
        return dossier

    def _compartment(self, s: Session, label: str, *, lock: bool = False) -> Compartment:
        query = select(Compartment).where(Compartment.label == validation.label(label))
        comp = s.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if comp is None:
            raise NotFound("compartment", label)
        return comp

    # ---- citizen drop-off -------------------------------------------------------------

    def start_dropoff(self, dossier_code: Any, phone: Any, size: Any, *, kiosk: Any) -> dict[str, Any]:
        """Reserve and unlock a compartment for a citizen's dossier."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        kiosk = validation.name("kiosk", kiosk, 58)
        if self._sensors.on_battery:
            raise OnBattery()
        with self.db.session() as s:
            busy = s.execute(select(Dropoff.id).join(Dossier).where(
                Dossier.code == code, Dropoff.status == "door_open")).first()
            if busy is not None:
                raise Conflict(f"Hồ sơ {code} đang được gửi.", f"Dossier {code} is being dropped off right now.")
            dossier = self._dossier(s, code, "dropoff_pending")
            now = self._now()
            dropoff = Dropoff(dossier_id=dossier.id, phone=phone_no, size=size_, status="door_open", kiosk=kiosk,
                              created_at=now, updated_at=now)
            s.add(dropoff)
            s.flush()
            comp = self._allocate(s, size_, dropoff_id=dropoff.id)
            dropoff.compartment_id = comp.id
            self._audit(s, "dropoff_started", actor=_kiosk_actor(kiosk), compartment=comp.label, dossier=code,
                        dropoff=dropoff.id, size=size_)
            op = self._new_op(s, comp, "dropoff", dropoff.id, actor=_kiosk_actor(kiosk), dossier=code)
            answer, op_id = views.started(dropoff.id, comp), op.id
        self._pulse_or_raise(op_id)
        return answer

    def get_dropoff(self, dropoff_id: Any) -> dict[str, Any]:
        with self.db.session() as s:
            d = s.get(Dropoff, validation.whole_number("id", dropoff_id))
            if d is None:
                raise NotFound("dropoff", dropoff_id)
            return views.dropoff_view(d)

    # ---- clerk result loading ---------------------------------------------------------

    def load_result(self, dossier_code: Any, phone: Any, size: Any, *, actor: Any) -> dict[str, Any]:
        """Reserve and unlock a compartment for a dossier's result."""
        code, phone_no, size_ = validation.dossier_code(dossier_code), validation.phone(phone), validation.size(size)
        actor = validation.name("actor", actor)
        if self._sensors.on_battery:
            raise OnBattery()
        with self.db.session() as s:
            busy = s.execute(select(Result.id).join(Dossier).where(
                Dossier.code == code, Result.status.in_(("door_open", "ready")))).first()
            if busy is not None:
                raise Conflict(f"Kết quả của hồ sơ {code} đã ở trong tủ.",
                               f"The result of dossier {code} is already in the locker.")
            dossier = self._dossier(s, code, "result_pending")
            now = self._now()
            result = Result(dossier_id=dossier.id, phone=phone_no, size=size_, status="door_open", loaded_by=actor,
                            created_at=now, updated_at=now)
            s.add(result)
            s.flush()
            comp = self._allocate(s, size_, result_id=result.id)
            result.compartment_id = comp.id
            self._audit(s, "result_loading", actor=actor, compartment=comp.label, dossier=code,
                        result=result.id, size=size_)
            op = self._new_op(s, comp, "result_load", result.id, actor=actor, dossier=code)
            answer, op_id = views.started(result.id, comp), op.id
        self._pulse_or_raise(op_id)
        return answer

    def get_result(self, result_id: Any) -> dict[str, Any]:
        with self.db.session() as s:
            r = s.get(Result, validation.whole_number("id", result_id))
            if r is None:
                raise NotFound("result", result_id)
            return views.result_view(r)

    # ---- clerk collection -------------------------------------------------------------

    def start_collection(self, compartment_label: Any, *, actor: Any) -> dict[str, Any]:
        """Open a compartment holding a drop-off (or an uncollected result) for a clerk."""
        actor = validation.name("actor", actor)
        with self.db.session() as s:
            comp = self._compartment(s, compartment_label, lock=True)
            if comp.state not in (states.HOLDING_DROPOFF, states.HOLDING_RESULT) or self._active_op(s, comp):
                raise Conflict(f"Ngăn {comp.label} không chứa hồ sơ để lấy ra lúc này.",
                               f"Compartment {comp.label} holds nothing to collect right now.")
            held = self._assignment(s, comp)
            now = self._now()
            coll = Collection(dropoff_id=held.dropoff_id if held else None,
                              result_id=held.result_id if held else None,
                              compartment_id=comp.id, actor=actor, status="door_open", created_at=now, updated_at=now)
            s.add(coll)
            s.flush()
            dossier = self._held_dossier(s, held)
            self._audit(s, "collection_started", actor=actor, compartment=comp.label, dossier=dossier,
                        collection=coll.id)
            op = self._new_op(s, comp, "collection", coll.id, actor=actor, dossier=dossier)
            answer, op_id = views.started(coll.id, comp), op.id
        self._pulse_or_raise(op_id)
        return answer

    def get_collection(self, collection_id: Any) -> dict[str, Any]:
        with self.db.session() as s:
            c = s.get(Collection, validation.whole_number("id", collection_id))
            if c is None:
                raise NotFound("collection", collection_id)
            return views.collection_view(c)

    def _held_dossier(self, s: Session, held: Any) -> str | None:
        if held is None:
            return None
        record = s.get(Dropoff, held.dropoff_id) if held.dropoff_id else s.get(Result, held.result_id)
        return record.dossier.code if record is not None else None

    # ---- compartment service ----------------------------------------------------------

    def set_out_of_service(self, compartment_label: Any, *, actor: Any, reason: Any = "maintenance") -> dict:
        """Take a compartment out of service (maintenance); it keeps what it holds."""
        actor = validation.name("actor", actor)
        reason = validation.name("reason", reason, 200)
        with self.db.session() as s:
            comp = self._compartment(s, compartment_label, lock=True)
            if not states.allowed(comp.state, states.OUT_OF_SERVICE) or self._active_op(s, comp):
                raise Conflict(f"Ngăn {comp.label} đang được sử dụng.", f"Compartment {comp.label} is in use.")
            self._out_of_service(s, comp, reason, actor=actor)
            return views.compartment_view(comp, self._held_dossier(s, self._assignment(s, comp)))

    def return_to_service(self, compartment_label: Any, *, actor: Any, emptied: bool = False,
                          keep_contents: bool = False, reason: Any = None) -> dict:
        """Put an out-of-service compartment back into use. When it still holds a drop-off
        or a result, the clerk says what became of it: taken out (``emptied=True``, the
        compartment is free) or left inside (``keep_contents=True``, it holds it again and
        a pickup credential stays valid)."""
        actor = validation.name("actor", actor)
        reason = None if reason is None else validation.name("reason", reason, 200)
        if emptied is True and keep_contents is True:
            raise InvalidInput("emptied", "Chỉ chọn một: đã lấy hồ sơ ra hoặc để lại trong ngăn.",
                               "Choose one: the dossier was taken out, or it stays inside.")
        with self.db.session() as s:
            comp = self._compartment(s, compartment_label, lock=True)
            if comp.state != states.OUT_OF_SERVICE or self._active_op(s, comp) or comp.board < 0:
                raise Conflict(f"Ngăn {comp.label} không ở trạng thái ngừng sử dụng.",
                               f"Compartment {comp.label} is not out of service.")
            if comp.door == "open":
                raise Conflict(f"Hãy đóng cửa ngăn {comp.label} trước.", f"Close compartment {comp.label} first.")
            held, new = self._assignment(s, comp), states.FREE
            if held is not None and emptied is True:
                self._empty(s, comp, held, actor)
            elif held is not None:
                new = self._holding_state(s, held) if keep_contents is True else None
                if new is None:
                    raise Conflict(f"Ngăn {comp.label} vẫn còn hồ sơ; hãy lấy ra và xác nhận.",
                                   f"Compartment {comp.label} still holds a dossier; take it out and confirm.")
            states.return_to_service(comp, new)
            comp.service_note, comp.updated_at = "", self._now()
            dossier = self._held_dossier(s, held) if new != states.FREE else None
            self._audit(s, "compartment_returned", actor=actor, compartment=comp.label, dossier=dossier,
                        state=new, **({"reason": reason} if reason else {}))
            return views.compartment_view(comp, dossier)

    def _holding_state(self, s: Session, held: Any) -> str | None:
        """What a compartment holds again after a repair: a stored drop-off or a ready result."""
        if held.dropoff_id:
            record = s.get(Dropoff, held.dropoff_id)
            return states.HOLDING_DROPOFF if record is not None and record.status == "stored" else None
        record = s.get(Result, held.result_id)
        return states.HOLDING_RESULT if record is not None and record.status == "ready" else None

    def _empty(self, s: Session, comp: Compartment, held: Any, actor: str) -> None:
        now = self._now()
        if held.dropoff_id:
            record = s.get(Dropoff, held.dropoff_id)
            if record.status == "stored":
                record.status, record.updated_at = "collected", now
        else:
            record = s.get(Result, held.result_id)
            if record.status == "ready":
                record.status, record.updated_at = "expired", now
            credentials.revoke_all(s, record.id, now)
        self._release_assignment(s, comp)
        self._audit(s, "compartment_emptied", actor=actor, compartment=comp.label, dossier=record.dossier.code)

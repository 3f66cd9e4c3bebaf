"""Hardware events drive the flows after the pulse: unlock outcomes, doors, items,
boards and scanner reads. Nothing that arrives here raises out of ``handle_event``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import credentials, validation
from .audit import iso
from .core import log
from .errors import InvalidInput, LockerError
from .kiosk import KIOSK_MODE_TTL_S
from .flows_pickup import PickupFlows
from .models import Compartment
from .left_open import ALARM
from .ports import BoardAvailability, BoardKey, DoorChanged, ItemChanged, ScanRead, SensorChanged, Tick, UnlockOutcome

SCANNER = "scanner"


class DoorEvents(PickupFlows):
    def handle_event(self, event: Any) -> None:
        """Apply one hardware event; errors are logged, never raised."""
        try:
            if isinstance(event, ScanRead):
                self._on_scan(event.data)
                return
            if isinstance(event, Tick):
                with self.db.session() as s:
                    self._left_open.tick(s)
                    self._update_tower(s)
                return
            if isinstance(event, SensorChanged):
                with self.db.session() as s:
                    self._sensors.changed(s, event)
                    self._update_tower(s)
                return
            with self.db.session() as s:
                pulses = self._apply(s, event)
            self._pulse_quietly(pulses)
        except Exception:  # noqa: BLE001 - the event thread must survive anything
            log.exception("failed to handle %r", event)

    def _apply(self, s: Session, event: Any) -> list[int]:
        if isinstance(event, BoardAvailability):
            self._on_board(s, (event.bus, event.board), event.online)
            return []
        if not isinstance(event, (DoorChanged, ItemChanged, UnlockOutcome)):
            log.warning("ignoring unknown event %r", event)
            return []
        comp = s.execute(select(Compartment).where(
            Compartment.bus == event.bus, Compartment.board == event.board, Compartment.lock == event.lock,
        ).with_for_update()).scalar_one_or_none()
        if comp is None:
            log.info("event for unconfigured bus %s board %s lock %s ignored", event.bus, event.board, event.lock)
            return []
        comp.updated_at = self._now()
        if isinstance(event, ItemChanged):
            comp.item = bool(event.present)
            return []
        if isinstance(event, DoorChanged):
            if event.open:
                self._door_opened(s, comp)
            else:
                self._door_closed(s, comp)
            return []
        return self._on_outcome(s, comp, event.result)

    def _door_opened(self, s: Session, comp: Compartment) -> None:
        op, before = self._active_op(s, comp), comp.door
        comp.door = "open"
        self._left_open.door_opened(comp)
        if op is not None and op.status in ("pending", "pulsed", "released"):
            self._set_op(op, "opened")
            self._confirm_open(s, op)
            self._audit(s, "door_opened", compartment=comp.label, op=op.id, purpose=op.purpose)
        elif op is None and before == "closed":
            self._alarm(s, "forced_open", compartment=comp.label, state=comp.state)
        elif op is None and before == "unknown":
            self._audit(s, "door_opened", compartment=comp.label, op=None)

    def _door_closed(self, s: Session, comp: Compartment) -> None:
        op, before = self._active_op(s, comp), comp.door
        comp.door = "closed"
        self._left_open.door_closed(s, comp)
        if before == "open":
            self._audit(s, "door_closed", compartment=comp.label, op=op.id if op else None)
        if op is not None and op.status in ("released", "opened"):
            self._complete(s, op)

    def _on_outcome(self, s: Session, comp: Compartment, result: str) -> list[int]:
        op = self._active_op(s, comp)
        if result == "released":
            comp.door = "open"
            if op is not None and op.status in ("pending", "pulsed"):
                self._set_op(op, "released")
            if op is not None:
                self._confirm_open(s, op)
            self._audit(s, "unlock_released", compartment=comp.label, op=op.id if op else None)
            return []
        kind = "lock_jammed" if result == "jammed" else "unlock_unknown"
        reason = "lock jammed" if result == "jammed" else "unlock outcome unknown"
        self._alarm(s, kind, compartment=comp.label, op=op.id if op else None)
        if op is None or op.status not in ("pending", "pulsed"):
            return []
        self._set_op(op, "jammed" if result == "jammed" else "unknown")
        moved = self._fail(s, op, reason, out_of_service=reason, relocate=True)
        return [moved.id] if moved is not None else []

    def _update_tower(self, s: Session) -> None:
        with self._guard:
            boards_down = any(online is not True for online in self._boards.values())
        out_of_service = s.execute(select(Compartment.id).where(
            Compartment.state == "out_of_service", Compartment.board >= 0).limit(1)).first() is not None
        self._sensors.update_tower(alarm=bool(self._left_open.watch.at_least(ALARM)),
                                   degraded=boards_down or out_of_service)

    def _on_board(self, s: Session, key: BoardKey, online: bool) -> None:
        with self._guard:
            before = self._boards.get(key)
            self._boards[key] = online
        if not online:
            for comp in s.execute(select(Compartment).where(Compartment.bus == key[0],
                                                            Compartment.board == key[1])).scalars():
                comp.door = "unknown"
        if before is not online:
            if online:
                self._audit(s, "board_online", board=self._board_name(key))
            else:
                self._alarm(s, "board_offline", board=self._board_name(key))

    # ---- the scanner ------------------------------------------------------------------

    def _on_scan(self, data: Any) -> None:
        token = credentials.parse_qr(data)
        mode = self.kiosk_activity(SCANNER)["mode"]
        if token is None or mode != "idle":
            reason = "kiosk busy" if token is not None else "not a pickup code"
            with self.db.session() as s:
                self._audit(s, "scan_read", actor=SCANNER, ok=False, reason=reason,
                            length=len(data) if isinstance(data, str) else None)
            if token is None:
                self._note_scan(False, None, "not_a_pickup_code")
            return
        try:
            pickup = self.start_pickup(qr=data, kiosk=SCANNER)
        except LockerError as exc:
            self._note_scan(False, None, exc.code)
            return
        self._note_scan(True, pickup, None)

    def _note_scan(self, ok: bool, pickup: dict | None, error: str | None) -> None:
        with self._guard:
            self._last_scans[SCANNER] = {"at": iso(self._now()), "ok": ok, "pickup": pickup, "error": error}

    def set_kiosk_mode(self, kiosk: Any, mode: Any) -> None:
        """``busy`` while a kiosk shows a form (scans are ignored), ``idle`` otherwise;
        ``busy`` lapses to ``idle`` after 60 s without a refresh."""
        kiosk = validation.name("kiosk", kiosk)
        if mode not in ("idle", "busy"):
            raise InvalidInput("mode", "Chế độ phải là idle hoặc busy.", "The mode must be idle or busy.")
        with self._guard:
            self._kiosk_modes[kiosk] = (mode, self.clock.monotonic() + KIOSK_MODE_TTL_S)
        if kiosk == SCANNER and self._scanner_gate is not None:
            self._scanner_gate.mode_changed(mode)

    def kiosk_activity(self, kiosk: Any = None) -> dict[str, Any]:
        key = SCANNER if kiosk is None else str(kiosk)
        with self._guard:
            mode, until = self._kiosk_modes.get(key, ("idle", 0.0))
            if self.clock.monotonic() >= until:
                mode = "idle"
            last = self._last_scans.get(key)
        with self.db.session() as s:
            left_open = self._left_open.prompted_labels(s)
        return {"mode": mode, "last_scan": dict(last) if last else None, "doors_left_open": left_open,
                "presence": bool(self._sensors.active.get("presence"))}

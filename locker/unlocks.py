"""Sending committed unlocks to the lock bus. A request the bus refuses means no
pulse went out: the operation is abandoned and its flow fails, with an alarm."""

from __future__ import annotations

import logging
from typing import Any, Iterable

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .errors import HardwareUnavailable
from .flows import FlowTable
from .journal import Journal, OpStatus, Unlock
from .models import DoorOperation
from .ports import LockBus

log = logging.getLogger("locker.service")


class Unlocker:
    def __init__(self, *, db: Any, bus: LockBus, journal: Journal, flows: FlowTable, alarms: Alarms) -> None:
        self._db = db
        self._bus = bus
        self._journal = journal
        self._flows = flows
        self._alarms = alarms

    def send(self, unlock: Unlock) -> bool:
        """Ask the bus for the pulse; False when the request failed (the flow has failed too)."""
        try:
            self._bus.request_unlock(unlock.board, unlock.lock, bus=unlock.bus)
        except Exception as exc:  # noqa: BLE001 - any adapter failure means no pulse was sent
            log.error("unlock request for board %s lock %s failed: %s", unlock.board, unlock.lock, exc)
            self._abandon(unlock.op_id, exc)
            return False
        with self._db.session() as s:
            self._journal.pulsed(s, unlock.op_id)
        return True

    def start(self, started: tuple[dict[str, Any], Unlock]) -> dict[str, Any]:
        """Send a flow's first unlock; the flow's answer, or :class:`HardwareUnavailable`."""
        answer, unlock = started
        if not self.send(unlock):
            raise HardwareUnavailable()
        return answer

    def send_all(self, unlocks: Iterable[Unlock]) -> None:
        for unlock in unlocks:
            self.send(unlock)

    def _abandon(self, op_id: int, exc: Exception) -> None:
        with self._db.session() as s:
            op = s.get(DoorOperation, op_id)
            if self._journal.advance(op, OpStatus.ABANDONED):
                # No pulse went out: the bus or the board could not be reached.
                self._alarms.raise_(s, AlarmKind.BOARD_OFFLINE, event="unlock_failed",
                                    compartment=op.compartment.label, op=op.id, error=str(exc)[:200])
                self._flows.fail(s, op, "unlock request failed")

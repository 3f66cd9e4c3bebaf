"""The cabinet's own sensors and signals: power, tamper, service door, presence,
and the LED status tower that sums them up for people nearby.

On battery the service finishes what is under way but takes no new drop-offs or
results; a low battery shuts the service down cleanly (``shutdown`` is the
runtime's way to stop the process).
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .ports import Panel, SensorChanged

log = logging.getLogger(__name__)

#: Audit kinds when a sensor becomes active and inactive, and the alarm it raises (and clears).
KINDS: dict[str, tuple[str, str, AlarmKind | None]] = {
    "power_fail": ("power_failure", "power_restored", AlarmKind.ON_BATTERY),
    "battery_low": ("battery_low", "battery_recovered", AlarmKind.BATTERY_LOW),
    "tamper": ("tamper", "tamper_cleared", AlarmKind.TAMPER),
    "service_door": ("service_door_opened", "service_door_closed", None),
}


class CabinetSensors:
    """Keeps the sensors' state and reacts to it: audit events, alarms, a clean shutdown."""

    def __init__(self, *, audit: AuditRecorder, alarms: Alarms, panel: Panel | None,
                 shutdown: Callable[[], None] | None) -> None:
        self._audit = audit
        self._alarms = alarms
        self.panel = panel
        self.shutdown = shutdown
        self.active: dict[str, bool] = {}
        self._tower: str | None = None

    @property
    def on_battery(self) -> bool:
        return self.active.get("power_fail", False)

    def changed(self, s: Session, event: SensorChanged) -> None:
        if self.active.get(event.name) == event.active:
            return
        self.active[event.name] = event.active
        if event.name in KINDS:
            self._record(s, event.active, *KINDS[event.name])
        if event.name == "battery_low" and event.active and self.shutdown is not None:
            log.warning("UPS battery low: shutting the service down cleanly")
            self.shutdown()

    def _record(self, s: Session, active: bool, on: str, off: str, alarm: AlarmKind | None) -> None:
        if alarm is None:
            self._audit.event(s, on if active else off)
        elif active:
            self._alarms.raise_(s, alarm, event=on)
        else:
            self._audit.event(s, off)
            self._alarms.clear(s, alarm, event=off)

    def update_tower(self, *, alarm: bool, degraded: bool) -> None:
        state = ("alarm" if alarm or self.active.get("tamper") else "on_battery" if self.on_battery
                 else "degraded" if degraded else "ready")
        if state == self._tower or self.panel is None:
            return
        self._tower = state
        try:
            self.panel.show(state)
        except Exception:  # noqa: BLE001 - a broken LED must not stop the flows
            log.exception("could not set the status tower to %s", state)

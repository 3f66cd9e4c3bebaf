"""Doors left open: a prompt on the kiosk, then the buzzer, then an alarm for clerks.

The count runs on the monotonic clock; the compartment row keeps when the door was
first seen open and how far its escalation went, so a restart neither starts the
count again nor repeats a prompt, the buzzer or the alarm. Closing the door
resolves its door-left-open alarm.
"""

from __future__ import annotations

import logging
from sqlalchemy import select
from sqlalchemy.orm import Session

from .alarm_kinds import AlarmKind
from .alarms import Alarms
from .audit import AuditRecorder
from .config import DoorConfig
from .models import Compartment
from .ports import Clock, Panel

log = logging.getLogger(__name__)

PROMPT, BUZZER, ALARM = 1, 2, 3


class LeftOpenWatch:
    """Tracks how long each door has been open and how far its escalation went.

    >>> watch = LeftOpenWatch(prompt_s=1, buzzer_s=2, alarm_s=3)
    >>> watch.opened(7, now=0.0); watch.due(now=2.5)
    [(7, 2)]
    >>> watch.closed(7)
    2
    """

    def __init__(self, *, prompt_s: float, buzzer_s: float, alarm_s: float) -> None:
        self._limits = ((ALARM, alarm_s), (BUZZER, buzzer_s), (PROMPT, prompt_s))
        self._since: dict[int, float] = {}
        self._level: dict[int, int] = {}

    def opened(self, compartment_id: int, *, now: float, level: int = 0) -> None:
        """The door is open since ``now`` (monotonic); ``level`` is how far it already escalated."""
        self._since.setdefault(compartment_id, now)
        if level > self._level.get(compartment_id, 0):
            self._level[compartment_id] = level

    def closed(self, compartment_id: int) -> int:
        """Forget the door; the level its escalation had reached."""
        self._since.pop(compartment_id, None)
        return self._level.pop(compartment_id, 0)

    def due(self, *, now: float) -> list[tuple[int, int]]:
        """``(compartment id, new level)`` for every door whose escalation moved on."""
        moved = []
        for cid, since in self._since.items():
            level = next((lvl for lvl, limit in self._limits if now - since >= limit), 0)
            if level > self._level.get(cid, 0):
                self._level[cid] = level
                moved.append((cid, level))
        return moved

    def at_least(self, level: int) -> set[int]:
        return {cid for cid, lvl in self._level.items() if lvl >= level}


class LeftOpenEscalation:
    """The escalation's effects: audit events and alarms, the buzzer, and the kiosk prompt."""

    def __init__(self, *, doors: DoorConfig, audit: AuditRecorder, alarms: Alarms, clock: Clock,
                 panel: Panel | None) -> None:
        self._audit = audit
        self._alarms = alarms
        self._clock = clock
        self.panel = panel
        self.watch = LeftOpenWatch(prompt_s=doors.left_open_prompt_s, buzzer_s=doors.left_open_buzzer_s,
                                   alarm_s=doors.left_open_alarm_s)
        self._buzzing = False

    def door_opened(self, comp: Compartment) -> None:
        """Start (or, after a restart, resume) the count from when the door was first seen open."""
        now = self._clock.now()
        if comp.door_opened_at is None:
            comp.door_opened_at, comp.left_open_stage = now, 0
        elapsed = max(0.0, (now - comp.door_opened_at).total_seconds())
        self.watch.opened(comp.id, now=self._clock.monotonic() - elapsed, level=comp.left_open_stage or 0)

    def door_closed(self, s: Session, comp: Compartment) -> None:
        level = max(self.watch.closed(comp.id), comp.left_open_stage or 0)
        comp.door_opened_at, comp.left_open_stage = None, 0
        if level >= PROMPT:
            self._audit.event(s, "door_left_open_cleared", compartment=comp.label)
        if level >= ALARM:
            self._alarms.clear(s, AlarmKind.DOOR_LEFT_OPEN, event="door_closed", compartment=comp.label)
        self._update_buzzer()

    def tick(self, s: Session) -> None:
        for cid, level in self.watch.due(now=self._clock.monotonic()):
            comp = s.get(Compartment, cid)
            label = comp.label if comp is not None else str(cid)
            if comp is not None:
                comp.left_open_stage = level
            if level == ALARM:
                self._alarms.raise_(s, AlarmKind.DOOR_LEFT_OPEN, event="door_left_open", compartment=label,
                                    stage="alarm")
            else:
                self._audit.event(s, "door_left_open", compartment=label,
                                    stage="buzzer" if level == BUZZER else "prompt")
        self._update_buzzer()

    def prompted_labels(self, s: Session) -> list[str]:
        ids = self.watch.at_least(PROMPT)
        if not ids:
            return []
        rows = s.execute(select(Compartment.label).where(Compartment.id.in_(ids))).scalars()
        return sorted(rows)

    def _update_buzzer(self) -> None:
        buzzing = bool(self.watch.at_least(BUZZER))
        if buzzing == self._buzzing or self.panel is None:
            self._buzzing = buzzing
            return
        self._buzzing = buzzing
        try:
            self.panel.set_buzzer(buzzing)
        except Exception:  # noqa: BLE001 - a broken buzzer must not stop the flows
            log.exception("could not switch the buzzer %s", "on" if buzzing else "off")

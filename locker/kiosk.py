"""The scanner follows the kiosk page: it reads only while the kiosk waits for a code.

A scanner left reading while a citizen types in a form could open a door behind
their back, and one left off after the kiosk browser crashed would break
scan-to-pickup; so ``busy`` turns the scanner off and lapses, like the kiosk mode
itself, to idle (scanner on) when the page stops refreshing it.
"""

from __future__ import annotations

import logging
import threading

from .ports import ScannerControl

log = logging.getLogger(__name__)

#: A kiosk's ``busy`` mode lapses to ``idle`` after this long without a refresh.
KIOSK_MODE_TTL_S = 60.0


class ScannerGate:
    """Turns a :class:`ScannerControl` on and off as the kiosk's mode changes.

    >>> class Scanner:
    ...     def set_reading(self, on): print("reading" if on else "off")
    >>> gate = ScannerGate(Scanner(), lapse_after=60.0)
    >>> gate.mode_changed("busy")
    off
    >>> gate.mode_changed("busy")
    >>> gate.mode_changed("idle")
    reading
    >>> gate.close()
    """

    def __init__(self, scanner: ScannerControl, *, lapse_after: float) -> None:
        self._scanner = scanner
        self._lapse_after = lapse_after
        self._lock = threading.Lock()
        self._reading: bool | None = None
        self._timer: threading.Timer | None = None

    def mode_changed(self, mode: str) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if mode == "busy":
                self._timer = threading.Timer(self._lapse_after, self.mode_changed, args=("idle",))
                self._timer.daemon = True
                self._timer.start()
            self._set(mode != "busy")

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _set(self, reading: bool) -> None:
        if reading == self._reading:
            return
        self._reading = reading
        try:
            self._scanner.set_reading(reading)
        except Exception:  # noqa: BLE001 - a scanner fault must not break the kiosk page
            log.exception("could not switch the scanner %s", "on" if reading else "off")

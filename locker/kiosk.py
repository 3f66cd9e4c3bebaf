"""The scanner follows the kiosk page: it reads only while the kiosk waits for a code.

A scanner left reading while a citizen types in a form could open a door behind
their back, and one left off after the kiosk browser crashed would break
scan-to-pickup; so ``busy`` turns the scanner off and lapses, like the kiosk mode
itself, to idle (scanner on) when the page stops refreshing it.

What the scanner reads is one of: a clerk's badge (``LKB1.``), a pickup QR (``LK1.``
or a ``/q/`` link), or the dossier code printed on the office's receipt, which starts
a drop-off with that code filled in; anything else is not a code the kiosk takes.
Each outcome is the kiosk's ``last_scan`` and goes to every watcher at once.
"""

from __future__ import annotations

import logging
import threading
from enum import StrEnum
from typing import Any, Callable

from . import badges, credentials, validation
from .audit import AuditRecorder, iso
from .errors import InvalidInput, LockerError
from .left_open import LeftOpenEscalation
from .ports import Clock, ScannerControl
from .sensors import CabinetSensors

log = logging.getLogger(__name__)

#: A kiosk's ``busy`` mode lapses to ``idle`` after this long without a refresh.
KIOSK_MODE_TTL_S = 60.0

#: The kiosk key of the cabinet's QR scanner: its scans are pickups at the kiosk it is mounted on.
SCANNER = "scanner"


def receipt_code(text: Any) -> str | None:
    """The dossier code a scanned text is, as the office's receipt prints it; None for a
    credential (a pickup QR or a badge, even a broken one) or anything that is no dossier code.

    >>> receipt_code(" hs.2025/0001 "), receipt_code("LK1.7.x.y"), receipt_code("LKB1.x"), receipt_code("a b")
    ('HS.2025/0001', None, None, None)
    """
    if credentials.looks_like_qr(text) or badges.looks_like_badge(text):
        return None
    try:
        return validation.dossier_code(text)
    except InvalidInput:
        return None


class KioskMode(StrEnum):
    IDLE = "idle"    # the home screen: a scanned QR may open a door
    BUSY = "busy"    # a form is on screen: scans are ignored


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


class KioskDesk:
    """What the kiosk page shows besides the flows: its mode, the last scan at the
    scanner, doors left open and presence; and the scanner's reads as pickups."""

    def __init__(self, *, db: Any, clock: Clock, audit: AuditRecorder, left_open: LeftOpenEscalation,
                 sensors: CabinetSensors, scanner: ScannerControl | None,
                 start_pickup: Callable[..., dict[str, Any]],
                 badge_scanned: Callable[..., dict[str, Any]] | None = None) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._left_open = left_open
        self._sensors = sensors
        self._start_pickup = start_pickup
        self._badge_scanned = badge_scanned
        self._gate = ScannerGate(scanner, lapse_after=KIOSK_MODE_TTL_S) if scanner is not None else None
        self._lock = threading.Lock()
        self._modes: dict[str, tuple[str, float]] = {}
        self._last_scans: dict[str, dict[str, Any]] = {}
        self._watchers: list[Callable[[dict[str, Any]], None]] = []

    def watch(self, watcher: Callable[[dict[str, Any]], None]) -> None:
        """Call ``watcher(scan)`` with each scan's outcome (the new ``last_scan``) as it is read;
        it runs on the thread that handles the scan, so it must not block."""
        self._watchers.append(watcher)

    def set_mode(self, kiosk: Any, mode: Any) -> None:
        """``busy`` while a kiosk shows a form (scans are ignored), ``idle`` otherwise;
        ``busy`` lapses to ``idle`` after 60 s without a refresh."""
        kiosk = validation.name("kiosk", kiosk)
        if mode not in tuple(KioskMode):
            raise InvalidInput("mode", "Chế độ phải là idle hoặc busy.", "The mode must be idle or busy.")
        with self._lock:
            self._modes[kiosk] = (mode, self._clock.monotonic() + KIOSK_MODE_TTL_S)
        if kiosk == SCANNER and self._gate is not None:
            self._gate.mode_changed(mode)

    def activity(self, kiosk: Any = None) -> dict[str, Any]:
        key = SCANNER if kiosk is None else str(kiosk)
        with self._lock:
            mode, until = self._modes.get(key, (KioskMode.IDLE, 0.0))
            if self._clock.monotonic() >= until:
                mode = KioskMode.IDLE
            last = self._last_scans.get(key)
        with self._db.read_session() as s:
            left_open = self._left_open.prompted_labels(s)
        return {"mode": str(mode), "last_scan": dict(last) if last else None, "doors_left_open": left_open,
                "presence": bool(self._sensors.active.get("presence"))}

    def scanned(self, data: Any) -> None:
        """A QR read at the scanner opens its compartment while the kiosk is idle; a clerk's badge
        read then leads the kiosk page to its PIN (``last_scan.badge``); a receipt's dossier code
        starts a drop-off on the page (``last_scan.dossier_code``)."""
        if self._badge_scanned is not None and badges.looks_like_badge(data):
            if self.activity(SCANNER)["mode"] == KioskMode.IDLE:
                badge = self._badge_scanned(data, where=SCANNER)
                self._note(badge["ok"], error=badge.get("error"), badge=badge if badge["ok"] else None)
            return
        token = credentials.parse_qr(data)
        dossier_code = receipt_code(data) if token is None else None
        if (token is None and dossier_code is None) or self.activity(SCANNER)["mode"] != KioskMode.IDLE:
            known = token is not None or dossier_code is not None
            with self._db.session() as s:
                self._audit.event(s, "scan_read", actor=SCANNER, ok=False,
                                  reason="kiosk busy" if known else "not a pickup code",
                                  length=len(data) if isinstance(data, str) else None)
            if not known:
                self._note(False, error="not_a_pickup_code")
            return
        if dossier_code is not None:
            with self._db.session() as s:
                self._audit.event(s, "scan_read", actor=SCANNER, dossier=dossier_code, ok=True, reason="receipt code")
            self._note(True, dossier_code=dossier_code)
            return
        try:
            pickup = self._start_pickup(qr=data, kiosk=SCANNER)
        except LockerError as exc:
            self._note(False, error=exc.code)
            return
        self._note(True, pickup=pickup)

    def _note(self, ok: bool, *, pickup: dict | None = None, error: str | None = None,
              badge: dict | None = None, dossier_code: str | None = None) -> None:
        scan = {"at": iso(self._clock.now()), "ok": ok, "pickup": pickup, "error": error, "badge": badge,
                "dossier_code": dossier_code}
        with self._lock:
            self._last_scans[SCANNER] = scan
            watchers = list(self._watchers)
        for watcher in watchers:
            try:
                watcher(dict(scan))
            except Exception:  # noqa: BLE001 - a page that cannot be told must not stop the scanner
                log.exception("a scan watcher failed")

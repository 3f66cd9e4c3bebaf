"""Kiosk helpers (kiosk clients only): the page's mode and scans at the QR scanner.

The cabinet has one QR scanner, mounted at its kiosk, and the domain keys its
mode as ``"scanner"``: a scanned QR opens a door only while the kiosk page is idle
(on its home screen), so a scan never interrupts someone typing in a form.
"""

from __future__ import annotations

from flask import Blueprint

from locker.kiosk import SCANNER

from ..auth import citizen_only, runtime
from ..openapi import endpoint
from ..schemas import KioskActivity, KioskModeRequest, load_body

bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1/kiosk")
TAGS = ["kiosk"]


@bp.post("/mode")
@endpoint("Report the kiosk page's mode (refresh every ~20 s; expires to idle)", tags=TAGS,
          body=KioskModeRequest, responses={204: None})
@citizen_only
def set_mode():
    req = load_body(KioskModeRequest)
    runtime().service.set_kiosk_mode(SCANNER, req.mode)
    return "", 204


@bp.get("/activity")
@endpoint("The kiosk's mode and the outcome of the last QR scan", tags=TAGS, responses={200: KioskActivity})
@citizen_only
def activity():
    return runtime().service.kiosk_activity(SCANNER)

"""Kiosk helpers (kiosk clients only): the page's mode, scans at the QR scanner, what can
start at the cabinet now, and where each compartment is on its front.

The cabinet has one QR scanner, mounted at its kiosk, and the domain keys its
mode as ``"scanner"``: a scanned QR opens a door only while the kiosk page is idle
(on its home screen), so a scan never interrupts someone typing in a form.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from locker.cabinet_grid import front
from locker.kiosk import SCANNER

from ..auth import citizen_only, runtime
from ..kiosk.availability import SIZES, availability, notices
from ..kiosk.guidance import add_help, contact
from ..openapi import endpoint
from ..schemas import KioskActivity, KioskModeRequest, load_body

bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1/kiosk")
bp.after_request(add_help)
TAGS = ["kiosk"]
Blocked = Literal["hardware_unavailable", "on_battery", "no_compartment"] | None
LowBlocked = Literal["hardware_unavailable", "on_battery", "no_low_compartment"] | None


class FlowAvailability(BaseModel):
    available: bool
    reason: Blocked
    sizes: dict[Literal[SIZES], Blocked] | None = None
    #: Per size, for a drop-off with ``low`` (within wheelchair reach); null: no compartment is.
    low: dict[Literal[SIZES], LowBlocked] | None = None


class Notice(BaseModel):
    flow: Literal["dropoff", "pickup"]
    vi: str
    en: str


class Bilingual(BaseModel):
    vi: str
    en: str


class KioskAvailability(BaseModel):
    """``reason``: the error word the flow's request would get now, or null when it can start."""

    dropoff: FlowAvailability
    pickup: FlowAvailability
    notices: list[Notice]
    contact: Bilingual


class FrontCell(BaseModel):
    label: str
    row: int = Field(ge=1, description="From 1, at the top.")
    column: int = Field(ge=1, description="From 1, at the left.")
    size: Literal[SIZES]


class CabinetFront(BaseModel):
    """Where each compartment is on the cabinet's front, as the console's grid places it."""

    rows: int
    columns: int
    compartments: list[FrontCell]


def current_availability() -> dict[str, Any]:
    """What can start at the cabinet now (see :mod:`api.kiosk.availability`)."""
    rt = runtime()
    return availability(rt.service.health(), rt.service.list_compartments(), main_bus=rt.config.buses[0].name,
                        within_reach=rt.service.reach.labels)


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


@bp.get("/availability")
@endpoint("What can start at the kiosk now, and why not: shown on the start screen before anyone types",
          tags=TAGS, responses={200: KioskAvailability},
          description="A board that does not answer is a hardware problem, never a full cabinet. `notices` "
                      "and `contact` are in both languages, for the bilingual start screen. `dropoff.low`: per "
                      "size, for a drop-off asking for a compartment within wheelchair reach (null: none is).")
@citizen_only
def kiosk_availability():
    found = current_availability()
    office = runtime().config.office
    return {**found, "notices": notices(found), "contact": {"vi": contact(office, "vi"), "en": contact(office, "en")}}


@bp.get("/layout")
@endpoint("Where each compartment is on the cabinet's front: the kiosk draws it with the open one lit",
          tags=TAGS, responses={200: CabinetFront},
          description="The places of the console's cabinet grid (`[layout]`, or a compartment's own `row` and "
                      "`column`), without what the compartments hold.")
@citizen_only
def layout():
    return front(runtime().config)

"""Citizen endpoints (kiosk clients only): drop-offs and pickups."""

from __future__ import annotations

from flask import Blueprint

from locker.errors import HardwareUnavailable, NoCompartmentAvailable

from ..auth import citizen_only, current_kiosk, kiosk_access, runtime
from ..i18n import request_lang
from ..kiosk.availability import HARDWARE
from ..kiosk.guidance import add_help
from ..openapi import endpoint
from ..qr import with_receipt_qr
from ..schemas import DoorOpened, Dropoff, DropoffRequest, Pickup, PickupRequest, load_body
from .kiosk_api import current_availability

bp = Blueprint("citizen", __name__, url_prefix="/api/v1")
bp.after_request(add_help)
TAGS = ["citizen"]
RECEIPT_NOTE = ("Once `stored` (or `collected`), a recent operation carries its `receipt`: the lines it prints, "
                "the QR (the dossier code, and as a PNG data URL in `qr_image`) and whether it was printed; "
                "`not_printed` and `no_printer` receipts are for the kiosk to show on screen.")


@bp.post("/dropoffs")
@endpoint("Drop off a dossier: unlock a free compartment of that size or larger", tags=TAGS,
          body=DropoffRequest, responses={201: DoorOpened}, errors=(409, 429, 503),
          description="When the door closes again the drop-off becomes `stored`. No free compartment of "
                      "that size or larger: 409 `no_compartment`; with `low`, none within wheelchair reach: 409 "
                      "`no_low_compartment`; only on boards that do not answer: 503 "
                      "`hardware_unavailable`. A kiosk starts at most `kiosk.dropoffs_per_minute` drop-offs "
                      "in any 60 seconds: one more is 429 `dropoff_rate_limited` with Retry-After.")
@citizen_only
def create_dropoff():
    req = load_body(DropoffRequest)
    kiosk = current_kiosk()
    with kiosk_access().dropoff_slot(kiosk):
        try:
            return runtime().service.start_dropoff(req.dossier_code, req.phone, req.size, kiosk=kiosk,
                                                   email=req.email, language=request_lang(), low=req.low), 201
        except NoCompartmentAvailable as exc:
            reasons = current_availability()["dropoff"]["low" if req.low else "sizes"] or {}
            if reasons.get(exc.details.get("size")) == HARDWARE:
                raise HardwareUnavailable() from None
            raise


@bp.get("/dropoffs/<id:dropoff_id>")
@endpoint("State of a drop-off", tags=TAGS, responses={200: Dropoff}, errors=(404,),
          description=RECEIPT_NOTE)
@citizen_only
def get_dropoff(dropoff_id: int):
    return with_receipt_qr(runtime().service.get_dropoff(dropoff_id, kiosk=current_kiosk()))


@bp.post("/dropoffs/<id:dropoff_id>/reopen")
@endpoint("Open the same compartment again: the door closed and no dossier was seen inside", tags=TAGS,
          responses={200: DoorOpened}, errors=(404, 409, 503),
          description="Only for a drop-off `closed_empty`, from the kiosk that started it.")
@citizen_only
def reopen_dropoff(dropoff_id: int):
    return runtime().service.reopen_dropoff(dropoff_id, kiosk=current_kiosk())


@bp.post("/dropoffs/<id:dropoff_id>/end")
@endpoint("The person left: a drop-off whose door closed on nothing is cancelled", tags=TAGS,
          responses={200: Dropoff}, errors=(404,),
          description="Any other drop-off of this kiosk is answered unchanged.")
@citizen_only
def end_dropoff(dropoff_id: int):
    return runtime().service.end_dropoff(dropoff_id, kiosk=current_kiosk())


@bp.post("/pickups")
@endpoint("Collect a result with the dossier code and SMS code, or with the QR code", tags=TAGS,
          body=PickupRequest, responses={201: DoorOpened}, errors=(409, 429, 503),
          description="Wrong, used or expired credentials: 403 `invalid_credentials`. Too many "
                      "failures at this kiosk: 429 `throttled` with Retry-After.")
@citizen_only
def create_pickup():
    req = load_body(PickupRequest)
    return runtime().service.start_pickup(dossier_code=req.dossier_code, code=req.code, qr=req.qr,
                                          kiosk=current_kiosk()), 201


@bp.get("/pickups/<id:pickup_id>")
@endpoint("State of a pickup", tags=TAGS, responses={200: Pickup}, errors=(404,), description=RECEIPT_NOTE)
@citizen_only
def get_pickup(pickup_id: int):
    return with_receipt_qr(runtime().service.get_pickup(pickup_id, kiosk=current_kiosk()))


@bp.post("/pickups/<id:pickup_id>/reopen")
@endpoint("Open the same compartment again: the door closed with the result still inside", tags=TAGS,
          responses={200: DoorOpened}, errors=(404, 409, 503),
          description="Only for a pickup `left_inside`, from the kiosk that started it.")
@citizen_only
def reopen_pickup(pickup_id: int):
    return runtime().service.reopen_pickup(pickup_id, kiosk=current_kiosk())


@bp.post("/pickups/<id:pickup_id>/end")
@endpoint("The citizen left: a pickup whose door closed on the result ends uncollected", tags=TAGS,
          responses={200: Pickup}, errors=(404,),
          description="The result stays ready and its code can open the compartment once more.")
@citizen_only
def end_pickup(pickup_id: int):
    return runtime().service.end_pickup(pickup_id, kiosk=current_kiosk())

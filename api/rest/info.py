"""Information at the kiosk (kiosk clients only): the procedures the cabinet accepts, each with a
QR of its page on the national public service portal, and a dossier's status by its code.

The procedures come from ``[kiosk] procedures_file`` (docs/procedures.md), both languages in
every answer: the kiosk shows Vietnamese first and English second. The status lookup tells no
more than the public one-stop portal does (see :mod:`locker.public_status`), and each kiosk may
make ``[kiosk] lookups_per_minute`` of them in any 60 seconds.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, Field

from locker.errors import NotFound
from locker.procedures import CODE_RE
from locker.statuses import PublicDossierStatus

from .. import qr
from ..auth import citizen_only, current_kiosk, kiosk_access, runtime
from ..kiosk.guidance import add_help
from ..openapi import endpoint
from ..schemas import DossierCode, RequestModel, load_body, one_of
from .kiosk_api import Bilingual

bp = Blueprint("kiosk_info", __name__, url_prefix="/api/v1/kiosk")
bp.after_request(add_help)
TAGS = ["kiosk"]
PROCEDURE_PARAM = {"procedure": {"type": "string", "maxLength": 40, "pattern": f"^{CODE_RE.pattern}$"}}


class ProcedureSummary(BaseModel):
    code: str = Field(description="The procedure's code, as the district's file gives it (e.g. 1.001193).")
    name: Bilingual


class Procedure(ProcedureSummary):
    documents: list[Bilingual] = Field(description="The documents to bring, one per item.")
    fee: Bilingual
    processing_time: Bilingual
    portal_url: str = Field(description="The procedure's page on the national public service portal.")
    qr_image: str = Field(description="A QR of `portal_url`, as a PNG data URL.")


class LookupRequest(RequestModel):
    dossier_code: DossierCode = Field(description="The dossier code printed on the receipt (any case).")


class PublicDossier(BaseModel):
    """What the public one-stop portal would tell from the code, and no more."""

    dossier_code: str
    status: one_of(PublicDossierStatus)  # type: ignore[valid-type]
    until: str | None = Field(description="For `ready`: until when the result may be collected (ISO 8601, UTC); "
                                          "else null.")


@bp.get("/procedures")
@endpoint("The procedures the cabinet accepts: code and name in both languages, in the file's order", tags=TAGS,
          responses={200: [ProcedureSummary]},
          description="From `[kiosk] procedures_file`; an empty list when none is configured.")
@citizen_only
def list_procedures():
    return [p.summary() for p in runtime().config.procedures.items]


@bp.get("/procedures/<path:procedure>")
@endpoint("One procedure: the documents to bring, fee, processing time, and a QR of its portal page", tags=TAGS,
          responses={200: Procedure}, errors=(404,), path=PROCEDURE_PARAM)
@citizen_only
def get_procedure(procedure: str):
    found = runtime().config.procedures.find(procedure)
    if found is None:
        raise NotFound("procedure", procedure)
    return _with_qr(found.view())


@bp.post("/lookups")
@endpoint("A dossier's status by its code, as the public one-stop portal would tell it", tags=TAGS,
          body=LookupRequest, responses={200: PublicDossier}, errors=(404, 429),
          description="`status`: `dropped_off` (in the cabinet, waiting for a clerk), `received` (the office "
                      "is processing it), `ready` (its result waits in the cabinet, until `until`), `collected`, "
                      "`expired` (not collected in time: ask at the counter). Never a phone number, a "
                      "compartment or a time of any step. A code the cabinet does not know, or one still being "
                      "dropped off: 404 `dossier_unknown`. A kiosk makes at most `kiosk.lookups_per_minute` "
                      "lookups in any 60 seconds: one more is 429 `lookup_rate_limited` with Retry-After.")
@citizen_only
def look_up():
    req = load_body(LookupRequest)
    kiosk_access().count_lookup(current_kiosk())
    return runtime().service.status_lookup.look_up(req.dossier_code)


def _with_qr(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "qr_image": qr.data_url(view["portal_url"])}

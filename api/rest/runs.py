"""Clerks' runs at the cabinet (bearer token of a clerk or higher): loading batches,
collection and retrieval runs, their manifests, and result deadlines."""

from __future__ import annotations

from flask import Blueprint, Response

from .. import manifests
from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas import load_body
from ..schemas_runs import (CabinetRun, CabinetRunStart, Deadline, ExtendRequest, LoadDetails, LoadRun, RunStart,
                            ScanRequest)

bp = Blueprint("runs", __name__, url_prefix="/api/v1")
TAGS = ["clerk runs"]
CSV = "text/csv"


def _runs():
    return runtime().service.runs


def csv_answer(run: dict) -> Response:
    return Response(manifests.manifest_csv(run), mimetype=CSV, headers={
        "Content-Disposition": f'attachment; filename="{manifests.filename(run)}"'})


# ---- loading batches -----------------------------------------------------------------

@bp.post("/load-runs")
@endpoint("Start a loading batch", tags=TAGS, body=RunStart, responses={201: LoadRun}, errors=(409,),
          description="409 when `scanner` is true and another open run already holds the cabinet's scanner.")
@require_role("clerk")
def start_load_run():
    req = load_body(RunStart)
    return _runs().load.start(actor=current_actor(), scanner=req.scanner), 201


@bp.get("/load-runs")
@endpoint("The latest loading batches", tags=TAGS, responses={200: [LoadRun]})
@require_role("clerk")
def load_runs():
    return _runs().load.listing()


@bp.get("/load-runs/<id:run_id>")
@endpoint("A loading batch with the state of each result", tags=TAGS, responses={200: LoadRun}, errors=(404,))
@require_role("clerk")
def load_run(run_id: int):
    return _runs().load.get(run_id)


@bp.post("/load-runs/<id:run_id>/scans")
@endpoint("A receipt scanned at the desk", tags=TAGS, body=ScanRequest, responses={200: LoadRun},
          errors=(404, 409, 503),
          description="An announced dossier opens a compartment of its size at once; one nobody announced "
                      "waits (`pending_code`) for `/details`.")
@require_role("clerk")
def load_scan(run_id: int):
    return _runs().load.scan(run_id, load_body(ScanRequest).data, actor=current_actor())


@bp.post("/load-runs/<id:run_id>/details")
@endpoint("Phone and size of the scanned dossier nobody announced", tags=TAGS, body=LoadDetails,
          responses={200: LoadRun}, errors=(404, 409, 503))
@require_role("clerk")
def load_details(run_id: int):
    req = load_body(LoadDetails)
    return _runs().load.details(run_id, req.phone, req.size, actor=current_actor())


@bp.post("/load-runs/<id:run_id>/close")
@endpoint("End a loading batch", tags=TAGS, responses={200: LoadRun}, errors=(404, 409))
@require_role("clerk")
def close_load_run(run_id: int):
    return _runs().load.close(run_id, actor=current_actor())


@bp.get("/load-runs/<id:run_id>/manifest.csv")
@endpoint("The manifest of a loading batch", tags=TAGS, responses={200: CSV}, errors=(404,))
@require_role("clerk")
def load_manifest(run_id: int):
    return csv_answer(_runs().load.get(run_id))


# ---- collection and retrieval runs ---------------------------------------------------

@bp.post("/collection-runs")
@endpoint("Start a morning collection or a retrieval of expired results", tags=TAGS, body=CabinetRunStart,
          responses={201: CabinetRun}, errors=(409, 503),
          description="The compartments open one after another: the next when the previous door closed, or on "
                      "`/next`. 409 when another run is open or nothing is to be taken out.")
@require_role("clerk")
def start_cabinet_run():
    req = load_body(CabinetRunStart)
    return _runs().cabinet.start(req.kind, actor=current_actor(), scanner=req.scanner), 201


@bp.get("/collection-runs")
@endpoint("The latest collection and retrieval runs", tags=TAGS, responses={200: [CabinetRun]})
@require_role("clerk")
def cabinet_runs():
    return _runs().cabinet.listing()


@bp.get("/collection-runs/<id:run_id>")
@endpoint("A collection or retrieval run", tags=TAGS, responses={200: CabinetRun}, errors=(404,))
@require_role("clerk")
def cabinet_run(run_id: int):
    return _runs().cabinet.get(run_id)


@bp.post("/collection-runs/<id:run_id>/scans")
@endpoint("A dossier taken out was scanned", tags=TAGS, body=ScanRequest, responses={200: CabinetRun},
          errors=(404, 409), description="Confirms the compartment it was recorded in, or flags a `mismatch` on "
                                         "the compartment opened last.")
@require_role("clerk")
def cabinet_scan(run_id: int):
    return _runs().cabinet.scan(run_id, load_body(ScanRequest).data, actor=current_actor())


@bp.post("/collection-runs/<id:run_id>/next")
@endpoint("Open the next compartment without waiting for the open door", tags=TAGS, responses={200: CabinetRun},
          errors=(404, 409))
@require_role("clerk")
def cabinet_next(run_id: int):
    return _runs().cabinet.next(run_id, actor=current_actor())


@bp.post("/collection-runs/<id:run_id>/items/<id:item_id>/missing")
@endpoint("Mark a compartment's dossier missing", tags=TAGS, responses={200: CabinetRun}, errors=(404, 409))
@require_role("clerk")
def cabinet_missing(run_id: int, item_id: int):
    return _runs().cabinet.mark_missing(run_id, item_id, actor=current_actor())


@bp.post("/collection-runs/<id:run_id>/close")
@endpoint("End the run and sign its manifest", tags=TAGS, responses={200: CabinetRun}, errors=(404, 409))
@require_role("clerk")
def close_cabinet_run(run_id: int):
    return _runs().cabinet.close(run_id, actor=current_actor())


@bp.get("/collection-runs/<id:run_id>/manifest.csv")
@endpoint("The signed manifest of a collection or retrieval run", tags=TAGS, responses={200: CSV}, errors=(404,))
@require_role("clerk")
def cabinet_manifest(run_id: int):
    return csv_answer(_runs().cabinet.get(run_id))


# ---- deadlines -----------------------------------------------------------------------

@bp.post("/results/<id:result_id>/extend")
@endpoint("Extend a result's deadline (once, with a reason)", tags=TAGS, body=ExtendRequest,
          responses={200: Deadline}, errors=(404, 409),
          description="The deadline moves by `expiry.extend_days`; the citizen is told by SMS.")
@require_role("clerk")
def extend(result_id: int):
    return _runs().expiry.extend(result_id, load_body(ExtendRequest).reason, actor=current_actor())


@bp.get("/results/waiting")
@endpoint("Results waiting for pickup, nearest deadline first", tags=TAGS, responses={200: [Deadline]})
@require_role("clerk")
def waiting():
    return _runs().expiry.waiting()


@bp.get("/results/expired")
@endpoint("Expired results still in the cabinet, to return to the counter", tags=TAGS, responses={200: [Deadline]})
@require_role("clerk")
def expired():
    return _runs().expiry.awaiting_return()

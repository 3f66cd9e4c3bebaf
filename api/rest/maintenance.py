"""Maintenance endpoints: openings for a reason, the weekly "open all" check, taking a
compartment out of service and back, and the technician's view of the hardware."""

from __future__ import annotations

from flask import Blueprint

from locker.flows.maintenance import reason_of

from ..auth import current_actor, current_role, require_role, runtime
from ..openapi import endpoint
from ..schemas import Compartment, load_body
from ..schemas_maintenance import (BackInServiceRequest, Check, CheckRequest, Hardware, Opening, OpeningRequest,
                                   ReasonRequest, Run)
from ..technician import hardware_report

bp = Blueprint("maintenance_api", __name__, url_prefix="/api/v1")
TAGS = ["maintenance"]


@bp.post("/maintenance/openings")
@endpoint("Open a compartment for maintenance, for a reason", tags=TAGS, body=OpeningRequest,
          responses={201: Opening}, errors=(400, 403, 404, 409, 503),
          description="Fires the lock even when the compartment is out of service or its sensor reads open; "
                      "what it holds and its state do not change. Technicians and admins may open any "
                      "compartment, a clerk only one holding a drop-off or a result (403 otherwise).")
@require_role("clerk")
def open_for_maintenance():
    req = load_body(OpeningRequest)
    return runtime().service.open_for_maintenance(req.compartment, req.reason, actor=current_actor(),
                                                  role=current_role()), 201


@bp.get("/maintenance/openings/<id:opening_id>")
@endpoint("A maintenance opening and what the sensors said", tags=TAGS, responses={200: Opening}, errors=(404,))
@require_role("clerk")
def get_opening(opening_id: int):
    return runtime().service.get_maintenance_opening(opening_id)


@bp.post("/maintenance/runs")
@endpoint("Start the weekly check: open every compartment one after another", tags=TAGS,
          responses={201: Run}, errors=(409,),
          description="The next compartment opens when the door before closes, or on `next`.")
@require_role("technician")
def start_run():
    return runtime().service.start_check_run(actor=current_actor()), 201


@bp.get("/maintenance/runs/<id:run_id>")
@endpoint("A check run with its checklist", tags=TAGS, responses={200: Run}, errors=(404,))
@require_role("technician")
def get_run(run_id: int):
    return runtime().service.get_check_run(run_id)


@bp.post("/maintenance/runs/<id:run_id>/next")
@endpoint("Go on to the next compartment of a check run", tags=TAGS, responses={200: Run}, errors=(404, 409))
@require_role("technician")
def next_in_run(run_id: int):
    return runtime().service.next_in_check_run(run_id, actor=current_actor())


@bp.post("/maintenance/runs/<id:run_id>/checks/<path:label>")
@endpoint("Record the checklist of one compartment of a check run", tags=TAGS, body=CheckRequest,
          responses={200: Check}, errors=(400, 404, 409))
@require_role("technician")
def record_check(run_id: int, label: str):
    req = load_body(CheckRequest)
    return runtime().service.record_check(run_id, label, req.model_dump(), actor=current_actor())


@bp.post("/maintenance/runs/<id:run_id>/finish")
@endpoint("Finish a check run", tags=TAGS, responses={200: Run}, errors=(404, 409))
@require_role("technician")
def finish_run(run_id: int):
    return runtime().service.finish_check_run(run_id, actor=current_actor())


@bp.post("/compartments/<path:label>/out-of-service")
@endpoint("Take a compartment out of service, for a reason", tags=TAGS, body=ReasonRequest,
          responses={200: Compartment}, errors=(400, 404, 409),
          description="It keeps what it holds; nothing is allocated to it until it is back in service.")
@require_role("clerk")
def out_of_service(label: str):
    reason = reason_of(load_body(ReasonRequest).reason)
    return runtime().service.set_out_of_service(label, actor=current_actor(), reason=reason)


@bp.post("/compartments/<path:label>/back-in-service")
@endpoint("Put a compartment back in service, for a reason", tags=TAGS, body=BackInServiceRequest,
          responses={200: Compartment}, errors=(400, 404, 409),
          description="Only when its door is closed and nothing unexplained is inside: what it held stays "
                      "unless `emptied` is true.")
@require_role("clerk")
def back_in_service(label: str):
    req = load_body(BackInServiceRequest)
    return runtime().service.return_to_service(label, actor=current_actor(), reason=reason_of(req.reason),
                                               emptied=req.emptied, keep_contents=not req.emptied)


@bp.get("/technician/hardware")
@endpoint("Buses, boards, scanner, GPIO and printer, for the technician", tags=TAGS,
          responses={200: Hardware})
@require_role("technician")
def hardware():
    return hardware_report(runtime())

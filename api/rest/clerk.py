"""Clerk endpoints (bearer token of a clerk or higher): results, collections, compartment
service, the audit log."""

from __future__ import annotations

from flask import Blueprint, request
from pydantic import Field

from locker.errors import InvalidInput
from locker.validation import PATTERNS

from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas import (checked, Collection, CollectionRequest, Compartment, DoorOpened, Dossier, Event, RequestModel, Result,
                       ResultRequest, Text, load_body)

bp = Blueprint("clerk", __name__, url_prefix="/api/v1")
TAGS = ["clerk"]
EVENTS_MAX_LIMIT = 1000


@bp.post("/results")
@endpoint("Load a result: unlock a compartment for it", tags=TAGS, body=ResultRequest,
          responses={201: DoorOpened}, errors=(409, 503),
          description="When the door closes the result is `ready` and the pickup code is sent by SMS.")
@require_role("clerk")
def create_result():
    req = load_body(ResultRequest)
    return runtime().service.load_result(req.dossier_code, req.phone, req.size, actor=current_actor(),
                                         email=req.email, language=req.language), 201


@bp.get("/results/<id:result_id>")
@endpoint("State of a result", tags=TAGS, responses={200: Result}, errors=(404,))
@require_role("clerk")
def get_result(result_id: int):
    return runtime().service.get_result(result_id)


@bp.post("/results/<id:result_id>/reissue")
@endpoint("Revoke the pickup credential of a result and send a new code by SMS", tags=TAGS,
          responses={200: Result}, errors=(404, 409))
@require_role("clerk")
def reissue(result_id: int):
    return runtime().service.reissue_credential(result_id, actor=current_actor())


@bp.post("/collections")
@endpoint("Take a drop-off out: unlock the compartment holding it", tags=TAGS, body=CollectionRequest,
          responses={201: DoorOpened}, errors=(404, 409, 503))
@require_role("clerk")
def create_collection():
    req = load_body(CollectionRequest)
    return runtime().service.start_collection(req.compartment, actor=current_actor()), 201


@bp.get("/collections/<id:collection_id>")
@endpoint("State of a collection", tags=TAGS, responses={200: Collection}, errors=(404,))
@require_role("clerk")
def get_collection(collection_id: int):
    return runtime().service.get_collection(collection_id)


@bp.get("/compartments")
@endpoint("Every compartment with its state and door", tags=TAGS, responses={200: [Compartment]})
@require_role("clerk")
def list_compartments():
    return runtime().service.list_compartments()


class ServiceRequest(RequestModel):
    """Take a compartment out of service, or return it to service.

    >>> ServiceRequest.model_validate({"in_service": True}).emptied
    False
    """

    in_service: bool = Field(description="false: out of service (maintenance); true: back in use.")
    reason: checked("reason", 200) | None = Field(None, description="Why, for the audit log (e.g. 'latch replaced').")
    emptied: bool = Field(False, description="Returning to service: the clerk took out what the compartment "
                                             "held (it becomes free). Otherwise its contents stay inside and "
                                             "a pickup code for them stays valid.")


@bp.post("/compartments/<path:label>/service")
@endpoint("Take a compartment out of service, or return it to service", tags=TAGS, body=ServiceRequest,
          responses={200: Compartment}, errors=(400, 404, 409),
          path={"label": {"type": "string", "maxLength": 40, "pattern": PATTERNS["compartment"]}},
          description="A compartment that still holds a drop-off or a result goes back to holding it unless "
                      "`emptied` is true. The door must be closed.")
@require_role("clerk")
def set_service(label: str):
    req = load_body(ServiceRequest)
    service, actor = runtime().service, current_actor()
    reason = (req.reason or "").strip() or None  # a blank reason is no reason
    if not req.in_service:
        return service.set_out_of_service(label, actor=actor, reason=reason or "maintenance")
    return service.return_to_service(label, actor=actor, emptied=req.emptied, keep_contents=not req.emptied,
                                     reason=reason)


@bp.get("/dossiers/<path:code>")
@endpoint("A dossier and its history", tags=TAGS, responses={200: Dossier}, errors=(400, 404),
          path={"code": {"type": "string", "maxLength": 200, "pattern": PATTERNS["dossier_code"]}},
          description="The code may contain '/', e.g. `/api/v1/dossiers/H01.2025/000123`.")
@require_role("clerk")
def get_dossier(code: str):
    return runtime().service.get_dossier(code)


#: The largest audit sequence number a request may name (what the domain's check takes).
SEQ_MAX = 2**31 - 1


@bp.get("/events")
@endpoint("The audit log in order, after a sequence number", tags=TAGS, responses={200: [Event]},
          errors=(400,), query={
              "after": {"type": "integer", "minimum": 0, "maximum": SEQ_MAX, "default": 0},
              "limit": {"type": "integer", "minimum": 1, "maximum": EVENTS_MAX_LIMIT, "default": 500},
          })
@require_role("clerk")
def events():
    after = _int_arg("after", 0, 0, SEQ_MAX)
    limit = _int_arg("limit", 500, 1, EVENTS_MAX_LIMIT)
    return runtime().service.events_after(after, limit=limit)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and low <= int(raw) <= high:
        return int(raw)
    raise InvalidInput(name, f"{name} phải là số nguyên từ {low} đến {high}.",
                       f"{name} must be a whole number from {low} to {high}.")

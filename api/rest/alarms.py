"""The alarms inbox over HTTP (clerk or higher): list newest first, acknowledge with a
note, resolve."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, Field

from locker.alarm_kinds import AlarmKind
from locker.statuses import AlarmState

from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas import Note, OptionalNote, RequestModel, load_body, one_of

bp = Blueprint("alarms_api", __name__, url_prefix="/api/v1")
TAGS = ["alarms"]


class Alarm(BaseModel):
    """An alarm: its kind, place, time and state (docs/interface.md), with how often it
    repeated while open and what the system recorded about it."""

    id: int
    kind: one_of(AlarmKind)  # type: ignore[valid-type]
    compartment: str | None = Field(description="The compartment's label, or null.")
    board: int | str | None = Field(description="The lock board (``bus/board`` off the first bus), or null.")
    time: str = Field(description="When it was raised (ISO 8601 UTC).")
    state: one_of(AlarmState)  # type: ignore[valid-type]
    acknowledged_by: str | None
    note: str | None
    count: int = Field(description="How many times it was raised while open (repeats are folded).")
    last_time: str = Field(description="The latest repeat (ISO 8601 UTC).")
    acknowledged_at: str | None
    resolved_by: str | None = Field(description="Who resolved it; `system` when the condition cleared.")
    resolved_at: str | None
    details: dict[str, Any] = Field(description="`event`: the audit event word that raised it; and its data.")


class AckRequest(RequestModel):
    note: Note = Field(description="What was or will be done (required, at most 500 characters).")


class ResolveRequest(RequestModel):
    note: OptionalNote | None = Field(None, description="How it was dealt with (optional).")


@bp.get("/alarms")
@endpoint("The alarms, newest first", tags=TAGS, responses={200: [Alarm]}, errors=(400,),
          query={"state": {"type": "string", "enum": [s.value for s in AlarmState]}})
@require_role("clerk")
def list_alarms():
    return runtime().service.list_alarms(request.args.get("state"))


@bp.post("/alarms/<id:alarm_id>/ack")
@endpoint("Acknowledge an open alarm with a note", tags=TAGS, body=AckRequest, responses={200: Alarm},
          errors=(400, 404, 409))
@require_role("clerk")
def acknowledge(alarm_id: int):
    req = load_body(AckRequest)
    return runtime().service.acknowledge_alarm(alarm_id, actor=current_actor(), note=req.note)


@bp.post("/alarms/<id:alarm_id>/resolve")
@endpoint("Resolve an open or acknowledged alarm", tags=TAGS, body=ResolveRequest, responses={200: Alarm},
          errors=(400, 404, 409), description="The body may be empty (`{}`).")
@require_role("clerk")
def resolve(alarm_id: int):
    req = load_body(ResolveRequest) if request.content_length else ResolveRequest()
    return runtime().service.resolve_alarm(alarm_id, actor=current_actor(), note=req.note)

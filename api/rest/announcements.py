"""Announcements by the one-stop system: ``require_role("system")`` lets a ``system`` account's
API token in, or an admin's (see :func:`locker.accounts.role_allows`)."""

from __future__ import annotations

from flask import Blueprint

from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas_runs import Announcement, AnnouncementRequest
from ..schemas import load_body
from locker.validation import PATTERNS

bp = Blueprint("announcements", __name__, url_prefix="/api/v1")
TAGS = ["one-stop system"]
CODE = {"code": {"type": "string", "maxLength": 200, "pattern": PATTERNS["dossier_code"]}}


@bp.post("/announcements")
@endpoint("Announce a result before it reaches the cabinet", tags=TAGS, body=AnnouncementRequest,
          responses={201: Announcement, 200: Announcement}, errors=(409,),
          description="201 for a new announcement. The same announcement again answers 200 and changes nothing. "
                      "A different one for the same dossier code replaces it (200) while the result is not loaded, "
                      "and is refused (409 `conflict`) once it is. Token of a `system` or `admin` account.")
@require_role("system")
def announce():
    req = load_body(AnnouncementRequest)
    view, created = runtime().service.runs.announcements.announce(
        req.dossier_code, req.phone, req.due, req.size, req.procedure, actor=current_actor(), email=req.email,
        language=req.language)
    return view, 201 if created else 200


@bp.get("/announcements/<path:code>")
@endpoint("An announcement and whether its result was loaded", tags=TAGS, responses={200: Announcement},
          errors=(400, 404), path=CODE)
@require_role("system")
def get_announcement(code: str):
    return runtime().service.runs.announcements.get(code)


@bp.delete("/announcements/<path:code>")
@endpoint("Withdraw an announcement", tags=TAGS, responses={204: None}, errors=(400, 404, 409), path=CODE,
          description="204 also when it was already withdrawn; 409 once its result is loaded (a clerk retrieves "
                      "it from the cabinet).")
@require_role("system")
def withdraw(code: str):
    runtime().service.runs.announcements.withdraw(code, actor=current_actor())
    return "", 204

"""Announcements by the one-stop system (an API token of a ``system`` account, or an admin's)."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import Blueprint, g

from locker.errors import Forbidden, Unauthorized

from ..auth import _bearer_token, current_actor, runtime
from ..openapi import endpoint
from ..schemas_runs import Announcement, AnnouncementRequest
from ..schemas import load_body

bp = Blueprint("announcements", __name__, url_prefix="/api/v1")
TAGS = ["one-stop system"]
F = TypeVar("F", bound=Callable[..., Any])

#: Who may announce and withdraw results.
ANNOUNCERS = ("system", "admin")


def announcer_only(view: F) -> F:
    """A bearer token of a ``system`` or ``admin`` account; 401/403 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _bearer_token()
        account = runtime().account_for_token(token) if token else None
        if account is None:
            raise Unauthorized()
        if account.role not in ANNOUNCERS:
            raise Forbidden()
        g.actor = str(account.name)
        return view(*args, **kwargs)

    wrapper.security = "bearer"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


@bp.post("/announcements")
@endpoint("Announce a result before it reaches the cabinet", tags=TAGS, body=AnnouncementRequest,
          responses={201: Announcement, 200: Announcement}, errors=(409,),
          description="201 for a new announcement. The same announcement again answers 200 and changes nothing. "
                      "A different one for the same dossier code replaces it (200) while the result is not loaded, "
                      "and is refused (409 `conflict`) once it is. Token of a `system` or `admin` account.")
@announcer_only
def announce():
    req = load_body(AnnouncementRequest)
    view, created = runtime().service.runs.announcements.announce(
        req.dossier_code, req.phone, req.due, req.size, req.procedure, actor=current_actor())
    return view, 201 if created else 200


@bp.get("/announcements/<path:code>")
@endpoint("An announcement and whether its result was loaded", tags=TAGS, responses={200: Announcement},
          errors=(404,))
@announcer_only
def get_announcement(code: str):
    return runtime().service.runs.announcements.get(code)


@bp.delete("/announcements/<path:code>")
@endpoint("Withdraw an announcement", tags=TAGS, responses={204: None}, errors=(404, 409),
          description="204 also when it was already withdrawn; 409 once its result is loaded (a clerk retrieves "
                      "it from the cabinet).")
@announcer_only
def withdraw(code: str):
    runtime().service.runs.announcements.withdraw(code, actor=current_actor())
    return "", 204

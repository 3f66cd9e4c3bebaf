"""Collection and retrieval runs (``/console/collection``): the morning collection of every
drop-off, and the retrieval of expired results back to the counter. The compartments
open one after another; each dossier taken out is scanned; mismatches and missing
dossiers are flagged at once; the clerk ends the run by signing its manifest (the routes
every run has: :class:`.run_pages.RunPage`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from ..auth import runtime
from .guard import role_required
from .nav import NavItem
from .run_pages import RunPage, actor, attempt, page_context, runs

bp = Blueprint("collecting", __name__, url_prefix="/console/collection")
NAV = (NavItem("collecting.index", _l("Collection runs"),
               _l("Morning collection of drop-offs, and retrieval of expired results, confirmed by scanning."),
               "clerk", order=21),)
bp.context_processor(page_context)
PAGE = RunPage(page="collecting", part="cabinet", closed=_l("The run is ended and its manifest signed."))
PAGE.serve(bp)


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    listing = runtime().service.list_compartments()
    return render_template("console/collecting.html", runs=PAGE.runs().listing(),
                           dropoffs=[c for c in listing if c["state"] == "holding_dropoff"],
                           expired=runs().expiry.awaiting_return())


@bp.post("/")
@role_required("clerk")
def start() -> Any:
    return PAGE.started(lambda: PAGE.runs().start(request.form.get("kind", ""), actor=actor(),
                                                  scanner=request.form.get("scanner") == "on"))


@bp.post("/<id:run_id>/next")
@role_required("clerk")
def next_compartment(run_id: int) -> Any:
    return attempt(lambda: PAGE.runs().next(run_id, actor=actor()), PAGE.here(run_id))


@bp.post("/<id:run_id>/items/<id:item_id>/missing")
@role_required("clerk")
def missing(run_id: int, item_id: int) -> Any:
    return attempt(lambda: PAGE.runs().mark_missing(run_id, item_id, actor=actor()), PAGE.here(run_id))

"""Loading results by scanning (``/console/loading``): a batch per clerk, each receipt
scanned (the cabinet's scanner or a desk scanner typing into the focused field) opens a
compartment of the announced size; the running list updates live; printable and CSV
manifests (the routes every run has: :class:`.run_pages.RunPage`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from .guard import role_required
from .nav import NavItem
from .run_pages import RunPage, actor, attempt, page_context

bp = Blueprint("loading", __name__, url_prefix="/console/loading")
NAV = (NavItem("loading.index", _l("Load results"),
               _l("Scan result receipts into the cabinet, one batch at a time, with a manifest."), "clerk", order=20),)
bp.context_processor(page_context)
PAGE = RunPage(page="loading", part="load", closed=_l("The batch is closed."))
PAGE.serve(bp)


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    return render_template("console/loading.html", runs=PAGE.runs().listing())


@bp.post("/")
@role_required("clerk")
def start() -> Any:
    return PAGE.started(lambda: PAGE.runs().start(actor=actor(), scanner=request.form.get("scanner") == "on"))


@bp.post("/<id:run_id>/details")
@role_required("clerk")
def details(run_id: int) -> Any:
    """The phone and size of a scanned dossier nobody announced, typed once."""
    form = request.form
    return attempt(lambda: PAGE.runs().details(run_id, form.get("phone", ""), form.get("size", ""), actor=actor()),
                   PAGE.here(run_id))

"""Loading results by scanning (``/console/loading``): a batch per clerk, each receipt
scanned (the cabinet's scanner or a desk scanner typing into the focused field) opens a
compartment of the announced size; the running list updates live; printable and CSV
manifests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from locker.errors import LockerError

from ..i18n import request_lang
from .guard import role_required
from .nav import NavItem
from .run_pages import actor, attempt, csv_download, page_context, runs

bp = Blueprint("loading", __name__, url_prefix="/console/loading")
NAV = (NavItem("loading.index", _l("Load results"),
               _l("Scan result receipts into the cabinet, one batch at a time, with a manifest."), "clerk", order=20),)
bp.context_processor(page_context)


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    return render_template("console/loading.html", runs=runs().load.listing())


@bp.post("/")
@role_required("clerk")
def start() -> Any:
    try:
        run = runs().load.start(actor=actor(), scanner=request.form.get("scanner") == "on")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return redirect(url_for("loading.index"))
    return redirect(url_for("loading.run", run_id=run["id"]))


@bp.get("/<id:run_id>")
@role_required("clerk")
def run(run_id: int) -> Any:
    return render_template("console/loading_run.html", run=_get(run_id))


@bp.get("/<id:run_id>/live")
@role_required("clerk")
def live(run_id: int) -> Any:
    """The running list and the last notice, for the page to swap in every second."""
    return render_template("console/loading_live.html", run=_get(run_id))


@bp.post("/<id:run_id>/scan")
@role_required("clerk")
def scan(run_id: int) -> Any:
    data = request.form.get("data", "")
    return attempt(lambda: runs().load.scan(run_id, data, actor=actor()), url_for("loading.run", run_id=run_id))


@bp.post("/<id:run_id>/details")
@role_required("clerk")
def details(run_id: int) -> Any:
    form = request.form
    return attempt(lambda: runs().load.details(run_id, form.get("phone", ""), form.get("size", ""), actor=actor()),
                   url_for("loading.run", run_id=run_id))


@bp.post("/<id:run_id>/close")
@role_required("clerk")
def close(run_id: int) -> Any:
    return attempt(lambda: runs().load.close(run_id, actor=actor()), url_for("loading.run", run_id=run_id),
                   _("The batch is closed."))


@bp.get("/<id:run_id>/manifest")
@role_required("clerk")
def manifest(run_id: int) -> Any:
    return render_template("console/manifest.html", run=_get(run_id))


@bp.get("/<id:run_id>/manifest.csv")
@role_required("clerk")
def manifest_csv(run_id: int) -> Any:
    return csv_download(_get(run_id))


def _get(run_id: int) -> dict[str, Any]:
    try:
        return runs().load.get(run_id)
    except LockerError:
        abort(404)

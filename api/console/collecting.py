"""Collection and retrieval runs (``/console/collection``): the morning collection of every
drop-off, and the retrieval of expired results back to the counter. The compartments
open one after another; each dossier taken out is scanned; mismatches and missing
dossiers are flagged at once; the clerk ends the run by signing its manifest."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from locker.errors import LockerError

from ..auth import runtime
from ..i18n import request_lang
from .guard import role_required
from .nav import NavItem
from .run_pages import actor, attempt, csv_download, page_context, runs

bp = Blueprint("collecting", __name__, url_prefix="/console/collection")
NAV = (NavItem("collecting.index", _l("Collection runs"),
               _l("Morning collection of drop-offs, and retrieval of expired results, confirmed by scanning."),
               "clerk", order=21),)
bp.context_processor(page_context)


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    listing = runtime_compartments()
    return render_template("console/collecting.html", runs=runs().cabinet.listing(),
                           dropoffs=[c for c in listing if c["state"] == "holding_dropoff"],
                           expired=runs().expiry.awaiting_return())


@bp.post("/")
@role_required("clerk")
def start() -> Any:
    try:
        run = runs().cabinet.start(request.form.get("kind", ""), actor=actor(),
                                   scanner=request.form.get("scanner") == "on")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return redirect(url_for("collecting.index"))
    return redirect(url_for("collecting.run", run_id=run["id"]))


@bp.get("/<id:run_id>")
@role_required("clerk")
def run(run_id: int) -> Any:
    return render_template("console/collecting_run.html", run=_get(run_id))


@bp.get("/<id:run_id>/live")
@role_required("clerk")
def live(run_id: int) -> Any:
    return render_template("console/collecting_live.html", run=_get(run_id))


@bp.post("/<id:run_id>/scan")
@role_required("clerk")
def scan(run_id: int) -> Any:
    data = request.form.get("data", "")
    return attempt(lambda: runs().cabinet.scan(run_id, data, actor=actor()), _here(run_id))


@bp.post("/<id:run_id>/next")
@role_required("clerk")
def next_compartment(run_id: int) -> Any:
    return attempt(lambda: runs().cabinet.next(run_id, actor=actor()), _here(run_id))


@bp.post("/<id:run_id>/items/<id:item_id>/missing")
@role_required("clerk")
def missing(run_id: int, item_id: int) -> Any:
    return attempt(lambda: runs().cabinet.mark_missing(run_id, item_id, actor=actor()), _here(run_id))


@bp.post("/<id:run_id>/close")
@role_required("clerk")
def close(run_id: int) -> Any:
    return attempt(lambda: runs().cabinet.close(run_id, actor=actor()), _here(run_id),
                   _("The run is ended and its manifest signed."))


@bp.get("/<id:run_id>/manifest")
@role_required("clerk")
def manifest(run_id: int) -> Any:
    return render_template("console/manifest.html", run=_get(run_id))


@bp.get("/<id:run_id>/manifest.csv")
@role_required("clerk")
def manifest_csv(run_id: int) -> Any:
    return csv_download(_get(run_id))


def runtime_compartments() -> list[dict[str, Any]]:
    return runtime().service.list_compartments()


def _here(run_id: int) -> str:
    return url_for("collecting.run", run_id=run_id)


def _get(run_id: int) -> dict[str, Any]:
    try:
        return runs().cabinet.get(run_id)
    except LockerError:
        abort(404)

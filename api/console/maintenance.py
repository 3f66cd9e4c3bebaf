"""Maintenance pages: a compartment's page (open it for a reason, out of service and
back), and the weekly "open all" check with its checklist and printable result.

The live cabinet grid links each compartment to :func:`compartment`
(``url_for("maintenance.compartment", label=...)``); its forms post here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import Forbidden, LockerError, NotFound
from locker.flows.maintenance import reason_of

from ..auth import runtime
from ..i18n import request_lang
from .maint_labels import labels
from .guard import refused, role_required
from .nav import NavItem

bp = Blueprint("maintenance", __name__, url_prefix="/console/maintenance")
bp.app_context_processor(labels)

NAV = (NavItem("maintenance.index", _l("Maintenance"),
               _l("Open a compartment for a reason; take it out of service and back."), "clerk", order=55),
       NavItem("maintenance.runs", _l("Weekly check"),
               _l("Open every compartment one after another, with a checklist."), "technician", order=60),)

ANSWERS = {"yes": True, "no": False, "": None}


def _service() -> Any:
    return runtime().service


def _failed(exc: LockerError) -> None:
    flash(exc.message(request_lang()), "error")


# ---- one compartment -----------------------------------------------------------------

@bp.get("/")
@role_required("clerk")
def index() -> Any:
    return render_template("console/maintenance_index.html", compartments=_service().list_compartments(),
                           openings=_service().maintenance_openings(limit=10))


@bp.get("/compartments/<path:label>")
@role_required("clerk")
def compartment(label: str) -> Any:
    found = next((c for c in _service().list_compartments() if c["label"] == label), None)
    if found is None:
        abort(404)
    return render_template("console/maintenance_compartment.html", comp=found,
                           openings=_service().maintenance_openings(label=label, limit=10),
                           may_open_any=current_user.role in ("technician", "admin"))


@bp.post("/compartments/<path:label>/open")
@role_required("clerk")
def open_compartment(label: str) -> Any:
    try:
        opening = _service().open_for_maintenance(label, request.form.get("reason"), actor=current_user.name,
                                                  role=current_user.role)
    except Forbidden:
        return refused("technician")
    except LockerError as exc:
        _failed(exc)
        return redirect(url_for(".compartment", label=label)), exc.status
    flash(_("Compartment %(label)s is being opened.", label=label), "success")
    return redirect(url_for(".compartment", label=label, opening=opening["id"]))


@bp.post("/compartments/<path:label>/out-of-service")
@role_required("clerk")
def out_of_service(label: str) -> Any:
    try:
        _service().set_out_of_service(label, actor=current_user.name, reason=reason_of(request.form.get("reason")))
    except LockerError as exc:
        _failed(exc)
        return redirect(url_for(".compartment", label=label)), exc.status
    flash(_("Compartment %(label)s is out of service.", label=label), "success")
    return redirect(url_for(".compartment", label=label))


@bp.post("/compartments/<path:label>/back-in-service")
@role_required("clerk")
def back_in_service(label: str) -> Any:
    emptied = request.form.get("emptied") == "yes"
    try:
        _service().return_to_service(label, actor=current_user.name, reason=reason_of(request.form.get("reason")),
                                     emptied=emptied, keep_contents=not emptied)
    except LockerError as exc:
        _failed(exc)
        return redirect(url_for(".compartment", label=label)), exc.status
    flash(_("Compartment %(label)s is back in service.", label=label), "success")
    return redirect(url_for(".compartment", label=label))


@bp.get("/openings/<int:opening_id>.json")
@role_required("clerk")
def opening_json(opening_id: int) -> Any:
    return _json(lambda: _service().get_maintenance_opening(opening_id))


# ---- the weekly check ------------------------------------------------------------------

@bp.get("/runs/")
@role_required("technician")
def runs() -> Any:
    return render_template("console/maintenance_run.html", run=_service().get_check_run(), answers=ANSWERS)


@bp.get("/runs/<int:run_id>")
@role_required("technician")
def run(run_id: int) -> Any:
    try:
        found = _service().get_check_run(run_id)
    except NotFound:
        abort(404)
    return render_template("console/maintenance_run.html", run=found, answers=ANSWERS)


@bp.get("/runs/<int:run_id>.json")
@role_required("technician")
def run_json(run_id: int) -> Any:
    return _json(lambda: _service().get_check_run(run_id))


@bp.post("/runs/")
@role_required("technician")
def start_run() -> Any:
    return _run_step(lambda: _service().start_check_run(actor=current_user.name), None,
                     _("The weekly check has started."))


@bp.post("/runs/<int:run_id>/next")
@role_required("technician")
def next_in_run(run_id: int) -> Any:
    return _run_step(lambda: _service().next_in_check_run(run_id, actor=current_user.name), run_id, None)


@bp.post("/runs/<int:run_id>/finish")
@role_required("technician")
def finish_run(run_id: int) -> Any:
    return _run_step(lambda: _service().finish_check_run(run_id, actor=current_user.name), run_id,
                     _("The weekly check is finished."))


@bp.post("/runs/<int:run_id>/checks/<path:label>")
@role_required("technician")
def record_check(run_id: int, label: str) -> Any:
    answers: dict[str, Any] = {name: ANSWERS.get(request.form.get(name, ""))
                               for name in ("opened_ok", "latch_ok", "sensor_ok")}
    answers["note"] = request.form.get("note", "")
    try:
        _service().record_check(run_id, label, answers, actor=current_user.name)
    except LockerError as exc:
        _failed(exc)
        return redirect(url_for(".run", run_id=run_id)), exc.status
    flash(_("Checklist of %(label)s saved.", label=label), "success")
    return redirect(url_for(".run", run_id=run_id, _anchor=f"check-{label}"))


@bp.get("/runs/<int:run_id>/print")
@role_required("technician")
def print_run(run_id: int) -> Any:
    try:
        found = _service().get_check_run(run_id)
    except NotFound:
        abort(404)
    return render_template("console/maintenance_print.html", run=found)


def _run_step(step: Any, run_id: int | None, done: str | None) -> Any:
    try:
        answer = step()
    except LockerError as exc:
        _failed(exc)
        return redirect(url_for(".run", run_id=run_id) if run_id else url_for(".runs")), exc.status
    if done:
        flash(done, "success")
    return redirect(url_for(".run", run_id=answer["id"]))


def _json(read: Any) -> Any:
    try:
        return jsonify(read())
    except LockerError as exc:
        return jsonify({"error": exc.code, "message": exc.message(request_lang())}), exc.status

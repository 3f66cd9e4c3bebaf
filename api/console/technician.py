"""The technician's page: per bus and board the traffic figures, the scanner, the GPIO
inputs and outputs, the printer (none configured yet), and a lock test that pulses one
lock (a maintenance opening for "lock test") and shows what the sensors said."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError
from locker.flows.maintenance import LOCK_TEST

from ..auth import runtime
from ..i18n import request_lang
from ..technician import hardware_report
from .maint_labels import labels
from .guard import role_required
from .nav import NavItem

bp = Blueprint("technician", __name__, url_prefix="/console/technician")

bp.app_context_processor(labels)

NAV = (NavItem("technician.hardware", _l("Hardware"),
               _l("Buses and boards, scanner, GPIO, printer; test a lock."), "technician", order=70),)


@bp.get("/")
@role_required("technician")
def hardware() -> Any:
    service = runtime().service
    tests = service.maintenance_openings(reason=LOCK_TEST, limit=5)
    return render_template("console/technician.html", report=hardware_report(runtime()), tests=tests,
                           compartments=service.list_compartments())


@bp.get("/hardware.json")
@role_required("technician")
def hardware_json() -> Any:
    return jsonify({"hardware": hardware_report(runtime()),
                    "tests": runtime().service.maintenance_openings(reason=LOCK_TEST, limit=5)})


@bp.post("/lock-test")
@role_required("technician")
def lock_test() -> Any:
    label = request.form.get("compartment", "")
    try:
        runtime().service.open_for_maintenance(label, LOCK_TEST, actor=current_user.name, role=current_user.role)
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return redirect(url_for(".hardware")), exc.status
    flash(_("Lock of %(label)s pulsed; the sensors' answers appear below.", label=label), "success")
    return redirect(url_for(".hardware", _anchor="lock-tests"))

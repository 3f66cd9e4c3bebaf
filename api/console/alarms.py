"""The alarms inbox page (``/console/alarms``): newest first, filtered by state and kind,
acknowledged with a note and resolved; new alarms sound and show a banner (see
``static/live.js``), and their rows come in live, as a changed alarm's row changes
(``static/alarms.js`` reads :func:`row` when the console's stream brings one)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.alarm_kinds import KIND_TEXT, AlarmKind
from locker.errors import LockerError
from locker.statuses import AlarmState

from ..auth import runtime
from ..i18n import request_lang, text
from .guard import role_required
from .nav import NavItem

bp = Blueprint("alarms", __name__, url_prefix="/console/alarms")

NAV = (NavItem("alarms.index", _l("Alarms"), _l("Alarms newest first: acknowledge with a note, resolve."),
               "clerk", order=20),)


def kind_text(kind: str) -> str:
    """The alarm kind in the page's language."""
    try:
        return text(*KIND_TEXT[AlarmKind(kind)])
    except ValueError:
        return kind


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    state, kind = request.args.get("state", "open"), request.args.get("kind", "")
    try:
        alarms = runtime().service.list_alarms(state if state in AlarmState.__members__.values() else None)
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        alarms = []
    if kind:
        alarms = [a for a in alarms if a["kind"] == kind]
    return render_template("console/alarms.html", alarms=alarms, state=state, kind=kind, kinds=list(AlarmKind),
                           states=list(AlarmState), kind_text=kind_text)


@bp.get("/<int:alarm_id>/row")
@role_required("clerk")
def row(alarm_id: int) -> Any:
    """One alarm's row of the inbox, its forms coming back to the page's filters."""
    try:
        alarm = runtime().service.alarms.get(alarm_id)
    except LockerError:
        abort(404)
    return render_template("console/alarm_row.html", a=alarm, state=request.args.get("state", "open"),
                           kind=request.args.get("kind", ""), kind_text=kind_text)


@bp.post("/<int:alarm_id>/ack")
@role_required("clerk")
def acknowledge(alarm_id: int) -> Any:
    return _act(lambda: runtime().service.acknowledge_alarm(alarm_id, actor=current_user.name,
                                                             note=request.form.get("note", "")),
                _("Alarm %(id)s acknowledged.", id=alarm_id))


@bp.post("/<int:alarm_id>/resolve")
@role_required("clerk")
def resolve(alarm_id: int) -> Any:
    note = request.form.get("note") or None
    return _act(lambda: runtime().service.resolve_alarm(alarm_id, actor=current_user.name, note=note),
                _("Alarm %(id)s resolved.", id=alarm_id))


def _act(action: Any, done: str) -> Any:
    try:
        action()
        flash(done, "success")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    return redirect(url_for("alarms.index", state=request.args.get("state", "open"),
                            kind=request.args.get("kind", "")))

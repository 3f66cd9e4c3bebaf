"""Deadlines (``/console/deadlines``): results waiting for pickup with their deadlines, a
clerk's one extension with a reason, and the expired results to return to the counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .guard import role_required
from .nav import NavItem
from .run_pages import actor, attempt, page_context, runs

bp = Blueprint("deadlines", __name__, url_prefix="/console/deadlines")
NAV = (NavItem("deadlines.index", _l("Deadlines"),
               _l("Results waiting for pickup, their deadlines, extensions and expired results."), "clerk",
               order=22),)
bp.context_processor(page_context)


@bp.get("/")
@role_required("clerk")
def index() -> Any:
    return render_template("console/deadlines.html", waiting=runs().expiry.waiting(),
                           expired=runs().expiry.awaiting_return())


@bp.post("/<id:result_id>/extend")
@role_required("clerk")
def extend(result_id: int) -> Any:
    reason = request.form.get("reason", "")
    return attempt(lambda: runs().expiry.extend(result_id, reason, actor=actor()), url_for("deadlines.index"),
                   _("The deadline is extended."))

"""Dossier search (``/console/dossiers``): by code, where the dossier is, its whole
history, and the actions open from there (reissuing a pickup code)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError, NotFound

from ..auth import runtime
from ..i18n import request_lang
from .guard import role_required
from .nav import NavItem

bp = Blueprint("dossiers", __name__, url_prefix="/console/dossiers")

NAV = (NavItem("dossiers.search", _l("Dossiers"), _l("Find a dossier by its code: where it is, its history, "
                                                     "what can be done."), "clerk", order=30),)


@bp.get("/")
@role_required("clerk")
def search() -> Any:
    code = request.args.get("code", "").strip()
    dossier, status = None, 200
    if code:
        try:
            dossier = runtime().service.dossier_overview(code)
        except NotFound:
            flash(_("No dossier has the code %(code)s.", code=code.upper()), "warning")
            status = 404
        except LockerError as exc:
            flash(exc.message(request_lang()), "error")
            status = 400
    return render_template("console/dossier.html", code=code.upper(), dossier=dossier), status


@bp.post("/<path:code>/reissue")
@role_required("clerk")
def reissue(code: str) -> Any:
    try:
        result_id = int(request.form.get("result", ""))
        runtime().service.reissue_credential(result_id, actor=current_user.name)
        flash(_("A new pickup code was sent by SMS."), "success")
    except ValueError:
        flash(_("Choose the result whose code to reissue."), "error")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    return redirect(url_for("dossiers.search", code=code))


@bp.post("/<path:code>/erase")
@role_required("admin")
def erase(code: str) -> Any:
    """A citizen asked for their data to be erased (the supervisor's decision, with its reason)."""
    try:
        runtime().service.privacy.erase(code, actor=current_user.name, reason=request.form.get("reason", ""))
        flash(_("The citizen's phone numbers and addresses for this dossier are erased."), "success")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
    return redirect(url_for("dossiers.search", code=code))

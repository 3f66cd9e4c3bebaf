"""Administrators' pages: API tokens (create with an expiry, list, revoke) and accounts
(disable, enable, reset the password). The same as ``locker token ...`` and ``locker user ...``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locker.errors import LockerError

from ..auth import runtime
from ..i18n import request_lang
from .forms import ActionForm, TokenForm
from .guard import role_required
from .nav import NavItem, role_label

bp = Blueprint("admin", __name__, url_prefix="/console/admin")

NAV = (
    NavItem("admin.tokens", _l("API tokens"), _l("Create, list and revoke API tokens; each one expires."),
            "admin", order=80),
    NavItem("admin.accounts", _l("Accounts"), _l("Disable, enable and reset operators' accounts."),
            "admin", order=81),
)


def _admin() -> Any:
    return runtime().service.account_admin


def _failed(exc: LockerError) -> None:
    flash(exc.message(request_lang()), "error")


@bp.route("/tokens", methods=["GET", "POST"])
@role_required("admin")
def tokens() -> Any:
    form = TokenForm()
    form.account.choices = [(a["name"], f"{a['name']} ({role_label(a['role'])})")
                            for a in _admin().list_accounts() if not a["disabled"]]
    created = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                created = _admin().create_token(form.account.data, days=form.days.data, actor=current_user.name)
            except LockerError as exc:
                _failed(exc)
                status = exc.status
        else:
            flash(_("Choose an account and a number of days from 1 to 3650."), "error")
            status = 400
    return render_template("console/tokens.html", form=form, created=created, tokens=_admin().list_tokens(),
                           revoke_form=ActionForm()), status


@bp.post("/tokens/<id:token_id>/revoke")
@role_required("admin")
def revoke(token_id: int) -> Any:
    try:
        row = _admin().revoke_token(token_id, actor=current_user.name)
        flash(_("Token %(prefix)s… of %(account)s is revoked.", prefix=row["prefix"], account=row["account"]),
              "success")
    except LockerError as exc:
        _failed(exc)
    return redirect(url_for("admin.tokens"))


@bp.get("/accounts")
@role_required("admin")
def accounts() -> Any:
    return render_template("console/accounts.html", accounts=_admin().list_accounts(), action_form=ActionForm(),
                           new_password=None)


@bp.post("/accounts/<name>/<action>")
@role_required("admin")
def account_action(name: str, action: str) -> Any:
    admin = _admin()
    try:
        if action in ("disable", "enable"):
            if name == current_user.name and action == "disable":
                flash(_("You cannot disable your own account."), "error")
                return redirect(url_for("admin.accounts"))
            admin.set_disabled(name, action == "disable", actor=current_user.name)
            flash(_("Account %(name)s is disabled.", name=name) if action == "disable"
                  else _("Account %(name)s is enabled.", name=name), "success")
        elif action == "reset":
            password = admin.reset(name, actor=current_user.name)
            return render_template("console/accounts.html", accounts=admin.list_accounts(),
                                   action_form=ActionForm(), new_password=(name, password))
        else:
            return render_template("console/accounts.html", accounts=admin.list_accounts(),
                                   action_form=ActionForm(), new_password=None), 404
    except LockerError as exc:
        _failed(exc)
    return redirect(url_for("admin.accounts"))

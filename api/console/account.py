"""The signed-in operator's own account: changing the password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from locker.errors import LockerError

from ..auth import runtime
from ..i18n import request_lang
from .forms import PasswordForm
from .guard import role_required
from .nav import NavItem
from .signin import start_session
from .sessions import ConsoleUser

bp = Blueprint("account", __name__, url_prefix="/console/account")

#: Reached from the header's "Change password" link, not from the navigation bar.
NAV: tuple[NavItem, ...] = ()


@bp.route("/password", methods=["GET", "POST"])
@role_required("clerk")
def password() -> Any:
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("console/password.html", form=form), 400 if request.method == "POST" else 200
    if form.new.data != form.confirm.data:
        flash(_("The two new passwords differ; nothing was changed."), "error")
        return render_template("console/password.html", form=form), 400
    try:
        operator = runtime().service.signins.change_password(current_user.operator, form.current.data,
                                                             form.new.data, where=request.remote_addr or "")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return render_template("console/password.html", form=form), exc.status
    start_session(ConsoleUser(operator))  # the old stamp ended every session, this one included
    flash(_("Your password is changed. Other sessions of your account are signed out."), "success")
    return redirect(url_for("console.home"))

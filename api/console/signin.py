"""``/login``, ``/logout`` and the language toggle."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from locker.errors import LockerError

from ..auth import runtime
from ..i18n import LANG_COOKIE, LANGS, request_lang
from .forms import ActionForm, PinForm, SignInForm
from .sessions import ConsoleUser

bp = Blueprint("signin", __name__)

#: Routes anyone may open (the route audit test knows them by this list).
PUBLIC_ENDPOINTS = ("signin.login", "signin.logout", "signin.language", "signin.badge")
LANG_COOKIE_DAYS = 365


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = SignInForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_page())
    if not form.validate_on_submit():
        return render_template("console/login.html", form=form), 400 if request.method == "POST" else 200
    try:
        operator = runtime().service.signins.with_password(form.name.data, form.password.data,
                                                           where=request.remote_addr or "")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return render_template("console/login.html", form=form), exc.status
    start_session(ConsoleUser(operator), by="password")
    return redirect(_next_page())


@bp.route("/login/badge/<ticket>", methods=["GET", "POST"])
def badge(ticket: str) -> Any:
    """The PIN after a badge scanned at the kiosk (the kiosk page comes here with the scan's ticket)."""
    signins = runtime().service.signins
    name = signins.badge_holder(ticket)
    if name is None:
        flash(_("The badge was scanned too long ago. Please scan it again."), "error")
        return render_template("console/badge.html", form=None, name=None), 410
    form = PinForm()
    if not form.validate_on_submit():
        return render_template("console/badge.html", form=form, name=name), 400 if request.method == "POST" else 200
    try:
        operator = signins.with_badge(ticket, form.pin.data, where=request.remote_addr or "")
    except LockerError as exc:
        flash(exc.message(request_lang()), "error")
        return render_template("console/badge.html", form=form, name=name), exc.status
    start_session(ConsoleUser(operator), by="badge")
    return redirect(url_for("console.home"))


def start_session(user: ConsoleUser, *, by: str | None = None) -> None:
    """Sign ``user`` in on this browser: a fresh session (no fixation), idle clock started.
    ``by="badge"``: on the kiosk screen, so the kiosk page and signing out end it and go back there."""
    by = by or session.get("by", "password")
    session.clear()
    login_user(user)
    session["seen"] = time.time()
    session["by"] = by
    session.permanent = True


@bp.post("/logout")
def logout() -> Any:
    form = ActionForm()
    at_the_kiosk = session.get("by") == "badge"
    if form.validate_on_submit() and current_user.is_authenticated:
        runtime().service.signins.signed_out(current_user.operator, why="sign_out")
        logout_user()
        session.clear()
        if at_the_kiosk:
            return redirect(url_for("kiosk.page"))
        flash(_("You are signed out."), "info")
    return redirect(url_for("signin.login"))


@bp.get("/console/lang/<lang>")
def language(lang: str) -> Any:
    """The VI/EN toggle: remember the language in a cookie and go back."""
    response = redirect(_next_page(default=url_for("console.home")))
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def _next_page(default: str | None = None) -> str:
    """``?next=`` when it is a page of this console, else the console's home."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    local = not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target
    if local and (parts.path.startswith("/console") or parts.path == "/login"):
        return target
    return default or url_for("console.home")

"""Console sessions: Flask-Login over :class:`locker.signin.SignIns`, the session cookie,
the idle time-out, and CSRF on every form.

The session cookie is ``HttpOnly``, ``SameSite=Lax`` and, by ``[console]
secure_cookie`` (default ``auto``), ``Secure`` whenever the request came over TLS.
A session unused for ``[console] idle_timeout_min`` minutes is signed out; a live
event stream (``Accept: text/event-stream``) is not use.

CSRF: every request that may change something (not GET, HEAD or OPTIONS) is checked,
except under ``/api/`` (bearer tokens and kiosks, no cookies) and ``/sim/`` (the
simulator's control API, only in the demo and tests).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, Response, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from locker.signin import Operator

from ..errors import error_response
from ..i18n import page_lang

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: Paths whose requests carry no session cookie worth protecting (bearer tokens, kiosks, the simulator).
CSRF_FREE_PREFIXES = ("/api/", "/sim/")
#: Paths of the console's pages: their language is the toggle's, not the browser's.
PAGE_PREFIXES = ("/console", "/login", "/logout")
SESSION_COOKIE = "locker_session"
KIOSK_PAGE = "kiosk.page"
#: The longest a session lasts, however busy (the idle time-out is checked on each request).
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class ConsoleUser:
    """Flask-Login's user: a signed-in :class:`Operator`."""

    operator: Operator
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def name(self) -> str:
        return self.operator.name

    @property
    def role(self) -> str:
        return self.operator.role

    @property
    def id(self) -> int:
        return self.operator.id

    def get_id(self) -> str:
        return f"{self.operator.id}.{self.operator.stamp}"


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` per request as ``[console] secure_cookie`` says."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def get_cookie_secure(self, app: Flask) -> bool:
        return self.mode == "always" or (self.mode == "auto" and request.is_secure)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Only the console's pages answer with the session (and ``Vary: Cookie``); Flask-Login's
        look at it after every other request changes nothing."""
        if request.path.startswith(PAGE_PREFIXES) or session.modified:
            super().save_session(app, session, response)


def init_sessions(app: Flask, runtime: Any) -> None:
    console = runtime.config.console
    app.secret_key = _session_key(getattr(runtime, "secret", None))
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # Pages send no Referer (Referrer-Policy: no-referrer), so over TLS the token alone decides.
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=False,
    )
    app.session_interface = ConsoleSessionInterface(console.secure_cookie)
    logins = LoginManager(app)
    logins.user_loader(lambda user_id: _load_user(runtime, user_id))
    logins.unauthorized_handler(lambda: redirect(url_for("signin.login", next=request.path)))
    csrf = CSRFProtect(app)
    app.extensions["locker_csrf"] = csrf
    app.before_request(lambda: _before_request(runtime, csrf))
    app.register_error_handler(CSRFError, _csrf_refused)


def _session_key(secret: bytes | None) -> bytes:
    """The cookie-signing key, derived from the service's secret (so sessions survive a restart);
    a runtime without one (the simulator's page alone) signs with a key of its own."""
    if not secret:
        return secrets.token_bytes(32)
    return hmac.new(secret, b"console session cookie", hashlib.sha256).digest()


def _load_user(runtime: Any, user_id: str) -> ConsoleUser | None:
    account_id, _, stamp = user_id.partition(".")
    if not account_id.isdigit():
        return None
    operator = runtime.service.signins.operator(int(account_id), stamp)
    return ConsoleUser(operator) if operator else None


def _before_request(runtime: Any, csrf: CSRFProtect) -> Response | None:
    on_page = request.path.startswith(PAGE_PREFIXES)
    if on_page:
        page_lang()
    routed = request.routing_exception is None  # a 404 or 405 stays one
    if routed and request.method not in SAFE_METHODS and not request.path.startswith(CSRF_FREE_PREFIXES):
        csrf.protect()
    if SESSION_COOKIE not in request.cookies:
        return None
    if request.endpoint == KIOSK_PAGE:
        _end_kiosk_session(runtime)
    elif on_page:
        return _idle_check(runtime)
    return None


def _end_kiosk_session(runtime: Any) -> None:
    """The kiosk screen is the citizens' again: a clerk's badge session on it ends."""
    if session.get("by") == "badge" and current_user.is_authenticated:
        runtime.service.signins.signed_out(current_user.operator, why="kiosk")
        logout_user()
        session.clear()


def _idle_check(runtime: Any) -> Response | None:
    """Sign out a session left unused too long; note this request as use otherwise."""
    now = time.time()
    if not current_user.is_authenticated:
        return None
    seen = session.get("seen", now)
    at_the_kiosk = session.get("by") == "badge"
    if now - seen > runtime.config.console.idle_limit_s(session.get("by")):
        runtime.service.signins.signed_out(current_user.operator, why="idle")
        logout_user()
        session.clear()
        if at_the_kiosk:  # the screen is the citizens' again
            return redirect(url_for(KIOSK_PAGE))
        flash(_("You were signed out after a while without activity. Please sign in again."), "info")
        return redirect(url_for("signin.login", next=request.path if request.method == "GET" else None))
    if request.accept_mimetypes.best != "text/event-stream":
        session["seen"] = now
        session.permanent = True
    return None


def _csrf_refused(exc: CSRFError) -> Any:
    """A form without its CSRF token (or with a stale one) changes nothing."""
    if request.path.startswith(PAGE_PREFIXES) or request.accept_mimetypes.best == "text/html":
        return render_template("console/refused.html", csrf=True), 400
    return error_response(400, "csrf_failed", _(
        "The form has expired or is not valid; nothing was changed. Please reload the page and try again."))

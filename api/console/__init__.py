"""The operators' console: server-rendered pages under ``/console/``, and ``/login``.

A page group is a module of this package with a blueprint ``bp`` (its views
guarded by :func:`api.console.guard.role_required`) and a tuple ``NAV`` of
:class:`api.console.nav.NavItem` for the navigation bar and the home page; list
it in :data:`PAGE_GROUPS`. Its templates extend ``console/base.html``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, request, session
from flask_login import current_user

from locker.messages import VN_TIME

from . import (account, admin, alarms, cabinet, collecting, deadlines, dossiers, events, home, loading,
               maintenance, reports, signin, technician, webhooks)
from ..i18n import request_lang
from .errors import register_page_errors
from .nav import nav_for, role_label
from .sessions import PAGE_PREFIXES, init_sessions

PAGE_GROUPS = (home, cabinet, alarms, loading, collecting, deadlines, dossiers, events, reports, account, admin,
               maintenance, technician, webhooks)


def register_console(app: Flask, runtime: Any) -> None:
    init_sessions(app, runtime)
    register_page_errors(app)
    app.register_blueprint(signin.bp)
    nav = []
    for group in PAGE_GROUPS:
        app.register_blueprint(group.bp)
        nav.extend(group.NAV)
    app.extensions["locker_console_nav"] = tuple(sorted(nav, key=lambda item: item.order))
    app.context_processor(_page_context)
    app.add_template_filter(local_time)


def app_console_config() -> Any:
    return current_app.extensions["locker"].config.console


def local_time(value: Any) -> str:
    """An ISO 8601 UTC time as the office reads it (Vietnam time, ``dd/mm/yyyy HH:MM``); ``-`` for none.

    >>> local_time("2026-11-29T01:30:00.000000Z"), local_time(None)
    ('29/11/2026 08:30', '-')
    """
    if not value:
        return "-"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.astimezone(VN_TIME).strftime("%d/%m/%Y %H:%M")


def _page_context() -> dict[str, Any]:
    if not request.path.startswith(PAGE_PREFIXES):  # other pages (kiosk, simulator) keep no session
        return {}
    signed_in = current_user.is_authenticated
    return {
        "nav_items": nav_for(current_user.role) if signed_in else [],
        "role_label": role_label,
        "lang": request_lang(),
        "kiosk_idle_s": app_console_config().kiosk_idle_timeout_s if session.get("by") == "badge" else None,
    }

"""The Flask application factory.

>>> from types import SimpleNamespace
>>> from locker.config import Config
>>> rt = SimpleNamespace(config=Config(), simulator=None)
>>> app = create_app(rt)
>>> app.test_client().get("/nowhere").get_json()["error"]
'not_found'
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from .catalogs import init_babel
from .console import register_console
from .errors import register_error_handlers
from .kiosk import bp as kiosk_bp
from .kiosk_access import KioskAccess
from .metrics import Metrics
from .rest import register_rest

MAX_BODY_BYTES = 64 * 1024

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'; form-action 'self'"),
}


def create_app(runtime: Any) -> Flask:
    """Build the app around ``runtime`` (an :class:`api.runtime.Runtime`, built and started by the
    composition root: ``locker serve``, ``locker demo``, a test's fixture)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["locker"] = runtime
    app.extensions["locker_kiosk_access"] = KioskAccess(runtime)
    Metrics(runtime).init_app(app)
    register_error_handlers(app)
    init_babel(app)
    register_rest(app)
    register_console(app, runtime)
    app.register_blueprint(kiosk_bp)
    if runtime.simulator is not None:
        from firmware_sim.control import create_control_blueprint
        from firmware_sim.service_link import by_label

        app.register_blueprint(create_control_blueprint(
            runtime.simulator, service_view=lambda: by_label(runtime.service.list_compartments())))
    app.after_request(_secure)
    return app


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/") or request.path.startswith("/q/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response

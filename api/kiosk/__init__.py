"""The kiosk page: a touch-first, bilingual single page for citizens at the locker.

It is plain HTML, CSS and JavaScript served from this package (no CDN, no build
step) and talks only to the citizen and kiosk endpoints of ``/api/v1``. The page
itself holds nothing secret, so any client may load it, but only by one of the
kiosk's host names (``kiosk.allowed_hosts``), like the kiosk-only API it calls.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth import check_kiosk_host

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/kiosk/static")

#: A form left untouched this long returns to the home screen.
INACTIVITY_SECONDS = 90
MODE_REFRESH_SECONDS = 20


@bp.get("/")
@bp.get("/kiosk")
def page():
    check_kiosk_host()
    return render_template("kiosk/index.html", inactivity=INACTIVITY_SECONDS, mode_refresh=MODE_REFRESH_SECONDS)

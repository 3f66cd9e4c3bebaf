"""The kiosk page: a touch-first, bilingual single page for citizens at the locker.

It is plain HTML, CSS and JavaScript served from this package (no CDN, no build
step) and talks only to the citizen and kiosk endpoints of ``/api/v1`` and to its
own stream of scans, ``/kiosk/events``. The page itself holds nothing secret, so
any client may load it, but only by one of the kiosk's host names
(``kiosk.allowed_hosts``), like the kiosk-only API it calls.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..auth import check_kiosk_host, citizen_only, runtime
from ..catalogs import bi
from ..live import event_stream
from .words import page_words

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/kiosk/static")

MODE_REFRESH_SECONDS = 20


@bp.app_template_global("bi")
def _bi(msgid: str):
    """``{{ bi("English id") }}``: the text in both languages, for the kiosk's templates."""
    return bi(msgid)


@bp.get("/")
@bp.get("/kiosk")
def page():
    check_kiosk_host()
    kiosk = runtime().config.kiosk
    return render_template("kiosk/index.html", inactivity=kiosk.inactivity_s, more_time=kiosk.more_time_s,
                           mode_refresh=MODE_REFRESH_SECONDS, words=page_words())


@bp.get("/kiosk/events")
@citizen_only
def events() -> Any:
    """``text/event-stream`` of the scanner's reads for the kiosk page: ``hello`` on connecting,
    then ``scan`` with each outcome (the shape of ``last_scan`` in ``/api/v1/kiosk/activity``)."""
    return event_stream(runtime().kiosk_hub)

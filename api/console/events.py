"""``GET /console/events/stream``: the console's server-sent events, for signed-in
operators (see :mod:`api.events` for the types, the heartbeat and the limits)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from locker.alarm_kinds import KIND_TEXT

from ..auth import runtime
from ..i18n import text
from ..live import event_stream
from .guard import role_required

bp = Blueprint("console_events", __name__, url_prefix="/console/events")

NAV = ()


@bp.get("/stream")
@role_required("clerk")
def stream() -> Any:
    return event_stream(runtime().hub, request.args.getlist("topic"))


@bp.app_context_processor
def _live_words() -> dict[str, Any]:
    return {"live_kind_texts": lambda: {kind.value: text(vi, en) for kind, (vi, en) in KIND_TEXT.items()}}

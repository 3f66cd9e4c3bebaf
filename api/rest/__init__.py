"""The REST blueprints under ``/api/v1`` (plus ``/healthz``, ``/metrics`` and ``/q/<token>``)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import alarms, announcements, citizen, clerk, info, kiosk_api, maintenance, open, ratings, reports, runs, webhooks


ID_MAX = 2**63 - 1


class IdConverter(IntegerConverter):
    """A database id: 1 to 2**63-1, anything else is a 404 (never an overflow further down).
    The OpenAPI document states the range, and the domain's id checks take the same."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        super().__init__(map, min=1, max=ID_MAX)


def register_rest(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    for bp in (citizen.bp, clerk.bp, kiosk_api.bp, maintenance.bp, open.bp, alarms.bp, announcements.bp, runs.bp,
               reports.bp, webhooks.bp, ratings.bp, info.bp):
        app.register_blueprint(bp)

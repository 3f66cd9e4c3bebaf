"""The REST blueprints under ``/api/v1`` (plus ``/healthz``, ``/metrics`` and ``/q/<token>``)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import alarms, announcements, citizen, clerk, info, kiosk_api, maintenance, open, ratings, reports, runs, webhooks


ID_MAX = 2**63 - 1


def at_most(limit: int) -> str:
    """A regex of the whole numbers 1 to ``limit``, written without leading zeros.

    >>> import re
    >>> [n for n in (0, 1, 99, 100, 123, 124, 130, 200, 1000) if re.fullmatch(at_most(123), str(n))]
    [1, 99, 100, 123]
    """
    top = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    same_length = []
    for place, digit in enumerate(top):
        low = 1 if place == 0 else 0
        if int(digit) > low:
            same_length.append(rf"{top[:place]}[{low}-{int(digit) - 1}]\d{{{len(top) - place - 1}}}")
    return "(?:" + "|".join(shorter + same_length + [top]) + ")"


class IdConverter(IntegerConverter):
    """A database id: 1 to 2**63-1, anything else is a 404 (never an overflow further down).
    The OpenAPI document states the range, and the domain's id checks take the same. The
    range is in the regex: a number the converter refused after matching made Werkzeug answer
    405 when another method's rule had the same path."""

    regex = at_most(ID_MAX)

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        super().__init__(map, min=1, max=ID_MAX)


def register_rest(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    for bp in (citizen.bp, clerk.bp, kiosk_api.bp, maintenance.bp, open.bp, alarms.bp, announcements.bp, runs.bp,
               reports.bp, webhooks.bp, ratings.bp, info.bp):
        app.register_blueprint(bp)

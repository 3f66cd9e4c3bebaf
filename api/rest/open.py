"""Open endpoints: health, metrics, the OpenAPI document and pickup QR images."""

from __future__ import annotations

import io
import re

import qrcode
from flask import Blueprint, Response, current_app, jsonify
from werkzeug.exceptions import NotFound

from locker.credentials import qr_signature_ok

from ..auth import runtime
from ..health import health_report
from ..openapi import build_openapi, endpoint
from ..schemas import Health

bp = Blueprint("open", __name__)
TAGS = ["open"]
QR_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,256}")


@bp.get("/healthz")
@endpoint("Health of the database, the lock boards, the scanner, the GPIO and the power", tags=TAGS,
          responses={200: Health, 503: Health},
          description="`status` is `degraded` when a board is offline or unknown, the scanner is down "
                      "or the database fails; the HTTP status is 503 only when the database fails.")
def healthz():
    body = health_report(runtime())
    return jsonify(body), 200 if body["database"] == "ok" else 503


@bp.get("/metrics")
@endpoint("Prometheus metrics", tags=TAGS, responses={200: "text/plain"})
def metrics():
    return current_app.extensions["locker_metrics"].response()


@bp.get("/api/v1/openapi.json")
@endpoint("This OpenAPI document", tags=TAGS, responses={200: "application/json"})
def openapi():
    doc = current_app.extensions.get("locker_openapi")
    if doc is None:
        doc = current_app.extensions["locker_openapi"] = build_openapi(current_app)
    return jsonify(doc)


@bp.get("/q/<token>")
@endpoint("PNG image of a pickup QR code (the link in the SMS)", tags=TAGS,
          responses={200: "image/png"}, errors=(404,))
def qr_image(token: str):
    if not QR_TOKEN.fullmatch(token) or not qr_signature_ok(token, runtime().secret):
        raise NotFound()
    resp = Response(_png(token), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _png(data: str) -> bytes:
    image = qrcode.make(data, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

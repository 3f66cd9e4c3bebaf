"""Open endpoints: health, metrics, the OpenAPI document, and the pickup link of the SMS (a page and its QR)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import NotFound

from locker.credentials import qr_signature_ok
from locker.errors import LockerError
from locker.messages import VN_TIME

from .. import qr
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
@endpoint("The pickup link in the SMS: a page for a phone, or the QR as a PNG image", tags=TAGS,
          responses={200: "image/png"}, errors=(404,),
          description="A browser (a client preferring `text/html`) gets a small page: the dossier code, where "
                      "the cabinet is, until when the code is valid, how to use the QR, and the QR itself "
                      "(`/q/<token>/qr.png`). Any other client gets the PNG image of the QR.")
def qr_link(token: str):
    _check_token(token)
    if request.accept_mimetypes.best_match(["image/png", "text/html"]) == "text/html":
        return _link_page(token)
    return _png_response(token)


@bp.get("/q/<token>/qr.png")
@endpoint("PNG image of a pickup QR code (shown on the SMS link's page)", tags=TAGS,
          responses={200: "image/png"}, errors=(404,))
def qr_image(token: str):
    _check_token(token)
    return _png_response(token)


def _check_token(token: str) -> None:
    if not QR_TOKEN.fullmatch(token) or not qr_signature_ok(token, runtime().secret):
        raise NotFound()


def _png_response(token: str) -> Response:
    resp = Response(qr.png(token), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _link_page(token: str) -> Response:
    rt = runtime()
    try:
        link = rt.service.pickup_link(token)
    except LockerError:
        link = None
    until = link["expires_at"].astimezone(VN_TIME).strftime("%H:%M %d/%m/%Y") if link else ""
    html = render_template("kiosk/pickup_link.html", office=rt.config.office, link=link, until=until,
                           qr_url=url_for("open.qr_image", token=token))
    resp = Response(html, status=200 if link else 404, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Vary"] = "Accept"
    return resp

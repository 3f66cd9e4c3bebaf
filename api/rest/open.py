"""Open endpoints: health, metrics, the OpenAPI document and pickup QR images."""

from __future__ import annotations

import hmac
import io
import logging
import re
from typing import Any

import qrcode
from flask import Blueprint, Response, current_app, jsonify
from werkzeug.exceptions import NotFound

from ..auth import runtime
from ..openapi import build_openapi, endpoint
from ..schemas import Health

bp = Blueprint("open", __name__)
TAGS = ["open"]
log = logging.getLogger("api.open")
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
    if not QR_TOKEN.fullmatch(token) or not _qr_signature_ok(token, runtime().secret):
        raise NotFound()
    resp = Response(_png(token), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def health_report(rt: Any) -> dict[str, Any]:
    try:
        health = rt.service.health()
    except Exception:
        log.exception("health() failed")
        health = {"database": "error", "boards": {}, "compartments": {}}
    database = "ok" if health.get("database") == "ok" and _safe(rt.database_ok, False) else "error"
    boards = {str(board): state for board, state in (health.get("boards") or {}).items()}
    scanner_ok = _safe(rt.scanner_ok, False)
    scanner = "absent" if scanner_ok is None else "ok" if scanner_ok else "down"
    gpio_ok = _safe(getattr(rt, "gpio_ok", lambda: None), False)
    gpio = "absent" if gpio_ok is None else "ok" if gpio_ok else "down"
    power, tamper = health.get("power", "mains"), bool(health.get("tamper", False))
    healthy = (database == "ok" and scanner != "down" and gpio != "down"
               and all(s == "online" for s in boards.values()) and power == "mains" and not tamper)
    return {"status": "ok" if healthy else "degraded", "database": database, "bus": {"boards": boards},
            "scanner": scanner, "gpio": gpio, "power": power, "tamper": tamper,
            "compartments": dict(health.get("compartments") or {})}


def _safe(probe: Any, failed: Any) -> Any:
    try:
        return probe()
    except Exception:
        log.exception("health probe failed")
        return failed


def _qr_signature_ok(token: str, secret: bytes) -> bool:
    # Looked up per call (not at import) so tests can substitute the credential store.
    from locker import credentials

    check = getattr(credentials, "qr_signature_ok", None)
    if check is not None:
        return bool(check(token, secret))
    parsed = credentials.parse_qr(token)
    if parsed is None:
        return False
    expected = credentials.qr_mac(secret, parsed.credential_id, parsed.nonce)
    return hmac.compare_digest(expected.encode("ascii"), parsed.mac.encode("ascii"))


def _png(data: str) -> bytes:
    image = qrcode.make(data, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

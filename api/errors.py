"""JSON error bodies: ``{"error": <stable word>, "message": <text>}``.

``message`` is in the request's language; ``invalid_input`` errors add ``field``;
``throttled`` answers carry a ``Retry-After`` header. No request, however
malformed, gets an HTML page or a bare 500.

>>> from flask import Flask
>>> from locker.errors import Throttled
>>> app = Flask(__name__)
>>> with app.test_request_context("/?lang=en"):
...     resp = locker_error_response(Throttled(30))
>>> resp.status_code, resp.headers["Retry-After"], resp.get_json()["error"]
(429, '30', 'throttled')
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from locker.errors import InvalidInput, LockerError

from .i18n import request_lang, text

log = logging.getLogger("api.errors")

# HTTP status -> (stable word, Vietnamese, English) for errors raised by Flask itself.
HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ.", "The request is not valid."),
    401: ("unauthorized", "Cần đăng nhập bằng mã truy cập hợp lệ.", "A valid bearer token is required."),
    403: ("forbidden", "Không được phép.", "Not allowed."),
    404: ("not_found", "Không tìm thấy địa chỉ này.", "No such resource."),
    405: ("method_not_allowed", "Phương thức này không được hỗ trợ ở đây.", "This method is not allowed here."),
    406: ("not_acceptable", "Không thể trả lời ở định dạng yêu cầu.", "Cannot answer in the requested format."),
    413: ("too_large", "Nội dung gửi lên quá lớn.", "The request body is too large."),
    414: ("uri_too_long", "Địa chỉ quá dài.", "The address is too long."),
    415: ("unsupported_media_type", "Nội dung phải là JSON (Content-Type: application/json).",
          "The body must be JSON (Content-Type: application/json)."),
    431: ("headers_too_large", "Phần đầu yêu cầu quá lớn.", "The request headers are too large."),
    500: ("internal_error", "Lỗi hệ thống. Vui lòng liên hệ cán bộ.", "Internal error. Please contact a clerk."),
    503: ("unavailable", "Dịch vụ tạm thời không sẵn sàng.", "The service is temporarily unavailable."),
}


def error_response(status: int, error: str, message: str, *, field: str | None = None,
                   headers: dict[str, str] | None = None, attempts_left: int | None = None) -> Response:
    """A JSON error answer."""
    body: dict[str, str | int] = {"error": error, "message": message}
    if field is not None:
        body["field"] = field
    if attempts_left is not None:
        body["attempts_left"] = attempts_left
    resp = jsonify(body)
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def invalid_input(field: str, vi: str, en: str) -> Response:
    return error_response(400, "invalid_input", text(vi, en), field=field)


def locker_error_response(err: LockerError) -> Response:
    """The answer for a domain error, in the request's language."""
    headers = {}
    retry_after = getattr(err, "retry_after", None)
    if isinstance(retry_after, int) and not isinstance(retry_after, bool):
        headers["Retry-After"] = str(max(retry_after, 1))
    field = err.field if isinstance(err, InvalidInput) else None
    return error_response(err.status, err.code, err.message(request_lang()), field=field, headers=headers,
                          attempts_left=err.details.get("attempts_left"))


def http_error_response(exc: HTTPException) -> Response:
    status = exc.code or 500
    word, vi, en = HTTP_ERRORS.get(status, (_word(exc), exc.name, exc.name))
    headers = {}
    allow = exc.get_response().headers.get("Allow")
    if allow:
        headers["Allow"] = allow
    return error_response(status, word, text(vi, en), headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Turn every error into a JSON body; the last resort logs and answers 500."""
    app.register_error_handler(LockerError, locker_error_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, _unexpected)


def _unexpected(exc: Exception) -> Response:
    if _is_database_error(exc):
        log.error("database error: %s", exc)
        return error_response(503, "database_unavailable", text(
            "Cơ sở dữ liệu tạm thời không sẵn sàng.", "The database is temporarily unavailable."))
    log.exception("unexpected error")
    word, vi, en = HTTP_ERRORS[500]
    return error_response(500, word, text(vi, en))


def _is_database_error(exc: Exception) -> bool:
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return False
    return isinstance(exc, SQLAlchemyError)


def _word(exc: HTTPException) -> str:
    return "".join(c if c.isalnum() else "_" for c in (exc.name or "error").lower())

"""Errors on the console's pages are pages too (bilingual, in the page's language); elsewhere
they stay the JSON bodies of :mod:`api.errors`."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from locker.errors import LockerError

from ..errors import HTTP_ERRORS, http_error_response, locker_error_response
from ..i18n import request_lang, text
from .sessions import PAGE_PREFIXES


def register_page_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(LockerError, _locker_error)


def _on_a_page() -> bool:
    return request.path.startswith(PAGE_PREFIXES) and request.accept_mimetypes.best != "application/json"


def _http_error(exc: HTTPException) -> Any:
    if not _on_a_page():
        return http_error_response(exc)
    status = exc.code or 500
    _word, vi, en = HTTP_ERRORS.get(status, ("", exc.name, exc.name))
    return render_template("console/error.html", message=text(vi, en), status=status), status


def _locker_error(exc: LockerError) -> Any:
    if not _on_a_page():
        return locker_error_response(exc)
    return render_template("console/error.html", message=exc.message(request_lang()), status=exc.status), exc.status

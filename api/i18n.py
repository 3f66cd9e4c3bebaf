"""The request's language: Vietnamese by default, English on request.

``?lang=en|vi`` wins; otherwise ``Accept-Language`` decides (English only when the
client prefers it over Vietnamese).

>>> from flask import Flask
>>> app = Flask(__name__)
>>> with app.test_request_context("/", headers={"Accept-Language": "en-US,en;q=0.9"}):
...     request_lang(), text("Xin chào", "Hello")
('en', 'Hello')
>>> with app.test_request_context("/?lang=vi", headers={"Accept-Language": "en"}):
...     request_lang()
'vi'
"""

from __future__ import annotations

from flask import g, has_request_context, request

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


def request_lang() -> str:
    """``"vi"`` or ``"en"`` for the current request (``"vi"`` outside a request)."""
    if not has_request_context():
        return DEFAULT_LANG
    cached = g.get("lang")
    if cached is None:
        cached = g.lang = _negotiate()
    return cached


def text(vi: str, en: str) -> str:
    """Pick the Vietnamese or English text for the current request."""
    return en if request_lang() == "en" else vi


def _negotiate() -> str:
    asked = request.args.get("lang", "").strip().lower()
    if asked in LANGS:
        return asked
    return request.accept_languages.best_match(LANGS, default=DEFAULT_LANG) or DEFAULT_LANG

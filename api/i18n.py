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

The console's pages speak Vietnamese unless the language toggle set the
``locker_lang`` cookie (a browser's ``Accept-Language`` is not asked):

>>> with app.test_request_context("/console/", headers={"Accept-Language": "en", "Cookie": "locker_lang=en"}):
...     page_lang()
'en'
>>> with app.test_request_context("/console/", headers={"Accept-Language": "en"}):
...     page_lang()
'vi'
"""

from __future__ import annotations

from flask import g, has_request_context, request

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
#: The cookie the console's language toggle sets.
LANG_COOKIE = "locker_lang"


def request_lang() -> str:
    """``"vi"`` or ``"en"`` for the current request (``"vi"`` outside a request)."""
    if not has_request_context():
        return DEFAULT_LANG
    cached = g.get("lang")
    if cached is None:
        cached = g.lang = _negotiate()
    return cached


def page_lang() -> str:
    """The language of a console page: ``?lang``, else the toggle's cookie, else Vietnamese;
    it becomes the request's language (:func:`request_lang`)."""
    asked = request.args.get("lang", "").strip().lower()
    if asked not in LANGS:
        asked = request.cookies.get(LANG_COOKIE, "").strip().lower()
    g.lang = asked if asked in LANGS else DEFAULT_LANG
    return g.lang


def text(vi: str, en: str) -> str:
    """Pick the Vietnamese or English text for the current request."""
    return en if request_lang() == "en" else vi


def _negotiate() -> str:
    asked = request.args.get("lang", "").strip().lower()
    if asked in LANGS:
        return asked
    return request.accept_languages.best_match(LANGS, default=DEFAULT_LANG) or DEFAULT_LANG

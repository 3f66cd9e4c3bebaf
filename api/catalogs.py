"""The message catalogs of the pages (Flask-Babel), Vietnamese first, English second.

Message ids are English. The ``.po`` files under ``api/translations/`` are the
only source: they are compiled into ``.mo`` files in a private temporary directory
when the app is built, so no generated binary is kept in the repository. To
collect new strings: ``make messages`` (``pybabel extract`` + ``update``), then
fill in both ``msgstr``.

>>> from flask import Flask
>>> app = Flask(__name__)
>>> _ = init_babel(app)
>>> from flask_babel import gettext
>>> with app.test_request_context("/?lang=en"):
...     gettext("Sign in")
'Sign in'
>>> with app.test_request_context("/?lang=vi"):
...     gettext("Sign in")
'Đăng nhập'
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from .i18n import DEFAULT_LANG, LANGS, request_lang

SOURCE = Path(__file__).with_name("translations")
DOMAIN = "messages"


def po_path(lang: str) -> Path:
    return SOURCE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=1)
def compiled_catalogs() -> str:
    """A directory of ``<lang>/LC_MESSAGES/messages.mo`` compiled from the ``.po`` files (once a process)."""
    target = Path(tempfile.mkdtemp(prefix="locker-catalogs-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for lang in LANGS:
        with po_path(lang).open("rb") as source:
            catalog = read_po(source, locale=lang, domain=DOMAIN)
        out = target / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with (out / f"{DOMAIN}.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return str(target)


def init_babel(app: Flask) -> Babel:
    """Flask-Babel on ``app``: the request's language (:func:`api.i18n.request_lang`), the
    compiled catalogs, and ``_``/``gettext`` in every template."""
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANG
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Ho_Chi_Minh"
    return Babel(app, locale_selector=request_lang, default_translation_directories=compiled_catalogs())

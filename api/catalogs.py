"""The message catalogs of the pages (Flask-Babel), Vietnamese first, English second.

Message ids are English. The ``.po`` files under ``api/translations/`` are the
only source: they are compiled into ``.mo`` files in a private temporary directory
when the app is built, so no generated binary is kept in the repository. To
collect new strings: ``make messages`` (``pybabel extract`` + ``update``), then
fill in both ``msgstr``.

The kiosk's words are in the same catalogs. The kiosk page shows every text in both
languages at once, so its words are marked with :func:`N_` (in Python) or ``bi(...)`` (in
templates) and read in both with :func:`both`, outside any request:

>>> both("Sign in")
('Đăng nhập', 'Sign in')

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
from markupsafe import Markup, escape

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


def N_(msgid: str) -> str:
    """Marks ``msgid`` for ``make messages`` where it is translated later, in both languages."""
    return msgid


@lru_cache(maxsize=None)
def strings(lang: str) -> dict[str, str]:
    """``msgid -> msgstr`` of one language's catalog (translated entries only)."""
    with po_path(lang).open("rb") as source:
        return {m.id: m.string for m in read_po(source, locale=lang, domain=DOMAIN)
                if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}


def both(msgid: str) -> tuple[str, str]:
    """``msgid`` in Vietnamese and in English (the English id where a catalog lacks it; the
    catalog test makes sure none does)."""
    vi, en = (strings(lang).get(msgid, msgid) for lang in LANGS)
    return vi, en


def both_of(msgids: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {key: both(msgid) for key, msgid in msgids.items()}


def bi(msgid: str) -> Markup:
    """The kiosk templates' bilingual text: ``<span class="vi">…</span><span class="en">…</span>``."""
    vi, en = both(msgid)
    return Markup(f'<span class="vi">{escape(vi)}</span><span class="en">{escape(en)}</span>')

"""The procedures the cabinet accepts, from a TOML file the district edits (docs/procedures.md).

Each procedure has a code, and in Vietnamese and English its name, the documents to bring,
its fee and its processing time, plus the address of its page on the national public service
portal. The file named by ``[kiosk] procedures_file`` is read and checked once, with the rest
of the configuration: a wrong file stops the service at start with a message naming the file,
the procedure and the field, and nothing starts.

>>> both = lambda text: {"vi": text, "en": text}
>>> catalog = procedures_from_dict({"procedure": [{
...     "code": "1.001193", "name": {"vi": "Đăng ký khai sinh", "en": "Birth registration"},
...     "documents": [both("CCCD")], "fee": both("0"), "processing_time": both("1"),
...     "portal_url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1"}]},
...     source="procedures.toml")
>>> catalog.find("1.001193").name.en, catalog.find("nope")
('Birth registration', None)
>>> procedures_from_dict({"procedure": [{"code": "1.001193", "fee": both("0")}]}, source="p.toml")
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in p.toml: procedure 1.001193: name: missing
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .errors import ConfigError
from .validation import NAME_FORBIDDEN_RE

#: The configuration key naming the file.
KEY = "kiosk.procedures_file"
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
#: Where a procedure's page may be: the national portal and the provinces' portals (``*.gov.vn``).
PORTAL_SUFFIX = ".gov.vn"
LANGUAGES = ("vi", "en")
MAX_PROCEDURES = 200
MAX_DOCUMENTS = 40
MAX_URL = 500
#: Longest text of each field, in characters.
LIMITS = {"name": 200, "documents": 400, "fee": 200, "processing_time": 200}
FIELDS = ("code", "name", "documents", "fee", "processing_time", "portal_url")


@dataclass(frozen=True)
class Text:
    """The same words in Vietnamese and English."""

    vi: str
    en: str

    def view(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class Procedure:
    code: str
    name: Text
    documents: tuple[Text, ...]
    fee: Text
    processing_time: Text
    portal_url: str

    def summary(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name.view()}

    def view(self) -> dict[str, Any]:
        return {**self.summary(), "documents": [d.view() for d in self.documents], "fee": self.fee.view(),
                "processing_time": self.processing_time.view(), "portal_url": self.portal_url}


@dataclass(frozen=True)
class Procedures:
    """The procedures in the file's order; empty when no file is configured."""

    items: tuple[Procedure, ...] = ()

    def find(self, code: str) -> Procedure | None:
        return next((p for p in self.items if p.code == code), None)


def load_procedures(path: str) -> Procedures:
    """Read and check the procedures file at ``path``; ConfigError naming what is wrong."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(KEY, f"procedures file {path} not found") from None
    except OSError as exc:
        raise ConfigError(KEY, f"procedures file {path} cannot be read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    return procedures_from_dict(raw, source=path)


def procedures_from_dict(raw: Mapping[str, Any], *, source: str) -> Procedures:
    """The checked procedures of a parsed file; ``source`` (its path) names it in errors."""
    unknown = sorted(set(raw) - {"procedure"})
    if unknown:
        raise ConfigError(source, f"unknown key {unknown[0]!r} (each procedure is a [[procedure]] table)")
    tables = raw.get("procedure")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(source, "lists no procedure (add [[procedure]] tables)")
    if len(tables) > MAX_PROCEDURES:
        raise ConfigError(source, f"lists {len(tables)} procedures; at most {MAX_PROCEDURES}")
    found: list[Procedure] = []
    for number, table in enumerate(tables, start=1):
        procedure = _procedure(table, _Where(source, f"#{number}"))
        if any(p.code.upper() == procedure.code.upper() for p in found):
            raise _Where(source, procedure.code).error("code", "listed twice")
        found.append(procedure)
    return Procedures(tuple(found))


@dataclass(frozen=True)
class _Where:
    """Names a procedure's field in errors: ``file: procedure CODE: field``."""

    source: str
    procedure: str

    def error(self, field: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: procedure {self.procedure}", f"{field}: {problem}")


def _procedure(table: Any, where: _Where) -> Procedure:
    if not isinstance(table, Mapping):
        raise where.error("procedure", "must be a table ([[procedure]])")
    code = table.get("code")
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        raise where.error("code", "missing, or not 1-40 letters, digits, '.', '-' or '_' (starting with a letter "
                                  "or digit)")
    where = _Where(where.source, code)
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise where.error(unknown[0], f"unknown key (known: {', '.join(FIELDS)})")
    name = _text(table, "name", where)
    documents = table.get("documents")
    if not isinstance(documents, list) or not 1 <= len(documents) <= MAX_DOCUMENTS:
        raise where.error("documents", f"missing, or not a list of 1 to {MAX_DOCUMENTS} documents "
                                       "({ vi = \"...\", en = \"...\" } each)")
    return Procedure(
        code=code, name=name,
        documents=tuple(_text({"documents": d}, "documents", where, f"documents[{i}]")
                        for i, d in enumerate(documents, start=1)),
        fee=_text(table, "fee", where), processing_time=_text(table, "processing_time", where),
        portal_url=_portal_url(table.get("portal_url"), where))


def _text(table: Mapping[str, Any], key: str, where: _Where, field: str | None = None) -> Text:
    field = field or key
    pair = table.get(key)
    if pair is None:
        raise where.error(field, "missing")
    if not isinstance(pair, Mapping):
        raise where.error(field, 'must be a table { vi = "...", en = "..." }')
    unknown = sorted(set(pair) - set(LANGUAGES))
    if unknown:
        raise where.error(f"{field}.{unknown[0]}", "unknown language (give vi and en)")
    return Text(*(_words(pair.get(lang), where, f"{field}.{lang}", LIMITS[key]) for lang in LANGUAGES))


def _words(value: Any, where: _Where, field: str, limit: int) -> str:
    if value is None:
        raise where.error(field, "missing")
    if not isinstance(value, str) or not value.strip():
        raise where.error(field, "must be text, not empty")
    if len(value) > limit or NAME_FORBIDDEN_RE.search(value):
        raise where.error(field, f"must be one line of at most {limit} characters, without control characters")
    return value.strip()


def _portal_url(value: Any, where: _Where) -> str:
    if value is None:
        raise where.error("portal_url", "missing")
    if not isinstance(value, str) or len(value) > MAX_URL or any(c.isspace() or not c.isprintable() for c in value):
        raise where.error("portal_url", f"must be an address of at most {MAX_URL} characters, without spaces")
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise where.error("portal_url", "is not a valid address") from None
    if parts.scheme != "https" or "@" in parts.netloc or port not in (None, 443) or \
            not host.endswith(PORTAL_SUFFIX):
        raise where.error("portal_url", "must be an https:// address on a public service portal (*.gov.vn), "
                                        "such as https://dichvucong.gov.vn/...")
    return value

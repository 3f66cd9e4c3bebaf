"""Checks for what people type: dossier codes, phone numbers, sizes, pickup codes.

Each function returns the cleaned value or raises :class:`InvalidInput`.

>>> phone("0912 345 678"), phone("+84 912.345.678"), size("m")
('0912345678', '+84912345678', 'M')
>>> pickup_code("1234")
Traceback (most recent call last):
...
locker.errors.InvalidInput: The pickup code must be exactly 8 digits.
"""

from __future__ import annotations

import re
from typing import Any

from .config_sections import EMAIL_RE
from .errors import InvalidInput

DOSSIER_RE = re.compile(r"[A-Za-z0-9.\-_/:]{1,64}")
PHONE_SEPARATORS = re.compile(r"[ .\-]")
PHONE_RE = re.compile(r"(?:0|\+84|84)[35789]\d{8}")
PICKUP_RE = re.compile(r"[0-9]{8}")
SIZES = ("S", "M", "L")
#: What a free-text note (an alarm's) may not hold: control characters other than tab and
#: newline, invisible format characters (bidi controls, zero-width marks) and line separators.
NOTE_FORBIDDEN = "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\xad\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb"
NOTE_FORBIDDEN_RE = re.compile(f"[{NOTE_FORBIDDEN}]")

#: The same rules as JSON Schema patterns, so that the OpenAPI document states every
#: constraint the checks below enforce (the values are trimmed first).
PATTERNS = {
    "dossier_code": r"^\s*[A-Za-z0-9.\-_/:]{1,64}\s*$",
    "phone": r"^\s*[ .\-]*(?:0|\+[ .\-]*8[ .\-]*4|8[ .\-]*4)[ .\-]*[35789](?:[ .\-]*\d){8}[ .\-]*\s*$",
    "size": r"^\s*[SMLsml]\s*$",
    "code": r"^\s*[0-9]{8}\s*$",
    "compartment": r"^\s*[A-Za-z0-9][A-Za-z0-9_-]{0,15}\s*$",
    "note": f"^\\s*[^\\s{NOTE_FORBIDDEN}](?:[^{NOTE_FORBIDDEN}]*[^\\s{NOTE_FORBIDDEN}])?\\s*$",
    "optional_note": f"^\\s*(?:[^\\s{NOTE_FORBIDDEN}](?:[^{NOTE_FORBIDDEN}]*[^\\s{NOTE_FORBIDDEN}])?)?\\s*$",
    "name": f"^\\s*[^\\s{NOTE_FORBIDDEN}](?:[^\\t\\n{NOTE_FORBIDDEN}]*[^\\s{NOTE_FORBIDDEN}])?\\s*$",
    "url": r"^\s*https?://[A-Za-z0-9.\-]+(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]"
           r"|6553[0-5]))?(?:[/?#]\S*)?\s*$",
    # blank: no address given
    "email": f"^\\s*(?:{EMAIL_RE.pattern})?\\s*$",
    # blank: no reason given
    "reason": f"^\\s*(?:[^\\s{NOTE_FORBIDDEN}](?:[^\\t\\n{NOTE_FORBIDDEN}]*[^\\s{NOTE_FORBIDDEN}])?)?\\s*$",
}
NAME_FORBIDDEN_RE = re.compile(f"[\\t\\n{NOTE_FORBIDDEN}]")


def _string(field: str, value: Any, vi_name: str, en_name: str, limit: int = 200) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"{vi_name} phải là chuỗi ký tự.", f"The {en_name} must be a string.")
    if len(value) > limit:
        raise InvalidInput(field, f"{vi_name} quá dài.", f"The {en_name} is too long.")
    return value.strip()


def dossier_code(value: Any) -> str:
    """A dossier code: 1-64 letters, digits or ``. - _ / :``, trimmed and in upper case.

    Every way a code enters (the API, the kiosk, clerk loading, lookups) goes through
    here, so codes are stored and compared in one form: case does not matter.

    >>> dossier_code("  h01.2025/000123 ")
    'H01.2025/000123'
    """
    s = _string("dossier_code", value, "Mã hồ sơ", "dossier code")
    if not DOSSIER_RE.fullmatch(s):
        raise InvalidInput(
            "dossier_code",
            "Mã hồ sơ gồm 1-64 chữ cái, chữ số hoặc các ký tự . - _ / :",
            "The dossier code is 1-64 letters, digits or . - _ / :",
        )
    return s.upper()


def phone(value: Any) -> str:
    """A Vietnamese mobile number, separators removed, in the form the person used."""
    s = PHONE_SEPARATORS.sub("", _string("phone", value, "Số điện thoại", "phone number", 40))
    if not PHONE_RE.fullmatch(s) or (s[0] == "0" and len(s) != 10):
        raise InvalidInput(
            "phone",
            "Số điện thoại di động Việt Nam không hợp lệ (ví dụ 0912345678 hoặc +84912345678).",
            "Not a valid Vietnamese mobile number (for example 0912345678 or +84912345678).",
        )
    return s


def email(value: Any) -> str | None:
    """An email address (a citizen's, optional): None for absent or blank, else lower-cased in its domain.

    >>> email(" Lan.Nguyen@Example.VN "), email(""), email(None)
    ('Lan.Nguyen@example.vn', None, None)
    """
    if value is None:
        return None
    s = _string("email", value, "Địa chỉ email", "email address", 254)
    if not s:
        return None
    if not EMAIL_RE.fullmatch(s):
        raise InvalidInput("email", "Địa chỉ email không hợp lệ (ví dụ ten@example.vn).",
                           "Not a valid email address (for example name@example.vn).")
    local, _, domain = s.rpartition("@")
    return f"{local}@{domain.lower()}"


def language(value: Any) -> str:
    """The language of a citizen's messages: ``vi`` or ``en``."""
    if value not in ("vi", "en"):
        raise InvalidInput("language", "Ngôn ngữ phải là vi hoặc en.", "The language must be vi or en.")
    return value


def size(value: Any) -> str:
    """A compartment size: S, M or L (any case)."""
    s = _string("size", value, "Cỡ ngăn", "size", 8).upper()
    if s not in SIZES:
        raise InvalidInput("size", "Cỡ ngăn phải là S, M hoặc L.", "The size must be S, M or L.")
    return s


def low(value: Any) -> bool:
    """Whether a citizen asks for a compartment within wheelchair reach (absent: no)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput("low", "Trường low phải là true hoặc false.", "The low field must be true or false.")
    return value


def pickup_code(value: Any) -> str:
    """An 8-digit pickup code."""
    s = _string("code", value, "Mã nhận", "pickup code", 40)
    if not PICKUP_RE.fullmatch(s):
        raise InvalidInput("code", "Mã nhận phải gồm đúng 8 chữ số.", "The pickup code must be exactly 8 digits.")
    return s


def label(value: Any) -> str:
    """A compartment label as configured (1-16 letters, digits, '-' or '_')."""
    s = _string("compartment", value, "Tên ngăn", "compartment label", 40)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", s):
        raise InvalidInput("compartment", "Tên ngăn không hợp lệ.", "Not a valid compartment label.")
    return s


def name(field: str, value: Any, limit: int = 64) -> str:
    """A kiosk or actor name (or a reason): 1-``limit`` characters on one line, none invisible."""
    s = _string(field, value, field, field, limit)
    if not s or NAME_FORBIDDEN_RE.search(s):
        raise InvalidInput(field, f"{field} không hợp lệ.", f"The {field} is not valid.")
    return s


def whole_number(field: str, value: Any, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    """An int within the range (default: what an SQL INTEGER column holds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(field, f"{field} phải là số nguyên hợp lệ.", f"The {field} must be a valid whole number.")
    return value

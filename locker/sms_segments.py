"""What an SMS costs: Vietnamese without diacritics, and the segments a text needs.

A text in the GSM 03.38 alphabet (GSM-7) fits 160 characters in one segment, 153 per
segment once split; characters of the extension table (``^ { } \\ [ ~ ] | €``, form
feed) take two. Any other character makes the whole message UCS-2: 70 in one segment,
67 per segment once split (a character outside the Basic Multilingual Plane takes two).

>>> transliterate("Đã nhận hồ sơ tại ngăn A07, Quận Gò Vấp")
'Da nhan ho so tai ngan A07, Quan Go Vap'
>>> segments("Ma nhan: 12345678"), segments("Mã nhận: 12345678")
(Segments(encoding='gsm7', units=17, count=1), Segments(encoding='ucs2', units=17, count=1))
>>> segments("x" * 161).count, segments("€" * 81).count, segments("ư" * 71).count
(2, 2, 2)
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

#: The GSM 03.38 default alphabet (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: an escape septet and one more, so two each.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_SINGLE, _MULTI = {"gsm7": 160, "ucs2": 70}, {"gsm7": 153, "ucs2": 67}
#: Letters that lose more than a combining mark: đ is a letter of its own in Unicode.
_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ơ": "o", "Ơ": "O", "ư": "u", "Ư": "U"})
#: Typographic marks a gateway would otherwise turn into UCS-2.
_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...",
                              "\u00a0": " "})


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int


def transliterate(text: str) -> str:
    """Vietnamese written without diacritics (``đ`` -> ``d``), the way SMS brand names send it."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS).translate(_PUNCTUATION))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).translate(_LETTERS)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> Segments:
    """The encoding a gateway must use for ``text`` and the segments it takes."""
    if is_gsm7(text):
        encoding, units = "gsm7", sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    else:
        encoding, units = "ucs2", len(text.encode("utf-16-le")) // 2
    if units <= _SINGLE[encoding]:
        return Segments(encoding, units, 1)
    return Segments(encoding, units, math.ceil(units / _MULTI[encoding]))


def single_segment_limit(encoding: str) -> int:
    """Units that fit in one segment: 160 for ``gsm7``, 70 for ``ucs2``."""
    return _SINGLE[encoding]

"""Every string the pages show, the console's and the kiosk's, has a Vietnamese and an English
translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.catalogs import po_path

ROOT = Path(__file__).resolve().parents[2]
# As `make messages` extracts them: N_ marks the kiosk's words in Python, bi(...) in its templates.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None, "bi": None}


def used_msgids() -> set[str]:
    with (ROOT / "api" / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def catalog(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id and not m.fuzzy}


def test_the_extraction_finds_the_console_strings():
    used = used_msgids()
    assert {"Sign in", "Sign out", "Account name"} <= used


def test_the_extraction_finds_the_kiosk_words():
    used = used_msgids()
    assert {"Need more time?", "Drop off a dossier", "Wait a moment, then try again.",  # words.py, index.html,
            "Opening a compartment. Please wait.", "Help: %(contact)s."} <= used       # sounds.py, guidance.py


def test_every_msgid_in_templates_and_code_has_vi_and_en():
    used = used_msgids()
    for lang in ("vi", "en"):
        translated = {msgid for msgid, string in catalog(lang).items() if string}
        missing = sorted(used - translated)
        assert not missing, f"{lang}: no translation for {missing}"


def test_the_vietnamese_catalog_is_vietnamese():
    vi = catalog("vi")
    assert vi["Sign in"] == "Đăng nhập"
    untranslated = sorted(msgid for msgid, string in vi.items() if string == msgid and len(msgid) > 12)
    assert not untranslated, f"vi strings left in English: {untranslated}"


def test_placeholders_survive_translation():
    import re

    for lang in ("vi", "en"):
        for msgid, string in catalog(lang).items():
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", string)), (lang, msgid)

"""The kiosk's words come from the message catalogs, in both languages: every word the page's
scripts use is there, translated, with its blanks; the page carries them as ``T``."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from api.catalogs import both, strings
from api.kiosk.words import LANG_BUTTON, WORDS, page_words
from tests.unit.test_console_catalogs import used_msgids
from tests.unit.test_http_kiosk_page import client, page_scripts  # noqa: F401 (client: a fixture)

KIOSK = Path(__file__).resolve().parents[2] / "api" / "kiosk"
BLANK = re.compile(r"\{(\w)\}")


def keys_the_scripts_use() -> set[str]:
    """``T.key``, ``data-t="key"`` and the prefixes of ``T[`prefix_${...}`]``, as ``prefix_*``."""
    scripts = "\n".join(p.read_text(encoding="utf-8") for p in (KIOSK / "static").glob("*.js"))
    templates = "\n".join(p.read_text(encoding="utf-8") for p in (KIOSK / "templates").rglob("*.html"))
    keys = set(re.findall(r"\bT\.(\w+)", scripts)) | set(re.findall(r'data-t="(\w+)"', templates))
    return keys | {f"{prefix}*" for prefix in re.findall(r"\bT\[`(\w+)\$\{", scripts)}


def test_every_word_the_page_uses_is_in_the_catalogs_in_both_languages():
    words = page_words()
    used = keys_the_scripts_use()
    assert {"where", "more_time_question", "rating_skip", "lookup_title", "access_slow", "scan_*"} <= used
    for key in used:
        found = [k for k in words if k == key or (key.endswith("*") and k.startswith(key[:-1]))]
        assert found, f"the kiosk uses T.{key}, which is not in api/kiosk/words.py"
    for key, msgid in WORDS.items():
        for lang in ("vi", "en"):
            assert strings(lang).get(msgid), f"{lang}: no translation for the kiosk's {key!r}: {msgid!r}"
        vi, en = words[key]
        assert vi != en or len(en) <= 12, f"{key!r} is not Vietnamese: {vi!r}"


def test_a_missing_kiosk_translation_is_found(monkeypatch):
    """The check above fails when a catalog loses a kiosk word (here: Vietnamese loses "where")."""
    catalogs = {lang: dict(strings(lang)) for lang in ("vi", "en")}
    del catalogs["vi"][WORDS["where"]]
    monkeypatch.setattr("tests.unit.test_kiosk_catalogs.strings", catalogs.__getitem__)
    with pytest.raises(AssertionError, match="vi: no translation for the kiosk's 'where'"):
        test_every_word_the_page_uses_is_in_the_catalogs_in_both_languages()


def test_every_kiosk_word_is_extracted_by_make_messages():
    assert set(WORDS.values()) <= used_msgids()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_blanks_survive_translation(lang):
    for msgid, string in strings(lang).items():
        assert sorted(BLANK.findall(msgid)) == sorted(BLANK.findall(string)), (lang, msgid)


def test_the_page_carries_the_words_and_writes_none_inline(client):
    c, _ = client
    page = c.get("/").get_data(as_text=True)
    carried = re.search(r'<script type="application/json" id="kiosk-words">(.*?)</script>', page, re.S)
    assert json.loads(html.unescape(carried.group(1))) == page_words()
    assert page_words()["where"] == ["Ô {c}, hàng {r}, cột {k}", "Compartment {c}, row {r}, column {k}"]
    assert page_words()["lang_button"] == list(LANG_BUTTON)
    assert '<span class="vi">Gửi hồ sơ</span><span class="en">Drop off a dossier</span>' in page   # bi(...)
    templates = "\n".join(p.read_text(encoding="utf-8") for p in (KIOSK / "templates" / "kiosk").glob("*.html")
                          if p.name != "pickup_link.html")
    assert not re.search(r'<span class="vi">[^<{]', templates), "kiosk words belong in the catalogs: use bi(...)"
    scripts = page_scripts(c)
    assert "export const T = JSON.parse(" in scripts["text.js"]
    assert not re.search(r"[ạảãàáâậầấẩẫăắằặẳẵđêệềếểễôộồốổỗơợờớởỡưựừứửữ]", "\n".join(
        text for name, text in scripts.items())), "Vietnamese words in a script: put them in the catalogs"


def test_help_and_spoken_prompts_come_from_the_catalogs():
    from api.kiosk import guidance, sounds

    assert guidance.NEXT_STEPS["dossier_unknown"] == both(
        "Check the dossier code; the locker knows only dossiers dropped off or returned through it.")
    assert sounds.PROMPTS["opening"] == ("Đang mở ngăn tủ. Xin chờ một chút.", "Opening a compartment. Please wait.")

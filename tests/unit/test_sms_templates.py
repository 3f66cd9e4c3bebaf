"""Every SMS template measured: one GSM-7 segment with realistic values, the pickup code
alone on its line in either language, Vietnamese without diacritics, and the segment
counter's arithmetic."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from locker import notice_templates as templates
from locker.sms_segments import GSM7_BASIC, is_gsm7, segments, transliterate

KINDS_SENT_TODAY = {"result_ready", "reissued", "pickup_link", "dropoff_receipt", "pickup_receipt", "printer_fallback"}
KINDS_FOR_OTHER_PARTS = {"reminder", "extended", "expired", "code_entry_locked"}
DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def test_every_message_kind_has_a_template_in_both_languages_and_a_subject():
    assert set(templates.SMS) == KINDS_SENT_TODAY | KINDS_FOR_OTHER_PARTS == set(templates.EMAIL_SUBJECTS)
    assert all(len(pair) == 2 and all(pair) for pair in templates.SMS.values())


@pytest.mark.parametrize("kind", sorted(templates.SMS))
@pytest.mark.parametrize("lang", templates.LANGUAGES)
def test_each_template_with_realistic_values_is_one_gsm7_segment(kind, lang):
    text = templates.sms(kind, lang, "gsm7", **templates.SAMPLE)
    measured = segments(text)
    assert (measured.encoding, measured.count) == ("gsm7", 1), (measured, text)
    assert templates.SAMPLE["dossier"] in text, "realistic codes are never shortened"
    for value in ("label", "number", "link", "hotline"):
        if "{" + ("help" if value == "hotline" else value) + "}" in templates.SMS[kind][0]:
            assert templates.SAMPLE[value] in text, value


@pytest.mark.parametrize("kind", sorted(templates.SMS))
@pytest.mark.parametrize("lang", templates.LANGUAGES)
def test_the_longest_values_allowed_still_fit_by_shortening_the_dossier_code_only(kind, lang):
    longest = {**templates.SAMPLE, "dossier": "X" * 60 + "9876", "label": "L" * 16, "hotline": "+84 (028) 3855-1234 99"}
    text = templates.sms(kind, lang, "gsm7", **longest)
    assert segments(text).count == 1, text
    if "{dossier}" in templates.SMS[kind][0]:  # whole, or its end kept and marked as cut
        assert longest["dossier"] in text or re.search(r"(?<!X)\.\.X{2,}9876\b", text), text
    if kind in ("result_ready", "reissued"):
        assert "48151623" in text


@pytest.mark.parametrize("kind", ["result_ready", "reissued"])
@pytest.mark.parametrize("lang", templates.LANGUAGES)
@pytest.mark.parametrize("encoding", templates.ENCODINGS)
def test_the_pickup_code_stands_alone_on_the_first_line_in_either_language(kind, lang, encoding):
    text = templates.sms(kind, lang, encoding, **templates.SAMPLE)
    first, rest = text.split("\n", 1)
    label = {"vi": "Ma nhan" if encoding == "gsm7" else "Mã nhận", "en": "Pickup code"}[lang]
    assert re.fullmatch(label + r"( moi| mới|)?: 48151623", first.replace("New pickup code", "Pickup code"))
    assert re.findall(r"(?<!\d)\d{8}(?!\d)", text) == ["48151623"] and "48151623" not in rest


def test_unicode_keeps_the_diacritics_and_gsm7_drops_them():
    vi_unicode = templates.sms("dropoff_receipt", "vi", "unicode", **templates.SAMPLE)
    vi_gsm7 = templates.sms("dropoff_receipt", "vi", "gsm7", **templates.SAMPLE)
    assert vi_unicode.startswith("Tủ hồ sơ: đã nhận hồ sơ") and segments(vi_unicode).encoding == "ucs2"
    assert vi_gsm7.startswith("Tu ho so: da nhan ho so") and is_gsm7(vi_gsm7)
    assert transliterate(vi_unicode) == vi_gsm7


def test_an_unknown_language_falls_back_to_vietnamese():
    assert templates.sms("expired", "fr", "gsm7", dossier="A1").startswith("Ho so A1 da het han")


def test_transliteration_covers_every_vietnamese_letter():
    lower = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    expected = "a" * 18 + "e" * 12 + "i" * 6 + "o" * 18 + "u" * 12 + "y" * 6 + "d"
    assert transliterate(lower) == expected
    assert transliterate(lower.upper()) == expected.upper()
    assert transliterate("Phường Bến Thành – “Một cửa”…") == 'Phuong Ben Thanh - "Mot cua"...'
    assert all(ch in GSM7_BASIC for ch in transliterate(lower + lower.upper()))


def test_the_segment_counter():
    assert segments("a" * 160) == segments("a" * 160) and segments("a" * 160).count == 1
    assert [segments("a" * n).count for n in (153 * 2, 153 * 2 + 1)] == [2, 3]
    assert segments("[" * 80).units == 160 and segments("[" * 80).count == 1  # extension table: two each
    assert segments("[" * 80 + "a").count == 2
    assert segments("ư" * 70).count == 1 and segments("ư" * 67 * 2).count == 2 and segments("ư" * 135).count == 3
    assert segments("😀" * 35).units == 70 and segments("😀" * 36).count == 2  # outside the BMP: two units
    assert segments("").count == 1


def test_the_email_carries_both_languages_with_diacritics_and_the_link():
    subject, body = templates.email("result_ready", office="UBND Phường 6", **templates.SAMPLE)
    assert subject == "Kết quả hồ sơ 000.00.19.H29-241129-000123 đã sẵn sàng / Result of dossier " \
                      "000.00.19.H29-241129-000123 ready"
    assert body.startswith("Mã nhận: 48151623\nHồ sơ 000.00.19.H29-241129-000123 đã có kết quả")
    assert "Pickup code: 48151623" in body and templates.SAMPLE["link"] in body and "UBND Phường 6" in body


def test_the_alarm_digest_lists_each_alarm_with_its_time_in_vietnam():
    t = datetime(2026, 3, 1, 1, 2, tzinfo=timezone.utc)
    subject, body = templates.alarm_digest(office="UBND P.6", alarms=[
        {"seq": 7, "time": t, "kind": "jam", "compartment": "A01", "dossier_code": None},
        {"seq": 9, "time": t, "kind": "sms_undeliverable", "compartment": None, "dossier_code": None}])
    assert subject == "UBND P.6: 2 cảnh báo mới / 2 new alarms"
    assert ("#7  08:02 01/03/2026  jam (Khóa bị kẹt / Lock jammed)  A01\n"
            "#9  08:02 01/03/2026  sms_undeliverable (Không gửi được SMS / SMS undeliverable)\n") in body


def test_the_segments_table_in_the_docs_is_current():
    """docs/notifications.md holds the output of ``python -m locker.notice_templates``."""
    assert templates.segments_table() in DOC.read_text(encoding="utf-8")

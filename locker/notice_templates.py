"""Every SMS and email text the cabinet sends, by message kind, in Vietnamese and English.

An SMS is in one language, the citizen's (the kiosk screen's language at the drop-off,
else Vietnamese). With ``[notify.sms] encoding = "gsm7"`` (the default) it is written
without diacritics and kept to one 160-character GSM-7 segment: a dossier code too
long to fit is shortened from the left (``..H29-241129-0001``); the pickup code is never
cut and stands on its own first line. An email carries both languages, with diacritics.

>>> from datetime import datetime, timezone
>>> t = datetime(2026, 11, 29, 2, 5, tzinfo=timezone.utc)
>>> print(sms("result_ready", "vi", "gsm7", dossier="H01/7", label="A07", code="12345678", until=t))
Ma nhan: 12345678
Ho so H01/7 da co ket qua tai tu ho so, ngan A07. Nhan truoc 29/11/2026.
>>> print(sms("result_ready", "en", "unicode", dossier="H01/7", label="A07", code="12345678", until=t))
Pickup code: 12345678
Dossier H01/7: the result is in locker compartment A07. Collect by 29/11/2026.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from .alarm_kinds import KIND_TEXT
from .sms_segments import segments, single_segment_limit, transliterate

VN_TIME = timezone(timedelta(hours=7))
LANGUAGES = ("vi", "en")
ENCODINGS = ("gsm7", "unicode")
#: The shortest a dossier code is cut to when a message would not fit one segment.
_SHORTEST_CODE = 8

#: kind -> (Vietnamese, English). Placeholders: dossier, label, code, until (a date),
#: at (a time and date), number (receipt number), link, help (the hotline sentence or "").
SMS: dict[str, tuple[str, str]] = {
    "result_ready": (
        "Mã nhận: {code}\nHồ sơ {dossier} đã có kết quả tại tủ hồ sơ, ngăn {label}. Nhận trước {until}.{help}",
        "Pickup code: {code}\nDossier {dossier}: the result is in locker compartment {label}. Collect by {until}.{help}",
    ),
    "reissued": (
        "Mã nhận mới: {code}\nHồ sơ {dossier}, ngăn {label}. Mã cũ không còn dùng được. Nhận trước {until}.{help}",
        "New pickup code: {code}\nDossier {dossier}, compartment {label}. Earlier codes are void. "
        "Collect by {until}.{help}",
    ),
    "pickup_link": (
        "Mã QR nhận hồ sơ {dossier} tại tủ: {link}",
        "QR for dossier {dossier}: {link}",
    ),
    "reminder": (
        "Nhắc: kết quả hồ sơ {dossier} ở ngăn {label} cần nhận trước {at}. Dùng mã nhận đã gửi.{help}",
        "Reminder: collect dossier {dossier} from compartment {label} by {at} with the code sent.{help}",
    ),
    "extended": (
        "Hồ sơ {dossier}: hạn nhận kết quả ở ngăn {label} được gia hạn đến {at}. Mã nhận vẫn dùng được.{help}",
        "Dossier {dossier}: collect the result in compartment {label} by {at}. Your code still works.{help}",
    ),
    "expired": (
        "Hồ sơ {dossier} đã hết hạn nhận tại tủ; kết quả được chuyển về quầy Một cửa.{help}",
        "Dossier {dossier}: the pickup time is over; the result is back at the counter.{help}",
    ),
    "code_entry_locked": (
        "Hồ sơ {dossier}: nhập sai mã nhiều lần, đã khóa nhập mã. Vẫn nhận được bằng mã QR "
        "hoặc xin mã mới tại quầy.{help}",
        "Dossier {dossier}: too many wrong codes, code entry is locked. Use the QR, "
        "or get a new code at the counter.{help}",
    ),
    "dropoff_receipt": (
        "Tủ hồ sơ: đã nhận hồ sơ {dossier} lúc {at}, ngăn {label}. Khi có kết quả sẽ nhắn tin cho bạn.",
        "Locker: dossier {dossier} received {at}, compartment {label}. We will text you when it is ready.",
    ),
    "pickup_receipt": (
        "Tủ hồ sơ: bạn đã nhận kết quả hồ sơ {dossier} tại ngăn {label} lúc {at}. Xin cảm ơn.",
        "Locker: you collected the result of dossier {dossier} from compartment {label} at {at}. Thank you.",
    ),
    "printer_fallback": (
        "Biên nhận {number} (máy in hỏng): hồ sơ {dossier}, ngăn {label}, {at}.",
        "Receipt {number} (printer down): dossier {dossier}, compartment {label}, {at}.",
    ),
}
HELP = (" Hotline {hotline}.", " Hotline {hotline}.")

#: kind -> (Vietnamese, English) subject of the email sent with the SMS.
EMAIL_SUBJECTS: dict[str, tuple[str, str]] = {
    "result_ready": ("Kết quả hồ sơ {dossier} đã sẵn sàng", "Result of dossier {dossier} ready"),
    "reissued": ("Mã nhận mới cho hồ sơ {dossier}", "New pickup code for dossier {dossier}"),
    "pickup_link": ("Mã QR nhận hồ sơ {dossier}", "QR code for dossier {dossier}"),
    "reminder": ("Nhắc nhận kết quả hồ sơ {dossier}", "Reminder: dossier {dossier}"),
    "extended": ("Gia hạn nhận kết quả hồ sơ {dossier}", "Dossier {dossier}: pickup deadline extended"),
    "expired": ("Hồ sơ {dossier} đã hết hạn nhận tại tủ", "Dossier {dossier}: pickup time over"),
    "code_entry_locked": ("Hồ sơ {dossier}: đã khóa nhập mã", "Dossier {dossier}: code entry locked"),
    "dropoff_receipt": ("Biên nhận gửi hồ sơ {dossier}", "Drop-off receipt for dossier {dossier}"),
    "pickup_receipt": ("Biên nhận trả kết quả hồ sơ {dossier}", "Pickup receipt for dossier {dossier}"),
    "printer_fallback": ("Biên nhận {number}, hồ sơ {dossier}", "Receipt {number}, dossier {dossier}"),
}
DIGEST_SUBJECT = "{office}: {count} cảnh báo mới / {count} new {alarms}"

#: Realistic longest values, measured by the segment test and docs/notifications.md:
#: a national one-stop dossier code, a long compartment label, a hotline with spaces.
SAMPLE = {
    "dossier": "000.00.19.H29-241129-000123", "label": "B-TANG2-16", "code": "48151623",
    "until": datetime(2026, 12, 31, 16, 59, tzinfo=timezone.utc),
    "at": datetime(2026, 12, 31, 16, 59, tzinfo=timezone.utc),
    "number": "G-1234567", "link": "https://motcua.quan6.hochiminhcity.gov.vn/q/LK1.1234567."
                                   "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    "hotline": "(028) 3855 1234",
}


def local_time(t: datetime) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam's time."""
    return t.astimezone(VN_TIME).strftime("%H:%M %d/%m/%Y")


def local_date(t: datetime) -> str:
    return t.astimezone(VN_TIME).strftime("%d/%m/%Y")


def language(value: Any) -> str:
    """A known language, Vietnamese for anything else."""
    return value if value in LANGUAGES else "vi"


def _values(lang: str, *, dossier: str, label: str = "", code: str = "", until: datetime | None = None,
            at: datetime | None = None, number: str = "", link: str = "", hotline: str = "") -> dict[str, str]:
    help_text = HELP[LANGUAGES.index(lang)].format(hotline=hotline) if hotline else ""
    return {"dossier": dossier, "label": label, "code": code, "until": local_date(until) if until else "",
            "at": local_time(at) if at else "", "number": number, "link": link, "help": help_text}


def sms(kind: str, lang: str, encoding: str, **values: Any) -> str:
    """The SMS of ``kind`` in ``lang`` (``vi``/``en``), fitted to one segment for ``gsm7``."""
    lang = language(lang)
    template = SMS[kind][LANGUAGES.index(lang)]
    filled = _values(lang, **values)
    text = _render(template, filled, encoding)
    original = keep = filled["dossier"]
    while encoding == "gsm7" and segments(text).count > 1 and len(keep) > _SHORTEST_CODE:
        over = segments(text).units - single_segment_limit("gsm7")
        tail = max(_SHORTEST_CODE, len(keep) - over - (0 if keep is not original else 2))
        keep = ".." + original[-tail:] if tail < len(original) else original
        if keep == original:
            break
        text = _render(template, {**filled, "dossier": keep}, encoding)
    return text


def _render(template: str, values: Mapping[str, str], encoding: str) -> str:
    text = template.format(**values)
    return transliterate(text) if encoding == "gsm7" else text


def email(kind: str, *, office: str, **values: Any) -> tuple[str, str]:
    """(subject, body) of the email sent with an SMS of ``kind``: Vietnamese, then English."""
    vi, en = (_values(lang, **values) for lang in LANGUAGES)
    subject = " / ".join(s.format(**v) for s, v in zip(EMAIL_SUBJECTS[kind], (vi, en)))
    body_vi, body_en = (t.format(**v) for t, v in zip(SMS[kind], (vi, en)))
    link = f"\n\nMã QR / QR code: {vi['link']}" if vi["link"] and "{link}" not in SMS[kind][0] else ""
    body = f"{body_vi}\n\n---\n\n{body_en}{link}\n\n-- \n{office}\n"
    return subject, body


def alarm_digest(*, office: str, alarms: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """(subject, body) listing new alarms for clerks: time, kind, compartment, dossier."""
    rows = list(alarms)
    lines = ["Cảnh báo mới của tủ hồ sơ / New alarms of the locker cabinet:", ""]
    for alarm in rows:
        where = " ".join(part for part in (alarm.get("compartment") or "", alarm.get("dossier_code") or "") if part)
        vi, en = KIND_TEXT.get(alarm["kind"], ("", ""))  # type: ignore[call-overload]
        named = f"{alarm['kind']} ({vi} / {en})" if vi else alarm["kind"]
        lines.append(f"#{alarm['seq']}  {local_time(alarm['time'])}  {named}  {where}".rstrip())
    lines += ["", "Xem và xử lý trên trang điều hành / see and handle them on the console.", "", "-- ", office, ""]
    alarms_word = "alarm" if len(rows) == 1 else "alarms"
    return DIGEST_SUBJECT.format(office=office, count=len(rows), alarms=alarms_word), "\n".join(lines)


def segments_table() -> str:
    """The Markdown table of docs/notifications.md: every SMS kind's length and segments with
    :data:`SAMPLE` values, per language and encoding (``python -m locker.notice_templates``)."""
    rows = ["| kind | language | gsm7: characters | gsm7: segments | unicode: units | unicode: segments |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    for kind in SMS:
        for lang in LANGUAGES:
            gsm, uni = (segments(sms(kind, lang, encoding, **SAMPLE)) for encoding in ENCODINGS)
            rows.append(f"| `{kind}` | {lang} | {gsm.units} | {gsm.count} | {uni.units} | {uni.count} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(segments_table(), end="")

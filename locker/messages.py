"""Every text the cabinet sends or prints for a citizen: SMS and receipts.

Vietnamese first, then English. Kept in one module so that the SMS wording can be
reworked (for instance into one GSM-7 segment) in one place.

>>> from datetime import datetime, timezone
>>> t = datetime(2026, 11, 29, 2, 5, tzinfo=timezone.utc)
>>> dropoff_sms("H01/7", "A07", t)[:61]
'Tủ hồ sơ: đã nhận hồ sơ H01/7 lúc 09:05 29/11/2026, ngăn A07.'
>>> [line.text for line in receipt_lines("dropoff", office="UBND P.6", number="G-3", dossier_code="H01/7",
...                                        compartment="A07", time=t)][:3]
['UBND P.6', 'BIÊN NHẬN GỬI HỒ SƠ', 'Drop-off receipt']
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .ports import ReceiptKind, ReceiptLine

VN_TIME = timezone(timedelta(hours=7))

#: What happens next, by receipt kind: (Vietnamese, English).
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "dropoff": ("Cán bộ sẽ xử lý hồ sơ và nhắn tin cho bạn khi có kết quả.",
                "A clerk will process the dossier and text you when the result is ready."),
    "pickup": ("Bạn đã nhận kết quả hồ sơ. Xin cảm ơn.",
               "You have collected the result of your dossier. Thank you."),
}
TITLES: dict[str, tuple[str, str]] = {
    "dropoff": ("BIÊN NHẬN GỬI HỒ SƠ", "Drop-off receipt"),
    "pickup": ("BIÊN NHẬN TRẢ KẾT QUẢ", "Pickup receipt"),
}


def local_time(t: datetime) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam's time."""
    return t.astimezone(VN_TIME).strftime("%H:%M %d/%m/%Y")


def credential_sms(dossier_code: str, label: str, code: str, expires_at: datetime, qr: str, public_url: str) -> str:
    """Vietnamese first, then English; the pickup code is the only 8-digit number."""
    until = expires_at.astimezone(VN_TIME).strftime("%d/%m/%Y")
    text = (f"Hồ sơ {dossier_code} đã có kết quả tại tủ, ngăn {label}. Mã nhận: {code}. "
            f"Hết hạn {until}. / Dossier {dossier_code}: the result is ready in locker compartment {label}; "
            f"use the pickup code above before {until}.")
    if public_url:
        text += f" {public_url.rstrip('/')}/q/{qr}"
    return text


def reminder_sms(dossier_code: str, label: str, deadline: datetime) -> str:
    """Sent once, ``[expiry] reminder_hours`` before a waiting result's deadline."""
    until = local_time(deadline)
    return (f"Hồ sơ {dossier_code}: kết quả ở ngăn {label} cần được nhận trước {until}. / Dossier {dossier_code}: "
            f"please pick up the result in compartment {label} before {until}.")


def extension_sms(dossier_code: str, label: str, deadline: datetime) -> str:
    """Sent when a clerk extends a result's deadline."""
    until = local_time(deadline)
    return (f"Hồ sơ {dossier_code}: hạn nhận kết quả ở ngăn {label} được gia hạn đến {until}. / "
            f"Dossier {dossier_code}: the result in compartment {label} can now be picked up until {until}.")


def dropoff_sms(dossier_code: str, label: str, time: datetime) -> str:
    at = local_time(time)
    return (f"Tủ hồ sơ: đã nhận hồ sơ {dossier_code} lúc {at}, ngăn {label}. {NEXT_STEPS['dropoff'][0]} / "
            f"Dossier {dossier_code} received {at}, compartment {label}. We will text you when it is ready.")


def pickup_sms(dossier_code: str, label: str, time: datetime) -> str:
    at = local_time(time)
    return (f"Tủ hồ sơ: bạn đã nhận kết quả hồ sơ {dossier_code} tại ngăn {label} lúc {at}. / "
            f"You collected the result of dossier {dossier_code} from compartment {label} at {at}.")


def receipt_sms(number: str, dossier_code: str, label: str, time: datetime) -> str:
    """The receipt as a short SMS, when the printer could not print it."""
    at = local_time(time)
    return (f"Biên nhận {number} (máy in hỏng): hồ sơ {dossier_code}, ngăn {label}, {at}. / "
            f"Receipt {number} (printer down): dossier {dossier_code}, compartment {label}, {at}.")


def receipt_lines(kind: ReceiptKind, *, office: str, number: str, dossier_code: str, compartment: str,
                  time: datetime) -> list[ReceiptLine]:
    """What a receipt says, line by line (the QR of the dossier code follows them)."""
    title_vi, title_en = TITLES[kind]
    next_vi, next_en = NEXT_STEPS[kind]
    return [
        ReceiptLine(office, "title"),
        ReceiptLine(title_vi, "title"),
        ReceiptLine(title_en, "subtitle"),
        ReceiptLine(f"Mã hồ sơ / Dossier: {dossier_code}", "big"),
        ReceiptLine(f"Ngăn / Compartment: {compartment}"),
        ReceiptLine(f"Thời gian / Time: {local_time(time)}"),
        ReceiptLine(next_vi),
        ReceiptLine(next_en, "small"),
        ReceiptLine(f"Số biên nhận / Receipt no.: {number}", "small"),
    ]

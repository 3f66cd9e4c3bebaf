"""What a receipt says, line by line: Vietnamese first, then English. The SMS and email
texts are in :mod:`locker.notice_templates`.

>>> from datetime import datetime, timezone
>>> t = datetime(2026, 11, 29, 2, 5, tzinfo=timezone.utc)
>>> [line.text for line in receipt_lines("dropoff", office="UBND P.6", number="G-3", dossier_code="H01/7",
...                                        compartment="A07", time=t)][:3]
['UBND P.6', 'BIÊN NHẬN GỬI HỒ SƠ', 'Drop-off receipt']
"""

from __future__ import annotations

from datetime import datetime

from .notice_templates import VN_TIME, local_time
from .ports import ReceiptKind, ReceiptLine

__all__ = ["NEXT_STEPS", "TITLES", "VN_TIME", "local_time", "receipt_lines"]

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

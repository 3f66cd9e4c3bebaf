"""Personal data as logs and pages may show it: phone numbers and addresses masked,
pickup codes and QR links replaced.

>>> mask_phone("0912345678"), mask_phone("+84912345678"), mask_email("lan.nguyen@example.vn")
('09******78', '+84*******78', 'l*********@example.vn')
>>> redact("Ma nhan: 12345678\\nQR: https://x.vn/q/LK1.7.abc.def")
'Ma nhan: ********\\nQR: https://x.vn/q/[redacted]'
"""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    """The first two and the last two digits (``+84`` kept): ``09******78``; a short one all stars."""
    head = 3 if phone.startswith("+") else 2
    if len(phone) < head + 4:
        return "*" * len(phone)
    return phone[:head] + "*" * (len(phone) - head - 2) + phone[-2:]


def mask_email(address: str) -> str:
    """The first letter of the local part and the domain: ``l*********@example.vn``."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "*" * len(address)
    return local[:1] + "*" * max(len(local) - 1, 1) + "@" + domain


def redact(text: str) -> str:
    """The text without pickup codes (8 digits standing alone) and QR links."""
    text = re.sub(r"/q/\S+", "/q/[redacted]", text)
    return re.sub(r"(?<![0-9])[0-9]{8}(?![0-9])", "********", text)

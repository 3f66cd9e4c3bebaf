"""What a receipt printer's settings may be, importable without pyserial or python-escpos.

>>> WIDTH_DOTS[80]
576
"""

from __future__ import annotations

import re

#: Paper width in millimetres -> printable dots across (203 dpi heads).
WIDTH_DOTS = {58: 384, 80: 576}
TCP_URL = re.compile(r"tcp://(\[[0-9a-fA-F:]+\]|[^:/\[\]]+):(\d{1,5})")
USB_URL = re.compile(r"usb://([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})")


def check_url(url: str) -> str:
    """A problem with a printer URL, or "" when it can be tried.

    >>> check_url("tcp://10.0.0.5:9100"), check_url("usb://04b8:0202"), check_url("/dev/ttyUSB0")
    ('', '', '')
    >>> check_url("tcp://printer")
    'a network printer is tcp://HOST:PORT'
    """
    if url.startswith("tcp://"):
        found = TCP_URL.fullmatch(url)
        return "" if found and 1 <= int(found.group(2)) <= 65535 else "a network printer is tcp://HOST:PORT"
    if url.startswith("usb://"):
        return "" if USB_URL.fullmatch(url) else "a USB printer is usb://VENDOR:PRODUCT in hexadecimal"
    if url.startswith("/") or re.match(r"[a-z][a-z0-9+]*://", url):
        return ""
    return "must be tcp://HOST:PORT, usb://VENDOR:PRODUCT, a device path or a pyserial URL"

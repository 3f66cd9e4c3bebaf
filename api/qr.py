"""QR codes as PNG images, for the SMS link's page and for receipts shown on the kiosk's screen.

>>> data_url("HS-1").startswith("data:image/png;base64,iVBOR")
True
"""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode


def png(data: str, *, box_size: int = 10) -> bytes:
    image = qrcode.make(data, box_size=box_size, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(data: str) -> str:
    return "data:image/png;base64," + base64.b64encode(png(data, box_size=6)).decode("ascii")


def with_receipt_qr(view: dict[str, Any]) -> dict[str, Any]:
    """A drop-off's or pickup's view, its ``receipt`` (if any) with the QR as an image the kiosk can show."""
    receipt = view.get("receipt")
    if not receipt:
        return view
    return {**view, "receipt": {**receipt, "qr_image": data_url(receipt["qr"])}}

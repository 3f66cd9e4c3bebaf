"""SMS notifiers: a generic HTTP gateway, and a log for the demo.

>>> n = LogNotifier()
>>> n.send_sms("0912345678", "Xin chào / hello")
>>> n.sent[-1]
('0912345678', 'Xin chào / hello')
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request

from .personal import mask_phone, redact
from .ports import NotifierError

log = logging.getLogger("locker.sms")


class HttpSmsNotifier:
    """POSTs ``{"to", "text"}`` as JSON to the gateway; anything but a 2xx is a failure."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def send_sms(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise NotifierError(f"SMS gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NotifierError(f"SMS gateway unreachable: {exc}") from None
        if not 200 <= status < 300:
            raise NotifierError(f"SMS gateway answered HTTP {status}")


class LogNotifier:
    """Logs each message (logger ``locker.sms``) and keeps the last few in ``sent``."""

    def __init__(self, keep: int = 50) -> None:
        self.keep = keep
        self.sent: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def send_sms(self, to: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(to), redact(text))
        with self._lock:
            self.sent.append((to, text))
            del self.sent[:-self.keep]

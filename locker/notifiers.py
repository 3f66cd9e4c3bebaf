"""SMS notifiers: a generic HTTP gateway, and a log for the demo.

The gateway request is configurable (``[notify.sms]``): extra headers (an API key, a
Basic authorization) and a body template for the common brand-name SMS APIs, sent as
JSON or as a form. The log never shows a pickup code, a QR link or a whole number.

>>> n = LogNotifier()
>>> n.send_sms("0912345678", "Ma nhan: 12345678")
>>> n.sent[-1]
('0912345678', 'Ma nhan: 12345678')
>>> body_of('{"phone": "{to_intl}", "content": "{text}"}', "json", to="0912345678", text='Ho so "A1"\\nxong')
b'{"phone": "84912345678", "content": "Ho so \\\\"A1\\\\"\\\\nxong"}'
>>> body_of("to={to}&msg={text}", "form", to="+84912345678", text="a b&c")
b'to=%2B84912345678&msg=a+b%26c'
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Mapping

from .personal import mask_phone, redact
from .ports import Delivery, NotifierError

log = logging.getLogger("locker.sms")

_PLACEHOLDER = re.compile(r"\{(to|to_intl|text)\}")
CONTENT_TYPES = {"json": "application/json; charset=utf-8",
                 "form": "application/x-www-form-urlencoded; charset=utf-8"}


def international(phone: str) -> str:
    """``84912345678`` for ``0912345678`` or ``+84912345678`` (what most gateways want)."""
    digits = phone.lstrip("+")
    return "84" + digits[1:] if digits.startswith("0") else digits


def body_of(template: str, content_type: str, *, to: str, text: str) -> bytes:
    """The request body: the template with its placeholders filled in, escaped for the content type."""
    if not template:
        return json.dumps({"to": to, "text": text}, ensure_ascii=False).encode("utf-8")
    values = {"to": to, "to_intl": international(to), "text": text}
    if content_type == "json":
        escape = lambda value: json.dumps(value, ensure_ascii=False)[1:-1]  # noqa: E731
    else:
        escape = lambda value: urllib.parse.quote_plus(value, encoding="utf-8")  # noqa: E731
    return _PLACEHOLDER.sub(lambda m: escape(values[m.group(1)]), template).encode("utf-8")


def find(document: Any, path: str) -> str:
    """The value at a dotted path (``data.id``, ``messages.0.id``) of a JSON answer, "" if absent."""
    node = document
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ""
    return "" if node is None or isinstance(node, (dict, list)) else str(node)[:100]


class HttpSmsNotifier:
    """POSTs each SMS to the gateway; anything but a 2xx is a failure (retried by the outbox)."""

    def __init__(self, url: str, timeout: float = 10.0, *, headers: Mapping[str, str] | None = None,
                 body_template: str = "", content_type: str = "json", message_id_path: str = "",
                 success_path: str = "", success_value: str = "") -> None:
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.body_template = body_template
        self.content_type = content_type
        self.message_id_path = message_id_path
        #: Gateways that answer 200 to a refusal say so in the body: the value at ``success_path`` must be
        #: ``success_value`` (e.g. ``CodeResult`` = ``100``).
        self.success_path = success_path
        self.success_value = success_value

    def send_sms(self, to: str, text: str) -> Delivery:
        body = body_of(self.body_template, self.content_type, to=to, text=text)
        headers = {"Content-Type": CONTENT_TYPES[self.content_type], "Accept": "application/json", **self.headers}
        req = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status, answer = resp.status, resp.read(65536)
        except urllib.error.HTTPError as exc:
            raise NotifierError(f"SMS gateway answered HTTP {exc.code}", status=exc.code) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NotifierError(f"SMS gateway unreachable: {exc}") from None
        if not 200 <= status < 300:
            raise NotifierError(f"SMS gateway answered HTTP {status}", status=status)
        document = _json(answer)
        if self.success_path:
            said = find(document, self.success_path)
            if said != self.success_value:
                raise NotifierError(f"SMS gateway refused the message: {self.success_path} = {said!r}",
                                    status=status)
        return Delivery(status=status, message_id=find(document, self.message_id_path) if self.message_id_path else "")


def _json(answer: bytes) -> Any:
    try:
        return json.loads(answer)
    except ValueError:
        return None


class LogNotifier:
    """Logs each message (logger ``locker.sms``) masked, and keeps the last few whole in ``sent``;
    ``forward`` (the demo's simulated phones) receives each message whole."""

    def __init__(self, keep: int = 50, *, forward: Callable[[str, str], None] | None = None) -> None:
        self.keep = keep
        self.forward = forward
        self.sent: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def send_sms(self, to: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(to), redact(text).replace("\n", " | "))
        with self._lock:
            self.sent.append((to, text))
            del self.sent[:-self.keep]
        if self.forward is not None:
            self.forward(to, text)

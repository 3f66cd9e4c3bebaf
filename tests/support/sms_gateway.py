"""A local HTTP SMS gateway that records what the service sends."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: A pickup code: 8 digits standing alone (the SMS puts it on its own first line).
STANDALONE_CODE = re.compile(r"(?<![0-9])[0-9]{8}(?![0-9])")


class SmsGateway:
    """Accepts ``POST /sms {"to", "text"}``; ``fail_next`` makes it answer 503.

    ``attempts`` holds the moment (``time.monotonic()``) and the answer of every request.
    """

    def __init__(self) -> None:
        self.messages: list[dict] = []
        #: Every accepted request: ``{"path", "headers", "body"}`` (body: raw bytes); ``reply``: what it answers with.
        self.requests: list[dict] = []
        self.reply = b'{"ok": true}'
        self.attempts: list[tuple[float, int]] = []
        self.fail_next = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if gateway.fail_next > 0:
                    gateway.fail_next -= 1
                    gateway.attempts.append((time.monotonic(), 503))
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.attempts.append((time.monotonic(), 200))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    gateway.messages.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(gateway.reply)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        #: Any path is accepted (a vendor's own, say): ``origin + path``.
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.origin + "/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def code_texts(self, dossier_code: str) -> list[str]:
        """The texts about ``dossier_code`` that carry a pickup code (its QR link comes in an SMS of its own)."""
        return [m["text"] for m in self.messages if dossier_code in m["text"] and "/q/" not in m["text"]
                and STANDALONE_CODE.search(m["text"])]

    def link_texts(self, dossier_code: str) -> list[str]:
        """The texts about ``dossier_code`` that carry its QR link."""
        return [m["text"] for m in self.messages if dossier_code in m["text"] and "/q/" in m["text"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

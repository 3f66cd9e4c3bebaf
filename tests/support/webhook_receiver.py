"""A local webhook receiver that does what docs/webhooks.md asks of one: it checks each
delivery's signature and timestamp (401 when they do not hold) and processes each event
id once. It can go down (its port closed) and come back on the same port, and can be
told to fail after processing (so the sender retries and sends a duplicate)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from locker.webhooks.signing import verify


class WebhookReceiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        #: Every request: (event id or None, HTTP status answered).
        self.requests: list[tuple[str | None, int]] = []
        #: The events processed, each id once, in the order they arrived.
        self.events: list[dict[str, Any]] = []
        self.duplicates: list[str] = []
        self.rejected = 0
        #: Answer 500 to this many deliveries after processing them.
        self.fail_after_processing = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.receive(body, self.headers.get("X-Locker-Timestamp", ""),
                                          self.headers.get("X-Locker-Signature", ""))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        return Handler

    def receive(self, body: bytes, timestamp: str, signature: str) -> int:
        with self._lock:
            if not verify(body, self.secret, timestamp, signature, now=time.time()):
                self.rejected += 1
                self.requests.append((None, 401))
                return 401
            event = json.loads(body)
            if event["id"] in self._seen:
                self.duplicates.append(event["id"])
            else:
                self._seen.add(event["id"])
                self.events.append(event)
            status = 200
            if self.fail_after_processing > 0:
                self.fail_after_processing -= 1
                status = 500
            self.requests.append((event["id"], status))
            return status

    def up(self) -> None:
        """Listen (again, on the same port once it had one)."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Close the port: deliveries meet a refused connection."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

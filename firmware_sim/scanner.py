"""A simulated serial line scanner (QR and barcodes, CDC/serial mode)."""

from __future__ import annotations

import threading
from collections import deque

from .transports import Endpoint

SUFFIXES = {"CRLF": b"\r\n", "CR": b"\r", "LF": b"\n"}


class SimScanner(Endpoint):
    """Sends each scanned code UTF-8 encoded, followed by the suffix (CR LF default).

    While no host is connected the last ``backlog`` codes are kept and sent when a
    host connects, so a scan right after connecting is not lost. Bytes from the
    host (trigger or menu commands) are accepted and ignored.

    >>> scanner = SimScanner(suffix="LF")
    >>> sent = []
    >>> scanner.scan("early")
    >>> scanner.attach(sent.append)
    >>> scanner.scan("HS-2024-0001")
    >>> sent
    [b'early\\n', b'HS-2024-0001\\n']
    """

    def __init__(self, *, suffix: str = "CRLF", backlog: int = 8) -> None:
        super().__init__()
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}")
        self.suffix = SUFFIXES[suffix]
        self._pending: deque[bytes] = deque(maxlen=backlog)
        self._mutex = threading.Lock()

    def scan(self, data: str) -> None:
        """The scanner reads ``data``."""
        payload = data.encode("utf-8") + self.suffix
        with self._mutex:
            if self.send(payload):
                return
            self._pending.append(payload)

    def receive(self, data: bytes) -> None:
        """Host commands are ignored: the simulated scanner is always in presentation mode."""

    def host_connected(self) -> None:
        with self._mutex:
            while self._pending and self.send(self._pending[0]):
                self._pending.popleft()

"""A simulated serial scanner (QR and barcodes, CDC/serial mode) of a chosen model."""

from __future__ import annotations

import threading
import time
from collections import deque

from .scanner_models import SIM_MODELS
from .endpoint import Endpoint

SUFFIXES = {"CRLF": b"\r\n", "CR": b"\r", "LF": b"\n"}
SCANNER_MODELS = tuple(SIM_MODELS)


class SimScanner(Endpoint):
    """Sends each code the way ``model`` does: a line with the suffix (CR LF default), or
    SSI packets for ``zebra-ssi``; host commands are answered as that model does
    (see :mod:`firmware_sim.scanner_models`).

    While no host is connected the last ``backlog`` codes are kept and sent when a
    host connects, so a scan right after connecting is not lost. A code shown while
    the scanner is not reading (disabled, or in trigger mode and not triggered) is
    dropped and counted in ``dropped``. ``trigger_mode`` powers the scanner up in
    trigger mode instead of presentation mode.

    >>> scanner = SimScanner(suffix="LF", model="datalogic")
    >>> sent = []
    >>> scanner.scan("early")
    >>> scanner.attach(sent.append)
    >>> scanner.receive(b"D"); scanner.scan("ignored")
    >>> scanner.receive(b"E"); _ = scanner.scan("HS-2024-0001")
    >>> sent, scanner.dropped
    ([b'early\\n', b'HS-2024-0001\\n'], 1)
    """

    def __init__(self, *, suffix: str = "CRLF", backlog: int = 8, model: str = "line",
                 trigger_mode: bool = False) -> None:
        super().__init__()
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}")
        if model not in SIM_MODELS:
            raise ValueError(f"model must be one of {', '.join(SIM_MODELS)}")
        self.suffix = SUFFIXES[suffix]
        self.model = SIM_MODELS[model](suffix=self.suffix, trigger_mode=trigger_mode)
        self.dropped = 0
        self._pending: deque[bytes] = deque(maxlen=backlog)
        self._mutex = threading.Lock()

    def scan(self, data: str) -> tuple[int, int] | None:
        """The scanner is shown ``data``. Returns ``time.monotonic_ns()`` just before its
        first byte and just after its last byte were handed to the host, or None when the
        code was dropped or kept for a host to come."""
        with self._mutex:
            if not self.model.reading():
                self.dropped += 1
                return None
            payload = self.model.encode(data)
            first = time.monotonic_ns()
            if self.send(payload):
                return first, time.monotonic_ns()
            self._pending.append(payload)
            return None

    def noise(self, data: bytes) -> None:
        """Raw bytes on the line (a glitch, a power-up burst), sent as they are."""
        with self._mutex:
            self.send(data)

    def receive(self, data: bytes) -> None:
        with self._mutex:
            reply = self.model.receive(data)
            if reply:
                self.send(reply)

    def state(self) -> dict:
        """``{"model", "enabled", "triggered", "mode", "awaiting_ack", "dropped"}``."""
        with self._mutex:
            return {**self.model.state(), "dropped": self.dropped}

    def host_connected(self) -> None:
        with self._mutex:
            while self._pending and self.send(self._pending[0]):
                self._pending.popleft()

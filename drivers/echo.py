"""Telling an RS485 adapter's echo of our own request from a board's answer.

Some adapters hear what they send. A frame equal to the request that arrives
within the family's echo window is held back as a likely echo; if nothing else
follows it within that window, it was the board's answer after all (an 8A board
with every door latched can answer a read with exactly the request's bytes).

>>> now = [0.0]
>>> request = bytes.fromhex("80 01 00 33 b2")
>>> echo = EchoFilter(request, window=0.1, clock=lambda: now[0])
>>> echo.offer(request) is None          # held: probably the echo
True
>>> now[0] = 0.05; echo.due() is None    # still waiting for the answer
True
>>> now[0] = 0.2; echo.due() == request  # nothing followed: it was the answer
True
"""

from __future__ import annotations

import time
from typing import Callable


class EchoFilter:
    def __init__(self, request: bytes, *, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._request = bytes(request)
        self._window = window
        self._clock = clock
        self._sent = clock()
        self._held: bytes | None = None
        self._held_at = 0.0
        self._seen = False

    def offer(self, frame: bytes) -> bytes | None:
        """The frame to parse now, or None while it is held as the likely echo."""
        if not self._seen and frame == self._request and self._clock() - self._sent < self._window:
            self._seen = True
            self._held, self._held_at = frame, self._clock()
            return None
        self._held = None
        return frame

    def due(self) -> bytes | None:
        """The held frame once nothing has followed it for the window; then it is the answer."""
        if self._held is not None and self._clock() - self._held_at >= self._window:
            held, self._held = self._held, None
            return held
        return None

    def leftover(self) -> bytes | None:
        """At the answer timeout: a held frame nobody followed is the answer."""
        held, self._held = self._held, None
        return held

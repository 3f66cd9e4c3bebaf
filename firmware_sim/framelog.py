"""The timestamped log of every frame on the simulated bus.

Each entry is a dict ``{"n", "t_ns", "dir", "hex"}``:

* ``n`` counts from 1 in the order frames were logged;
* ``t_ns`` is ``time.monotonic_ns()`` when the frame's last byte arrived from the
  host, or when a reply was handed to the host (on a paced line: when its first
  byte started out);
* ``t_first_ns`` and ``t_last_ns`` are the same clock at the start of the frame's
  first byte and the end of its last byte (stop bit) on the wire. On a paced line
  they follow the baud rate (a host frame crosses the wire from when the host wrote
  it, or when the line was free); otherwise they are when the first and the last
  byte reached the simulator (host frames) or the reply was handed over (both);
* ``dir`` is ``"host>board"`` or ``"board>host"``;
* ``hex`` is the bytes as space-separated upper-case pairs, e.g. ``"02 00 31 03 36"``.

Bytes the line could not frame (garbage, partial frames cut by a pause) are logged
as ``host>board`` entries too, so the log holds every byte the host sent.
"""

from __future__ import annotations

import threading
import time
from collections import deque

HOST_TO_BOARD = "host>board"
BOARD_TO_HOST = "board>host"


def to_hex(data: bytes) -> str:
    """Format bytes the way the frame log does.

    >>> to_hex(bytes([2, 0, 0x31, 3, 0x36]))
    '02 00 31 03 36'
    """
    return data.hex(" ").upper()


class FrameLog:
    """A bounded, thread-safe frame log; the oldest entries fall off the end.

    >>> log = FrameLog(capacity=2)
    >>> _ = log.add(HOST_TO_BOARD, b"\\x02\\x00\\x30\\x03\\x35")
    >>> _ = log.add(BOARD_TO_HOST, b"\\x02")
    >>> _ = log.add(HOST_TO_BOARD, b"\\x03")
    >>> [(e["n"], e["hex"]) for e in log.after(0)]
    [(2, '02'), (3, '03')]
    >>> [e["n"] for e in log.after(2)]
    [3]
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._next_n = 1
        self._lock = threading.Lock()

    def add(self, direction: str, data: bytes, t_ns: int | None = None, *,
            wire: tuple[int, int] | None = None) -> dict:
        """Append one frame; ``t_ns`` defaults to now, ``wire`` (first byte's start, last
        byte's end) to ``(t_ns, t_ns)``."""
        if direction not in (HOST_TO_BOARD, BOARD_TO_HOST):
            raise ValueError(f"unknown direction {direction!r}")
        stamp = time.monotonic_ns() if t_ns is None else t_ns
        first, last = wire or (stamp, stamp)
        with self._lock:
            entry = {"n": self._next_n, "t_ns": stamp, "t_first_ns": first, "t_last_ns": last, "dir": direction,
                     "hex": to_hex(data)}
            self._next_n += 1
            self._entries.append(entry)
        return dict(entry)

    def after(self, n: int = 0, limit: int | None = None) -> list[dict]:
        """Entries with a number greater than ``n``, oldest first (copies)."""
        with self._lock:
            if not self._entries:
                return []
            first = self._entries[0]["n"]
            start = max(0, n - first + 1)
            stop = len(self._entries) if limit is None else min(len(self._entries), start + max(0, limit))
            return [dict(self._entries[i]) for i in range(start, stop)]

    @property
    def last_n(self) -> int:
        """Number of the newest entry (0 when nothing was logged yet)."""
        with self._lock:
            return self._next_n - 1

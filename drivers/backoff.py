"""Exponential back-off between two bounds, for reopening vanished ports.

>>> delays = Backoff(0.5, 3.0)
>>> [delays.next() for _ in range(5)]
[0.5, 1.0, 2.0, 3.0, 3.0]
>>> delays.reset(); delays.next()
0.5
"""

from __future__ import annotations


class Backoff:
    def __init__(self, first: float, most: float) -> None:
        if not 0 < first <= most:
            raise ValueError(f"back-off bounds must satisfy 0 < first <= most, not ({first}, {most})")
        self.first = first
        self.most = most
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.most, delay * 2)
        return delay

    def reset(self) -> None:
        self._next = self.first

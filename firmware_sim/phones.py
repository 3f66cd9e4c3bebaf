"""The citizens' phones of the demo: every SMS the demo service sends, kept whole.

The service's log shows SMS masked (no pickup code, no whole number); the demo's
users and the browser tests read the messages here (``GET /sim/sms``).

>>> phones = SimPhones(keep=2)
>>> for text in ("a", "b", "c"):
...     phones.receive("0912345678", text)
>>> [m["text"] for m in phones.messages()], phones.messages(after=2)[0]["n"]
(['b', 'c'], 3)
"""

from __future__ import annotations

import threading
import time


class SimPhones:
    def __init__(self, keep: int = 200) -> None:
        self.keep = keep
        self._messages: list[dict] = []
        self._count = 0
        self._mutex = threading.Lock()

    def receive(self, to: str, text: str) -> None:
        with self._mutex:
            self._count += 1
            self._messages.append({"n": self._count, "time": time.time(), "to": to, "text": text})
            del self._messages[:-self.keep]

    def messages(self, after: int = 0) -> list[dict]:
        """``{"n", "time", "to", "text"}`` of the kept messages numbered above ``after``, oldest first."""
        with self._mutex:
            return [dict(m) for m in self._messages if m["n"] > after]

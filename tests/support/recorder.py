"""One recorder for what drivers, scanners and services report to a listener."""

from __future__ import annotations

import threading
from typing import Any

from .net import wait_for


class Recorder(list):
    """A list that a driver thread can append to by calling it: ``listener=recorder``.

    >>> heard = Recorder()
    >>> heard("A1"); heard(2)
    >>> heard, heard.of(str), heard.wait(2)
    (['A1', 2], ['A1'], 2)
    """

    def __init__(self) -> None:
        super().__init__()
        self._mutex = threading.Lock()

    def __call__(self, item: Any) -> None:
        with self._mutex:
            self.append(item)

    def events(self) -> list:
        """A copy, safe to read while the listener keeps appending."""
        with self._mutex:
            return list(self)

    def of(self, kind: type) -> list:
        return [item for item in self.events() if isinstance(item, kind)]

    def wait(self, wanted: Any, timeout: float = 3.0) -> Any:
        """``wanted`` once it has been recorded; fails after ``timeout`` seconds."""
        try:
            wait_for(lambda: wanted in self.events(), timeout)
        except AssertionError:
            raise AssertionError(f"no {wanted!r} within {timeout}s; heard {self.events()[-8:]}") from None
        return wanted

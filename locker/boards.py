"""Which lock boards the service can reach: online, offline, or not yet known.

>>> from locker.config import config_from_dict
>>> boards = Boards(config_from_dict({"bus": {"url": "loop://"},
...     "compartment": [{"label": "A01", "board": 0, "lock": 1, "size": "S"}]}, env={}))
>>> boards.report()
{0: 'unknown'}
>>> boards.set(("main", 0), False), boards.offline()
(None, {('main', 0)})
"""

from __future__ import annotations

import threading
from typing import Any

from .config import Config
from .ports import BoardKey

WORDS = {True: "online", False: "offline", None: "unknown"}


class Boards:
    """Thread-safe: requests allocate while the event thread learns of boards going away."""

    def __init__(self, config: Config) -> None:
        self._lock = threading.Lock()
        self._main_bus = config.bus.name
        self._online: dict[BoardKey, bool | None] = {
            (bus.name, board): None for bus in config.buses for board in config.boards_on(bus.name)}

    def key(self, key: Any) -> BoardKey:
        """``(bus, board)``; a plain board number is on the first bus."""
        return key if isinstance(key, tuple) else (self._main_bus, key)

    def name(self, key: BoardKey) -> str | int:
        """How health and audit name a board: its number on the first bus, else ``bus/board``."""
        return key[1] if key[0] == self._main_bus else f"{key[0]}/{key[1]}"

    def set(self, key: BoardKey, online: bool) -> bool | None:
        """Record what a board is now; returns what it was."""
        with self._lock:
            before = self._online.get(key)
            self._online[key] = online
        return before

    def read_at_start(self, readings: dict[BoardKey, Any]) -> None:
        """A board that answered the start-up read is online; one that did not is offline."""
        with self._lock:
            for key in self._online:
                self._online[key] = None if key not in readings else readings[key] is not None

    def online(self, key: BoardKey) -> bool:
        with self._lock:
            return self._online.get(key) is True

    def offline(self) -> set[BoardKey]:
        with self._lock:
            return {key for key, online in self._online.items() if online is False}

    def any_not_online(self) -> bool:
        with self._lock:
            return any(online is not True for online in self._online.values())

    def report(self) -> dict[str | int, str]:
        with self._lock:
            return {self.name(key): WORDS[online] for key, online in sorted(self._online.items())}

"""Keeping the simulated cabinet's doors and items in a JSON file across restarts.

``locker demo`` loads the file before the service reads the boards, so a dossier put
into a compartment is still sensed there after a restart; a thread writes the file
whenever a door or an item changes (a door that springs open on its own included).

>>> import json, tempfile, pathlib
>>> from firmware_sim.simulator import Simulator
>>> path = pathlib.Path(tempfile.mkdtemp()) / "sim-state.json"
>>> sim = Simulator(boards=1); sim.item(0, 3, True)
>>> StateKeeper(sim, path).save_if_changed()
True
>>> again = Simulator(boards=1); StateKeeper(again, path).load()
1
>>> again.lock_state(0, 3)["item"], again.lock_state(0, 3)["latched"]
(True, True)
>>> sim.close(); again.close()
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

VERSION = 1


class StateKeeper:
    """Loads and writes the doors and items of ``sim``'s lock boards to ``path``."""

    def __init__(self, sim: Any, path: Path | str, *, interval: float = 0.25) -> None:
        self._sim = sim
        self.path = Path(path)
        self._interval = interval
        self._last: list | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> list[dict]:
        """Every board lock whose door is open or which holds an item (the rest are closed and empty)."""
        return [{"board": board["address"], "lock": lock["lock"], "door": lock["door"], "item": lock["item"]}
                for board in self._sim.state()["boards"] if self._sim.cabinet.has(board["address"])
                for lock in board["locks"] if lock["door"] == "open" or lock["item"]]

    def load(self) -> int:
        """Put back what the file kept; returns how many locks it restored. A missing or
        unreadable file restores nothing (and says so in the log)."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            locks = kept["locks"] if kept.get("version") == VERSION else []
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("simulator state %s not restored: %s", self.path, exc)
            return 0
        restored = 0
        for entry in locks:
            where = (entry.get("board"), entry.get("lock")) if isinstance(entry, dict) else (None, None)
            if not all(type(n) is int for n in where) or not self._sim.cabinet.has(*where):
                continue
            self._sim.cabinet.restore(entry["board"], entry["lock"], door_open=entry.get("door") == "open",
                                      item=entry.get("item") is True)
            restored += 1
        self._last = self.snapshot()
        return restored

    def save_if_changed(self) -> bool:
        """Write the file when the doors or items differ from the last write."""
        now = self.snapshot()
        if now == self._last:
            return False
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": VERSION, "locks": now}, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
        self._last = now
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-state-keeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and write what changed last."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._save_logged()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._save_logged()

    def _save_logged(self) -> None:
        try:
            self.save_if_changed()
        except Exception as exc:  # noqa: BLE001 - a full disk must not stop the simulator
            log.warning("simulator state %s not written: %s", self.path, exc)

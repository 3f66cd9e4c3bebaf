"""Commissioning a relay-lock cabinet: one relay pulse at a time, door switches read directly.

:class:`RelayProbe` is the :class:`drivers.discovery.LockProbe` of a ``gpio-relay``
bus: its relays are one board (``board``, 0 by default) with locks 1..N. A lock's
bit is 1 while its switch is pressed (the door is shut and latched), so "latched"
is always 1 here: the wiring of each switch is configured per lock (``pull_up``,
``active_state``, ``invert``), not per bus. Like ``BusProbe`` it is for a
technician's tool while the service is stopped.

>>> from gpiozero.pins.mock import MockFactory
>>> factory = MockFactory()
>>> probe = RelayProbe([{"relay": 20, "switch": 21}], pin_factory=factory, pulse_time=0.01)
>>> factory.pin(21).drive_low()           # the door is shut: its switch grounds the pin
>>> probe.find_boards(range(0, 1)), probe.read_bits(0)
([0], (1,))
>>> probe.pulse(0, 1), factory.pin(20).state   # the relay was energised, then let go
(True, False)
>>> probe.close()
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping, Sequence

from .discovery import LockProbe
from .gpio import PinRegistry
from .gpio_locks import lock_specs


class RelayProbe(LockProbe):
    """Relay outputs and door-switch inputs of one relay-lock cabinet (see the module)."""

    def __init__(self, locks: Sequence[Mapping[str, Any]], *, pin_factory: Any = None, board: int = 0,
                 pulse_time: float = 0.5, active_high: bool = True, setting: str = "bus.relay_locks") -> None:
        if isinstance(pulse_time, bool) or not isinstance(pulse_time, (int, float)) or not pulse_time > 0:
            raise ValueError(f"pulse_time must be positive, not {pulse_time!r}")
        self.board = board
        self.pulse_time = pulse_time
        specs = lock_specs(locks, setting, active_high)
        self._pins = PinRegistry(pin_factory)
        self._relays: list[Any] = []
        self._switches: list[tuple[Any, bool]] = []
        try:
            for number, (relay, switch) in enumerate(specs, start=1):
                where = f"{setting}[{number}]"
                self._relays.append(self._pins.output(f"{where}.relay", relay))
                self._switches.append((self._pins.input(f"{where}.switch", switch), switch["invert"]))
        except BaseException:
            self._pins.close_all()
            raise

    @property
    def locks_per_board(self) -> int:
        return len(self._relays)

    def close(self) -> None:
        """Let every relay go and release the pins (idempotent)."""
        self._pins.close_all()

    def find_boards(self, addresses: Iterable[int]) -> list[int]:
        """The relay board, when its address is among ``addresses``: its pins are always there."""
        return [self.board] if self.board in addresses else []

    def read_bits(self, board: int) -> tuple[int, ...] | None:
        """1 for each lock whose switch is pressed (shut), 0 for an open door; None for another board."""
        if board != self.board:
            return None
        return tuple(int(bool(device.is_active) != invert) for device, invert in self._switches)

    def read_lock(self, board: int, lock: int) -> int | None:
        bits = self.read_bits(board)
        if bits is None or not 1 <= lock <= len(bits):
            return None
        return bits[lock - 1]

    def pulse(self, board: int, lock: int) -> bool:
        """Energise the lock's relay for ``pulse_time``; False for a lock that is not there."""
        if board != self.board or not 1 <= lock <= len(self._relays):
            return False
        relay = self._relays[lock - 1]
        relay.on()
        try:
            time.sleep(self.pulse_time)
        finally:
            relay.off()
        return True

"""A simulated device that one host at a time is connected to.

The host's bytes go in through :meth:`Endpoint.receive`, and the device's bytes go
out to the one host attached at the time (see :mod:`firmware_sim.transports` and
:mod:`firmware_sim.inprocess` for how a host reaches it).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import Callable

log = logging.getLogger(__name__)

Sink = Callable[[bytes], None]


class Endpoint(ABC):
    """A simulated device that one host at a time is connected to."""

    def __init__(self) -> None:
        self._sink: Sink | None = None
        self._sink_mutex = threading.Lock()

    @abstractmethod
    def receive(self, data: bytes) -> None:
        """Bytes the host wrote to the device."""

    def attach(self, sink: Sink) -> None:
        """Connect a host; it replaces the host connected before."""
        with self._sink_mutex:
            self._sink = sink
        self.host_connected()

    def detach(self, sink: Sink) -> None:
        """Disconnect that host (nothing happens if another host replaced it)."""
        with self._sink_mutex:
            if self._sink == sink:
                self._sink = None

    @property
    def connected(self) -> bool:
        with self._sink_mutex:
            return self._sink is not None

    def host_connected(self) -> None:
        """Hook run after a host attached."""

    def send(self, data: bytes) -> bool:
        """Hand bytes to the connected host; False when nobody received them."""
        with self._sink_mutex:
            sink = self._sink
        if sink is None:
            return False
        try:
            sink(data)
        except OSError as exc:
            log.info("simulated device lost its host: %s", exc)
            self.detach(sink)
            return False
        return True

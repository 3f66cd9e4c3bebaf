"""A simulated device in the same process: ``locksim://NAME`` through pyserial.

:class:`InProcessTransport` registers a device under a unique name; the URL handler
in :mod:`firmware_sim.urlhandler` (see :func:`install_url_handler`) opens it as a
pyserial port. Unplugging makes the device vanish like a USB adapter pulled out.
"""

from __future__ import annotations

import threading
import uuid

import serial

from .endpoint import Endpoint, Sink

URL_HANDLER_PACKAGE = "firmware_sim.urlhandler"

_registry: dict[str, Endpoint] = {}
_registry_mutex = threading.Lock()


def register_line(name: str, endpoint: Endpoint) -> None:
    """Make ``endpoint`` reachable as ``locksim://<name>``."""
    with _registry_mutex:
        _registry[name] = endpoint


def unregister_line(name: str) -> None:
    with _registry_mutex:
        _registry.pop(name, None)


def lookup_line(name: str) -> Endpoint | None:
    with _registry_mutex:
        return _registry.get(name)


def install_url_handler() -> None:
    """Let ``serial.serial_for_url("locksim://NAME")`` work (idempotent)."""
    if URL_HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(URL_HANDLER_PACKAGE)


class _Plug:
    """One plugging-in of an in-process device; after :meth:`vanish` it is dead for good.

    Ports opened through it fail on every use afterwards, like the handle of a
    USB device that was pulled out, even once the device is plugged in again.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.vanished = False
        self._sinks: list[Sink] = []
        self._mutex = threading.Lock()

    def attach(self, sink: Sink) -> None:
        with self._mutex:
            if self.vanished:
                raise serial.SerialException("the simulated device was unplugged")
            self._sinks.append(sink)
            self.endpoint.attach(sink)

    def detach(self, sink: Sink) -> None:
        with self._mutex:
            if sink in self._sinks:
                self._sinks.remove(sink)
        self.endpoint.detach(sink)

    def receive(self, data: bytes) -> None:
        if self.vanished:
            raise serial.SerialException("the simulated device was unplugged")
        self.endpoint.receive(data)

    def vanish(self) -> None:
        with self._mutex:
            self.vanished = True
            sinks, self._sinks = self._sinks, []
        for sink in sinks:
            self.endpoint.detach(sink)
            sink(b"")  # wakes a read waiting on the port, which then fails


class InProcessTransport:
    """Registers an endpoint under a unique name for the ``locksim://`` URL handler.

    :meth:`unplug` unregisters the name (opening fails) and makes ports opened
    before fail on read and write; :meth:`replug` registers the name again.

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = InProcessTransport(SimScanner(), prefix="scanner")
    >>> transport.url.startswith("locksim://scanner-")
    True
    >>> transport.unplug(); lookup_line(transport.name) is None
    True
    >>> transport.replug(); transport.plugged
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint, *, prefix: str = "line") -> None:
        install_url_handler()
        self.endpoint = endpoint
        self.name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.url = f"locksim://{self.name}"
        self._plug: _Plug | None = None
        self._mutex = threading.Lock()
        self._closed = False
        self.replug()

    @property
    def plugged(self) -> bool:
        with self._mutex:
            return self._plug is not None

    def unplug(self) -> None:
        with self._mutex:
            plug, self._plug = self._plug, None
            if plug is None:
                return
            unregister_line(self.name)
        plug.vanish()

    def replug(self) -> None:
        with self._mutex:
            if self._closed or self._plug is not None:
                return
            self._plug = _Plug(self.endpoint)
            register_line(self.name, self._plug)

    def close(self) -> None:
        with self._mutex:
            self._closed = True
        self.unplug()

"""How an unchanged driver reaches a simulated device: TCP, a pty, or in-process.

Every simulated device (the RS485 line of lock boards, a scanner) is an
:class:`Endpoint`: the host's bytes go in through :meth:`Endpoint.receive`, and the
device's bytes go out to the one host attached at the time. All three transports
deliver exactly the same bytes:

* :class:`TcpTransport` - a TCP server for pyserial's ``socket://H:P``;
* :class:`PtyTransport` - a pseudo terminal; its ``url`` is the slave device path;
* :class:`InProcessTransport` - ``locksim://NAME`` through the pyserial URL handler
  in :mod:`firmware_sim.urlhandler` (see :func:`install_url_handler`).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import tty
import uuid
from abc import ABC, abstractmethod
from typing import Callable

import serial

log = logging.getLogger(__name__)

Sink = Callable[[bytes], None]
URL_HANDLER_PACKAGE = "firmware_sim.urlhandler"


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


class TcpTransport:
    """A TCP server for one host at a time; a new connection replaces the old one.

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = TcpTransport(SimScanner(), "127.0.0.1", 0)
    >>> transport.url.startswith("socket://127.0.0.1:")
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint, host: str = "127.0.0.1", port: int = 0) -> None:
        self.endpoint = endpoint
        self._server = socket.create_server((host, port))
        self.host, self.port = host, self._server.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"
        self._conn: socket.socket | None = None
        self._mutex = threading.Lock()
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept_loop, name="sim-tcp-accept", daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        with self._mutex:
            self._closed = True
            conn, self._conn = self._conn, None
        _shut(self._server)
        if conn is not None:
            _shut(conn)
        self._acceptor.join(timeout=2.0)

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            if not self._adopt(conn):
                return

    def _adopt(self, conn: socket.socket) -> bool:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._mutex:
            if self._closed:
                _shut(conn)
                return False
            previous, self._conn = self._conn, conn
        if previous is not None:
            _shut(previous)
        threading.Thread(target=self._serve, args=(conn,), name="sim-tcp-conn", daemon=True).start()
        return True

    def _serve(self, conn: socket.socket) -> None:
        def sink(data: bytes) -> None:
            conn.sendall(data)

        self.endpoint.attach(sink)
        try:
            while data := conn.recv(4096):
                self.endpoint.receive(data)
        except OSError:
            pass
        finally:
            self.endpoint.detach(sink)
            _shut(conn)


class PtyTransport:
    """A pseudo terminal in raw mode; the host opens ``url`` (the slave device).

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = PtyTransport(SimScanner())
    >>> transport.url.startswith("/dev/")
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.url = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self._reader = threading.Thread(target=self._read_loop, name="sim-pty", daemon=True)
        self._reader.start()
        endpoint.attach(self._write)

    def close(self) -> None:
        self.endpoint.detach(self._write)
        os.write(self._wake_w, b"x")
        self._reader.join(timeout=2.0)
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                log.info("pty buffer full, %d bytes dropped", len(view))
                return
            view = view[written:]

    def _read_loop(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            if data:
                self.endpoint.receive(data)


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


class InProcessTransport:
    """Registers an endpoint under a unique name for the ``locksim://`` URL handler.

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = InProcessTransport(SimScanner(), prefix="scanner")
    >>> transport.url.startswith("locksim://scanner-")
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint, *, prefix: str = "line") -> None:
        install_url_handler()
        self.endpoint = endpoint
        self.name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.url = f"locksim://{self.name}"
        register_line(self.name, endpoint)

    def close(self) -> None:
        unregister_line(self.name)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

"""How an unchanged driver reaches a simulated device over TCP or a pty.

Every simulated device (the RS485 line of lock boards, a scanner) is an
:class:`~firmware_sim.endpoint.Endpoint`. Three transports deliver exactly the
same bytes:

* :class:`TcpTransport` - a TCP server for pyserial's ``socket://H:P``;
* :class:`PtyTransport` - a pseudo terminal; its ``url`` is a stable link to the
  slave device path;
* :class:`firmware_sim.inprocess.InProcessTransport` - ``locksim://NAME`` in the
  same process.

Each transport can be :meth:`unplug` ged (the device vanishes, as a USB adapter
pulled out: the host's open port fails and reopening it fails) and
:meth:`replug` ged (it comes back at the same URL).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import socket
import tempfile
import threading
import tty

from .endpoint import Endpoint

log = logging.getLogger(__name__)


class TcpTransport:
    """A TCP server for one host at a time; a new connection replaces the old one.

    :meth:`unplug` drops the connection and stops listening (connections are
    refused); :meth:`replug` listens again on the same port.

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = TcpTransport(SimScanner(), "127.0.0.1", 0)
    >>> transport.url.startswith("socket://127.0.0.1:")
    True
    >>> transport.unplug(); transport.plugged
    False
    >>> transport.replug(); transport.plugged
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint, host: str = "127.0.0.1", port: int = 0) -> None:
        self.endpoint = endpoint
        self.host = host
        self._server: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._mutex = threading.Lock()
        self._closed = False
        self.port = port
        self._listen()
        self.url = f"socket://{host}:{self.port}"

    @property
    def plugged(self) -> bool:
        with self._mutex:
            return self._server is not None

    def unplug(self) -> None:
        """The device vanishes: the host's connection drops, new ones are refused."""
        with self._mutex:
            server, self._server = self._server, None
            conn, self._conn = self._conn, None
            acceptor, self._acceptor = self._acceptor, None
        if server is not None:
            _shut(server)
        if conn is not None:
            _shut(conn)
        if acceptor is not None:
            acceptor.join(timeout=2.0)

    def replug(self) -> None:
        """The device is back: listen again on the same port (nothing if plugged in)."""
        with self._mutex:
            if self._closed or self._server is not None:
                return
        self._listen()

    def close(self) -> None:
        with self._mutex:
            self._closed = True
        self.unplug()

    def _listen(self) -> None:
        server = socket.create_server((self.host, self.port))
        acceptor = threading.Thread(target=self._accept_loop, args=(server,), name="sim-tcp-accept", daemon=True)
        with self._mutex:
            self.port = server.getsockname()[1]
            self._server, self._acceptor = server, acceptor
        acceptor.start()

    def _accept_loop(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if not self._adopt(server, conn):
                return

    def _adopt(self, server: socket.socket, conn: socket.socket) -> bool:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._mutex:
            if self._server is not server:
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


class _PtyPair:
    """One pseudo terminal in raw mode, its master served to an endpoint by a thread."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.device = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self._write_mutex = threading.Lock()
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name="sim-pty", daemon=True)
        self._reader.start()
        endpoint.attach(self._write)

    def close(self) -> None:
        """Close both sides: the host's open handle fails from now on."""
        self.endpoint.detach(self._write)
        os.write(self._wake_w, b"x")
        self._reader.join(timeout=2.0)
        with self._write_mutex:
            self._closed = True
            for fd in (self._master, self._slave, self._wake_r, self._wake_w):
                os.close(fd)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        with self._write_mutex:
            while view and not self._closed:
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


class PtyTransport:
    """A pseudo terminal in raw mode behind a stable path the simulator owns.

    ``url`` is a symbolic link (``/tmp/locksim-<random>/<name>``) to the pty's slave
    device (``/dev/pts/N``, also in ``device``); the host opens ``url``. The
    simulator keeps the slave open, so the host may close and reopen it.
    :meth:`unplug` closes the pty (the host's handle fails) and removes the link,
    like a USB adapter pulled out; :meth:`replug` opens a new pty and points the
    same link at it.

    >>> from firmware_sim.scanner import SimScanner
    >>> transport = PtyTransport(SimScanner(), name="scanner")
    >>> transport.url.endswith("/scanner"), os.path.realpath(transport.url) == transport.device
    (True, True)
    >>> transport.unplug(); os.path.exists(transport.url)
    False
    >>> transport.replug(); os.path.exists(transport.url)
    True
    >>> transport.close()
    """

    def __init__(self, endpoint: Endpoint, *, name: str = "line") -> None:
        self.endpoint = endpoint
        self._dir = tempfile.mkdtemp(prefix="locksim-")
        self.url = os.path.join(self._dir, name)
        self._pair: _PtyPair | None = None
        self._mutex = threading.Lock()
        self._closed = False
        self.replug()

    @property
    def plugged(self) -> bool:
        with self._mutex:
            return self._pair is not None

    @property
    def device(self) -> str | None:
        """The pty's slave device now (None while unplugged)."""
        with self._mutex:
            return None if self._pair is None else self._pair.device

    def unplug(self) -> None:
        with self._mutex:
            pair, self._pair = self._pair, None
            if pair is None:
                return
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.url)
        pair.close()

    def replug(self) -> None:
        with self._mutex:
            if self._closed or self._pair is not None:
                return
            pair = _PtyPair(self.endpoint)
            staged = f"{self.url}.new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
            os.symlink(pair.device, staged)
            os.replace(staged, self.url)
            self._pair = pair

    def close(self) -> None:
        self.unplug()
        with self._mutex:
            if self._closed:
                return
            self._closed = True
        shutil.rmtree(self._dir, ignore_errors=True)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

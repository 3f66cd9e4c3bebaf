"""The simulated pins behind a pigpio daemon socket, for a service in another process.

On a Raspberry Pi the pigpio daemon (``pigpiod``) serves the GPIO pins over TCP,
and gpiozero's ``PiGPIOFactory`` (``[gpio] pin_factory = "pigpio://HOST:PORT"`` in
locker.toml) drives them from anywhere. :class:`PigpioServer` answers the same
socket protocol on the simulator's ``MockFactory`` pins, so ``locker serve`` in its
own process sees exactly the pins that ``POST /sim/gpio`` drives, through the
unchanged production factory.

The protocol (pigpio's socket interface): a command is 16 bytes, four
little-endian uint32 ``cmd, p1, p2, p3`` (``p3`` counts extension bytes that
follow); the answer repeats ``cmd, p1, p2`` and puts the result (negative: an
error code) in the last word. ``NOIB`` turns its connection into a stream of
12-byte level reports (``uint16 seq, uint16 flags, uint32 tick, uint32 levels``)
for the GPIOs that ``NB handle bits``, sent on a command connection, selects.

>>> import socket, struct
>>> from gpiozero.pins.mock import MockFactory
>>> server = PigpioServer(MockFactory(), port=0)
>>> host, port = server.start()
>>> with socket.create_connection((host, port)) as conn:
...     def command(cmd, p1=0, p2=0):
...         conn.sendall(struct.pack("<IIII", cmd, p1, p2, 0))
...         return struct.unpack("<IIIi", conn.recv(16))[3]
...     command(WRITE, 17, 1), command(READ, 17), command(MODEG, 17), command(READ, 99)
(0, 1, 1, -3)
>>> server.close()
"""

from __future__ import annotations

import logging
import select
import socket
import socketserver
import struct
import threading
import time
from contextlib import nullcontext
from typing import Any

from gpiozero.exc import GPIOZeroError

log = logging.getLogger(__name__)

# Command numbers and error codes of pigpio's socket interface.
MODES, MODEG, PUD, READ, WRITE = 0, 1, 2, 3, 4
BR1, BR2, BC1, BS1 = 10, 11, 12, 14
TICK, HWVER, NB, NP, NC = 16, 17, 19, 20, 21
FG, NOIB = 97, 99
PI_BAD_USER_GPIO, PI_BAD_GPIO, PI_BAD_MODE, PI_BAD_LEVEL, PI_BAD_PUD = -2, -3, -4, -5, -6
PI_BAD_HANDLE, PI_NO_HANDLE, PI_UNKNOWN_COMMAND, PI_BAD_FILTER = -25, -24, -88, -125

_COMMAND = struct.Struct("<IIII")
_ANSWER = struct.Struct("<IIIi")
_REPORT = struct.Struct("<HHII")
_INPUT, _OUTPUT = 0, 1
_PULLS = {0: "floating", 1: "down", 2: "up"}
_MAX_EXTENSION = 1 << 16
_MAX_HANDLES = 32


class _Failure(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class PigpioServer:
    """A pigpiod-compatible TCP server over the pins of a gpiozero ``MockFactory``.

    ``lock`` (optional) serialises pin changes with the simulator's own; reports
    go out within ``poll_interval`` seconds of a level change. See the module
    docstring for an example.
    """

    def __init__(self, factory: Any, *, host: str = "127.0.0.1", port: int = 8888,
                 lock: Any = None, poll_interval: float = 0.005) -> None:
        self.factory = factory
        self.host, self.port = host, port
        self.poll_interval = poll_interval
        self._pins_lock = lock if lock is not None else nullcontext()
        self._state = threading.Lock()
        self._modes: dict[int, int] = {}
        self._filters: dict[int, int] = {}
        self._notifiers: dict[int, _Notifier] = {}
        self._connections: set[socket.socket] = set()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        self._started_ns = time.monotonic_ns()
        self._handlers: dict[int, Any] = {
            TICK: lambda *_: self.tick(), HWVER: lambda *_: self._revision(), BR1: lambda *_: self.levels(),
            BR2: lambda *_: 0, MODES: self._set_mode, MODEG: self._get_mode, PUD: self._set_pull,
            READ: self._read, WRITE: self._write, BC1: self._clear_bits, BS1: self._set_bits, NB: self._watch,
            NP: lambda handle, _: self._watch(handle, 0), NC: self._stop_notifier, FG: self._filter}

    # ---- lifecycle -----------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        """Listen and serve in the background; returns the bound (host, port). Raises OSError."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        handler = type("Handler", (_Connection,), {"daemon": self})
        server_class = type("Server", (socketserver.ThreadingTCPServer,),
                            {"allow_reuse_address": True, "daemon_threads": True, "address_family": family})
        self._server = server_class((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-pigpiod", daemon=True)
        self._thread.start()
        return self.host, self.port

    @property
    def url(self) -> str:
        """The value for ``[gpio] pin_factory`` in the service's configuration."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"pigpio://{host}:{self.port}"

    def close(self) -> None:
        """Stop listening and end every connection (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._state:
            notifiers, self._notifiers = list(self._notifiers.values()), {}
            connections, self._connections = list(self._connections), set()
        for notifier in notifiers:
            notifier.stop()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._state:
            (self._connections.add if open_ else self._connections.discard)(conn)

    # ---- commands --------------------------------------------------------------------

    def answer(self, cmd: int, p1: int, p2: int) -> int:
        """The result of one command (not NOIB, which only a connection can answer)."""
        try:
            return self._run(cmd, p1, p2)
        except _Failure as failure:
            return failure.code

    def _run(self, cmd: int, p1: int, p2: int) -> int:
        handler = self._handlers.get(cmd)
        return PI_UNKNOWN_COMMAND if handler is None else handler(p1, p2)

    def tick(self) -> int:
        """Microseconds since the daemon started, wrapping at 2**32 like pigpio's."""
        return ((time.monotonic_ns() - self._started_ns) // 1000) & 0xFFFFFFFF

    def _revision(self) -> int:
        return int(str(self.factory.board_info.revision), 16)

    def _pin(self, gpio: int) -> Any:
        if gpio > 53:
            raise _Failure(PI_BAD_GPIO)
        try:
            return self.factory.pin(gpio)
        except (GPIOZeroError, ValueError):
            raise _Failure(PI_BAD_GPIO) from None

    def _set_mode(self, gpio: int, mode: int) -> int:
        pin = self._pin(gpio)
        if mode > 7:
            return PI_BAD_MODE
        with self._pins_lock:
            if mode in (_INPUT, _OUTPUT):
                pin.function = "input" if mode == _INPUT else "output"
            self._modes[gpio] = mode
        return 0

    def _get_mode(self, gpio: int, _: int) -> int:
        pin = self._pin(gpio)
        default = _OUTPUT if pin.function == "output" else _INPUT
        return self._modes.get(gpio, default)

    def _set_pull(self, gpio: int, pud: int) -> int:
        pin = self._pin(gpio)
        if pud not in _PULLS:
            return PI_BAD_PUD
        with self._pins_lock:
            if pin.function == "input":  # pigpio keeps the resistor for later; the mock pin cannot
                pin.pull = _PULLS[pud]
        return 0

    def _read(self, gpio: int, _: int) -> int:
        return int(bool(self._pin(gpio).state))

    def _write(self, gpio: int, level: int) -> int:
        pin = self._pin(gpio)
        if level > 1:
            return PI_BAD_LEVEL
        with self._pins_lock:
            if pin.function != "output":
                pin.function = "output"
            self._modes[gpio] = _OUTPUT
            pin.state = bool(level)
        return 0

    def _set_bits(self, bits: int, _: int, level: int = 1) -> int:
        for gpio in range(32):
            if bits >> gpio & 1:
                self._write(gpio, level)
        return 0

    def _clear_bits(self, bits: int, p2: int) -> int:
        return self._set_bits(bits, p2, level=0)

    def _filter(self, gpio: int, steady: int) -> int:
        if gpio > 31:
            return PI_BAD_USER_GPIO
        self._pin(gpio)
        if steady > 300_000:
            return PI_BAD_FILTER
        self._filters[gpio] = steady  # levels here are set by people through the API, never bouncy
        return 0

    def levels(self) -> int:
        """Bank 1 (GPIO 0-31) as a bit mask, as ``BR1`` answers."""
        mask = 0
        for info, pin in list(self.factory.pins.items()):
            name = str(info.name)
            if name.startswith("GPIO") and int(name[4:]) < 32 and pin.state:
                mask |= 1 << int(name[4:])
        return mask

    # ---- notifications ---------------------------------------------------------------

    def open_notifier(self, conn: socket.socket) -> int:
        with self._state:
            handle = next((h for h in range(_MAX_HANDLES) if h not in self._notifiers), None)
            if handle is None:
                raise _Failure(PI_NO_HANDLE)
            self._notifiers[handle] = _Notifier(self, conn)
        return handle

    def notifier(self, handle: int) -> _Notifier | None:
        with self._state:
            return self._notifiers.get(handle)

    def _watch(self, handle: int, bits: int) -> int:
        notifier = self.notifier(handle)
        if notifier is None:
            return PI_BAD_HANDLE
        notifier.monitor = bits
        return 0

    def _stop_notifier(self, handle: int, _: int) -> int:
        with self._state:
            notifier = self._notifiers.pop(handle, None)
        if notifier is None:
            return PI_BAD_HANDLE
        notifier.stop()
        return 0


class _Notifier:
    """One ``NOIB`` stream: reports the levels whenever a watched GPIO changes."""

    def __init__(self, daemon: PigpioServer, conn: socket.socket) -> None:
        self.daemon, self.conn = daemon, conn
        self.monitor = 0
        self.stopped = threading.Event()
        self._seq = 0

    def stop(self) -> None:
        self.stopped.set()

    def stream(self) -> None:
        """Runs on the connection's thread until NC, a closed socket or the server's end."""
        last = self.daemon.levels()
        while not self.stopped.is_set():
            readable, _, _ = select.select([self.conn], [], [], self.daemon.poll_interval)
            if readable and not self._read_command():
                return
            levels = self.daemon.levels()
            if (levels ^ last) & self.monitor:
                self._seq = (self._seq + 1) & 0xFFFF
                self.conn.sendall(_REPORT.pack(self._seq, 0, self.daemon.tick(), levels))
            last = levels

    def _read_command(self) -> bool:
        data = _receive(self.conn, _COMMAND.size)
        if data is None:
            return False
        cmd, p1, _, _ = _COMMAND.unpack(data)
        if cmd == NC:  # the client closes its notifications on this socket, with no answer
            self.daemon.answer(NC, p1, 0)
            return False
        return True


class _Connection(socketserver.BaseRequestHandler):
    daemon: PigpioServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.daemon.track(conn, True)
        try:
            self._serve(conn)
        except OSError as exc:
            log.debug("pigpio connection ended: %s", exc)
        finally:
            self.daemon.track(conn, False)

    def _serve(self, conn: socket.socket) -> None:
        while True:
            data = _receive(conn, _COMMAND.size)
            if data is None:
                return
            cmd, p1, p2, extension = _COMMAND.unpack(data)
            if extension and (extension > _MAX_EXTENSION or _receive(conn, extension) is None):
                return
            if cmd != NOIB:
                conn.sendall(_ANSWER.pack(cmd, p1, p2, self.daemon.answer(cmd, p1, p2)))
                continue
            try:
                handle = self.daemon.open_notifier(conn)
            except _Failure as failure:
                conn.sendall(_ANSWER.pack(cmd, p1, p2, failure.code))
                continue
            conn.sendall(_ANSWER.pack(cmd, p1, p2, handle))
            notifier = self.daemon.notifier(handle)
            if notifier is not None:
                notifier.stream()
            self.daemon.answer(NC, handle, 0)
            return


def _receive(conn: socket.socket, size: int) -> bytes | None:
    """Exactly ``size`` bytes, or None when the peer closed the connection."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data

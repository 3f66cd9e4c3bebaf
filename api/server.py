"""Serving the application with waitress: threads in one process, never workers.

One process owns the serial ports and GPIO, so the web server runs as threads
inside it. The HTTP port is taken first (:func:`listen`), so that a busy port stops
the command before the runtime exists: nothing has gone out on a bus and nothing
is in the audit log. SIGTERM and Ctrl-C stop the server, then the runtime, cleanly.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from typing import Any, Callable

import click
from waitress.adjustments import Adjustments
from waitress.server import create_server

from locker.config import Config, HttpConfig
from locker.errors import ConfigError

from .app import create_app
from .runtime import Runtime, SchemaOutOfDate

log = logging.getLogger(__name__)

#: Threads for ordinary requests; the console's event streams get their own on top.
HTTP_THREADS = 8
#: Open connections served at once (waitress's default, 100, stops accepting beyond it: with
#: a hundred keep-alive clients a new connection waited in the backlog until one closed, 30 s
#: and more). poll() instead of select(), which cannot watch descriptors beyond 1023.
CONNECTION_LIMIT = 1000


def listen(http: HttpConfig) -> list[socket.socket]:
    """Sockets bound to ``[http] host`` and ``port`` (not yet accepting); a busy port stops the command.

    >>> taken = listen(HttpConfig(port=0))
    >>> taken[0].listen(); port = taken[0].getsockname()[1]
    >>> listen(HttpConfig(port=port))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    click.exceptions.ClickException: http.port: Không mở được cổng HTTP 127.0.0.1:... / cannot listen on ...
    >>> for sock in taken: sock.close()
    """
    where = f"{http.host}:{http.port}"
    try:
        wanted = Adjustments(host=http.host, port=http.port).listen
    except ValueError:
        raise click.ClickException(
            f"http.host: không dùng được địa chỉ {where} / cannot use the address {where}") from None
    sockets: list[socket.socket] = []
    try:
        for family, socktype, proto, address in wanted:
            sock = socket.socket(family, socktype, proto)
            sockets.append(sock)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise click.ClickException(
            f"http.port: Không mở được cổng HTTP {where} (cổng đang bận?) / "
            f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sockets


def build_runtime(config: Config, *, simulator: Any = None) -> Runtime:
    """The runtime of ``config``; a configuration it cannot be built from stops the command."""
    try:
        return Runtime(config, simulator=simulator)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def serve_forever(runtime: Runtime, sockets: list[socket.socket], *,
                  banner: Callable[[], None] | None = None) -> None:
    """Start ``runtime``, serve HTTP on ``sockets`` (from :func:`listen`) until SIGTERM or Ctrl-C, then
    stop everything."""
    http = runtime.config.http
    try:
        runtime.start()
    except (SchemaOutOfDate, ConfigError) as exc:
        for sock in sockets:
            sock.close()
        raise click.ClickException(str(exc)) from None
    try:
        # Each console page's and kiosk page's live stream holds a thread (at most max_clients of each hub).
        streams = runtime.hub.max_clients + runtime.kiosk_hub.max_clients
        server = create_server(create_app(runtime), sockets=sockets, threads=HTTP_THREADS + streams,
                               ident="dossier-locker", connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True)
        if banner is not None:
            banner()
        click.echo(f"Đang phục vụ / serving on http://{http.host}:{http.port}/", err=True)
        _run_until_signalled(server)
    finally:
        runtime.stop()
        click.echo("Đã dừng / stopped", err=True)


def _run_until_signalled(server: Any) -> None:
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
        sys.stdout.flush()

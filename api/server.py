"""Serving the application with waitress: threads in one process, never workers.

One process owns the serial ports and GPIO, so the web server runs as threads
inside it. SIGTERM and Ctrl-C stop the server, then the runtime, cleanly.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import click
from waitress.server import create_server

from locker.config import Config
from locker.errors import ConfigError

from .app import create_app
from .runtime import Runtime, SchemaOutOfDate

log = logging.getLogger(__name__)


def serve_forever(config: Config, *, runtime: Runtime | None = None, banner: Any = None) -> None:
    """Start the runtime, serve HTTP until SIGTERM or Ctrl-C, then stop everything."""
    try:
        runtime = runtime or Runtime.from_config(config)
        runtime.start()
    except (SchemaOutOfDate, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        app = create_app(config, runtime=runtime)
        try:
            server = create_server(app, host=config.http.host, port=config.http.port, threads=8,
                                   ident="dossier-locker")
        except OSError as exc:
            raise click.ClickException(
                f"Không mở được cổng HTTP {config.http.host}:{config.http.port} / "
                f"cannot listen on {config.http.host}:{config.http.port}: {exc.strerror or exc}"
            ) from None
        if banner is not None:
            banner()
        click.echo(f"Đang phục vụ / serving on http://{config.http.host}:{config.http.port}/", err=True)
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

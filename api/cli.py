"""The ``locker`` command (docs/interface.md section 1).

Every command that reads the configuration takes ``--config FILE`` (default
``locker.toml`` in the working directory, or ``$LOCKER_CONFIG``). When the default
file does not exist, the built-in defaults and the ``LOCKER_*`` environment are
used; a file named explicitly must exist.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from locker.config import PROTOCOLS, SCANNER_MODELS

from .cli_accounts import token, user
from .cli_audit import audit
from .cli_common import DEFAULT_CONFIG, _config, _database, config_option
from .commissioning import commission_command

__all__ = ["DEFAULT_CONFIG", "cli", "config_option", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def cli(log_level: str) -> None:
    """Dossier locker: controller for 24/7 dossier drop-off and pickup lockers."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


cli.add_command(commission_command, "commission")
cli.add_command(user, "user")
cli.add_command(token, "token")
cli.add_command(audit, "audit")


@cli.command()
@config_option
def serve(config_path: str | None) -> None:
    """Run the production service: owns the serial ports and serves HTTP."""
    from .server import build_runtime, listen, serve_forever

    config = _config(config_path)
    sockets = listen(config.http)  # a busy port stops here, before any bus or the audit log is touched
    serve_forever(build_runtime(config), sockets)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--data", "data_dir", default="var/demo", show_default=True, type=click.Path(file_okay=False))
def demo(host: str, port: int, data_dir: str) -> None:
    """Simulated cabinet and service in one process, with demo accounts."""
    from .demo import run_demo

    run_demo(host=host, port=port, data_dir=Path(data_dir))


@cli.command()
@config_option
@click.option("--boards", default=2, show_default=True, type=click.IntRange(1, 16),
              help="RS485 boards to simulate (not for gpio-relay).")
@click.option("--board-type", default="kerong-cu16", show_default=True, type=click.Choice(list(PROTOCOLS)),
              help="Board family; gpio-relay: relay locks on GPIO pins only (needs --gpio).")
@click.option("--scanner-model", default="line", show_default=True, type=click.Choice(list(SCANNER_MODELS)))
@click.option("--serial", "serial_spec", default="pty", show_default=True, metavar="tcp://H:P|pty")
@click.option("--scanner", "scanner_spec", default="pty", show_default=True, metavar="tcp://H:P|pty")
@click.option("--gpio", "gpio_spec", default="tcp://127.0.0.1:8888", show_default=True, metavar="tcp://H:P|none",
              help="Serve the GPIO pins as a pigpio daemon ([gpio] pin_factory of the service).")
@click.option("--printer", "printer_spec", default="none", show_default=True, metavar="tcp://H:P|none",
              help="Serve the receipt printer like a network printer ([printer] url of the service).")
@click.option("--control", default="127.0.0.1:8001", show_default=True, metavar="H:P")
@click.option("--seed", default=None, type=int, help="Seed for the faults' randomness (replayable runs).")
@click.option("--pace", is_flag=True, help="Move the bus's bytes at its baud rate, as slow as a real RS485 line.")
@click.option("--service", "service_url", default=None, metavar="URL",
              help="A locker serve's base URL: the page shows its state of each compartment "
                   "(API token of a clerk in LOCKER_SIM_SERVICE_TOKEN).")
def sim(config_path: str | None, boards: int, board_type: str, scanner_model: str, serial_spec: str,
        scanner_spec: str, gpio_spec: str, printer_spec: str, control: str, seed: int | None, pace: bool,
        service_url: str | None) -> None:
    """Run the standalone hardware simulator and its control API.

    With --config, the simulated GPIO pins are those of the file's [gpio] table, and
    the relay locks of --board-type gpio-relay those of the file's gpio-relay bus.
    """
    from firmware_sim.runner import SimulatorSetupError, run_standalone
    from firmware_sim.service_link import ServiceLink

    # A technician's file is checked even though the simulator only needs its shape.
    config = _config(config_path) if config_path else None
    gpio_layout = config.gpio if config else None
    relay_buses = [bus for bus in (config.buses if config else ()) if bus.protocol == "gpio-relay"]
    relay_locks = relay_buses[0].relay_locks if relay_buses else None
    try:
        service_view = ServiceLink(service_url, token=os.environ.get("LOCKER_SIM_SERVICE_TOKEN", "")
                                   ) if service_url else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--service") from None
    try:
        run_standalone(boards=boards, board_type=board_type, serial=serial_spec, scanner=scanner_spec,
                       control=control, seed=seed, out=click.echo, scanner_model=scanner_model,
                       gpio=gpio_spec, gpio_layout=gpio_layout or None, relay_locks=relay_locks or None,
                       printer=printer_spec, pace=pace, service_view=service_view)
    except SimulatorSetupError as exc:
        raise click.ClickException(str(exc)) from None


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@config_option
def db_upgrade(config_path: str | None) -> None:
    """Bring the database schema up to date."""
    from locker.db import Database
    from locker.keyfile import load_or_create_secret

    config = _config(config_path)
    database = Database(config.database.url)
    try:
        database.seal_with(load_or_create_secret(config.security.secret_file))
        database.upgrade()
    finally:
        database.dispose()
    click.echo("Cơ sở dữ liệu đã cập nhật / database is up to date")


@cli.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def purge(config_path: str | None, dry_run: bool) -> None:
    """Purge citizens' personal data kept longer than [privacy] retention_days after their flow ended."""
    from locker.audit import AuditRecorder
    from locker.ports import SystemClock
    from locker.privacy import Privacy

    days = _config(config_path).privacy.retention_days
    with _database(config_path) as database:
        clock = SystemClock()
        report = Privacy(db=database, clock=clock, audit=AuditRecorder(clock=clock), retention_days=days).purge(
            dry_run=dry_run, actor="cli")
    counts = ", ".join(f"{table} {n}" for table, n in report.records.items())
    verb = "sẽ xoá / would purge" if dry_run else "đã xoá / purged"
    click.echo(f"{verb}: {counts}, outbox_messages {report.messages} "
               f"(trước / before {report.cutoff.isoformat(timespec='seconds')})")


def main() -> None:
    cli(prog_name="locker")

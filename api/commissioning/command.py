"""The ``locker commission`` command: options, the run, the summary and writing the file."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from drivers.errors import DriverError, GpioError
from locker.config import SIZES, Config, load_config
from locker.errors import ConfigError

from .config_file import RewriteError, rewrite_config, write_config_file
from .results import LABEL_SCHEMES, Options, Outcome
from .scanner_check import DEFAULT_WINDOW, ScannerCheck
from .walk import Commissioning


def _config_path(given: str | None) -> Path:
    return Path(given or os.environ.get("LOCKER_CONFIG") or "locker.toml")


def _check_prefix(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value and not (re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,11}", value)):
        raise click.BadParameter("1-12 chữ, số, '-' hoặc '_' / 1-12 letters, digits, '-' or '_'")
    return value


@click.command("commission")
@click.option("--config", "config_path", metavar="FILE", default=None,
              help="Configuration file (default: locker.toml in the working directory).")
@click.option("--bus", "bus_name", metavar="NAME", default=None, help="Only this bus (default: every bus).")
@click.option("--auto", is_flag=True, help="No questions: learn each door from its latch.")
@click.option("--write", "write", is_flag=True, help="Write the result into the configuration file (keeps FILE.bak).")
@click.option("--size", default="M", show_default=True, type=click.Choice(SIZES, case_sensitive=False),
              help="Size of new compartments.")
@click.option("--label-scheme", default="letter", show_default=True, type=click.Choice(LABEL_SCHEMES),
              help="letter: board letter + lock (A01); number: 01, 02, ...")
@click.option("--label-prefix", default="", callback=_check_prefix, help="Put before every generated label.")
@click.option("--probe-timeout-ms", default=250, show_default=True, type=click.IntRange(10, 5000),
              help="Answer time given to each board address.")
@click.option("--release-timeout-ms", default=None, type=click.IntRange(100, 60000),
              help="Time a latch may take to release (default: the bus's open_timeout_ms).")
@click.option("--close-timeout", "close_timeout", default=120, show_default=True, type=click.IntRange(0, 3600),
              help="--auto: seconds to wait at the end for the doors to be closed.")
@click.option("--scanner", "scanner_only", is_flag=True,
              help="Check instead that the scanner stops and starts reading when told (asks for a code twice).")
@click.option("--scan-wait-ms", default=int(DEFAULT_WINDOW * 1000), show_default=True,
              type=click.IntRange(100, 60000), help="--scanner: time a code may take to come through after Enter.")
def commission_command(config_path: str | None, bus_name: str | None, auto: bool, write: bool, size: str,
                       label_scheme: str, label_prefix: str, probe_timeout_ms: int,
                       release_timeout_ms: int | None, close_timeout: int, scanner_only: bool,
                       scan_wait_ms: int) -> None:
    """Find the boards, map each lock to its door, detect the latch polarity, list dead locks."""
    path = _config_path(config_path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise click.ClickException(f"Lỗi cấu hình / configuration error: {exc.key}: {exc.problem}") from None
    if scanner_only:
        _check_scanner(config, window=scan_wait_ms / 1000)
        return
    if bus_name is not None and bus_name not in {b.name for b in config.buses}:
        known = ", ".join(b.name for b in config.buses)
        raise click.BadParameter(f"không có bus này / no such bus; known: {known}", param_hint="--bus")
    options = Options(auto=auto, size=size.upper(), label_scheme=label_scheme, label_prefix=label_prefix,
                      probe_timeout=probe_timeout_ms / 1000, close_timeout=float(close_timeout),
                      release_timeout=None if release_timeout_ms is None else release_timeout_ms / 1000)
    job = Commissioning(config, options, say=click.echo, ask=_prompt)
    try:
        outcome = job.run(None if bus_name is None else [bus_name])
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nĐã dừng; cấu hình không đổi / stopped; the configuration is unchanged", err=True)
        sys.exit(130)
    except GpioError as exc:
        raise click.ClickException(f"Lỗi GPIO / GPIO error: {exc}") from None
    except DriverError as exc:
        raise click.ClickException(f"Lỗi cổng nối tiếp / serial port error: {exc}") from None
    _finish(outcome, path, write)


def _check_scanner(config: Config, *, window: float) -> None:
    if not config.scanner.url:
        raise click.ClickException("Chưa cấu hình máy quét / no scanner configured: [scanner] url is empty")
    try:
        report = ScannerCheck(config.scanner, say=click.echo, ask=_prompt, window=window).run()
    except ConfigError as exc:
        raise click.ClickException(f"Lỗi cấu hình / configuration error: {exc.key}: {exc.problem}") from None
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nĐã dừng / stopped", err=True)
        sys.exit(130)
    if not report.ok:
        sys.exit(1)


def _prompt(question: str) -> str:
    return click.prompt(question, default="", show_default=False)


def _finish(outcome: Outcome, path: Path, write: bool) -> None:
    _summary(outcome)
    if not any(r.boards for r in outcome.results):
        raise click.ClickException("Không tìm thấy bo mạch nào / no board answered on any bus")
    click.echo("")
    if not write:
        click.echo(outcome.toml(), nl=False)
        return
    if not any(r.compartments for r in outcome.results):
        raise click.ClickException("Không có ngăn nào để ghi / no compartment to write; the file is unchanged")
    try:
        text = rewrite_config(path.read_text(encoding="utf-8"), outcome.compartments, outcome.latched_bits())
    except (RewriteError, OSError, UnicodeDecodeError) as exc:
        click.echo(outcome.toml(), nl=False)
        raise click.ClickException(f"Không ghi được / not written: {exc}; paste the TOML above by hand") from None
    backup = write_config_file(path, text)
    click.echo(f"Đã ghi / written: {path} (bản cũ / backup: {backup})")


def _summary(outcome: Outcome) -> None:
    click.echo("")
    click.echo("== Kết quả / result ==")
    for r in outcome.results:
        state = "" if r.confirmed else " (chưa xác nhận / unconfirmed)"
        boards = ", ".join(map(str, r.boards)) or "-"
        bit = "-" if r.latched_bit is None else str(r.latched_bit)
        click.echo(f"{r.bus.name}: bo mạch/boards {boards}; latched_bit = {bit}{state}; "
                   f"{len(r.compartments)} ngăn/compartments")
    dead = outcome.dead
    click.echo(f"Khóa hỏng / dead locks: {len(dead)}")
    for d in dead:
        click.echo("  " + d.describe())
    still = [label for r in outcome.results for label in r.still_open]
    if still:
        click.echo(f"Cửa còn mở / doors still open: {', '.join(still)}")
    new_labels = {c.label for c in outcome.compartments}
    dropped = [c.label for c in outcome.config.compartments if c.label not in new_labels]
    if dropped:
        click.echo(f"Ngăn cũ bị bỏ / old compartments dropped: {', '.join(dropped)}")

"""``locker audit verify``: the hash chain, optionally only since the last verification
(``--from-last``), and against the heads exported to a file (``--against FILE``)."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_common import _config, _database, config_option


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@config_option
@click.option("--against", "against", metavar="FILE", type=click.Path(dir_okay=False),
              help="A file of exported heads ([audit] export_file): each must still be on the chain, signed.")
@click.option("--from-last", is_flag=True, help="Check only the events after the last verified one.")
def audit_verify(config_path: str | None, against: str | None, from_last: bool) -> None:
    """Check the audit log's hash chain; name the first broken link."""
    from locker.audit import verify_chain
    from locker.audit_head import check_against, load_or_create_signing_key, verify_from_last
    from locker.ports import SystemClock

    config = _config(config_path)
    key = None
    if against:
        key_file = Path(config.audit.signing_key_file)
        if not key_file.exists():
            raise click.ClickException(f"Không có khóa ký / no signing key at {key_file} ([audit] signing_key_file)")
        key = load_or_create_signing_key(key_file)
    with _database(config_path) as database:
        if from_last:  # a short stretch: checked and remembered in one transaction
            with database.session() as session:
                report = verify_from_last(session, clock=SystemClock())
        else:  # the whole chain, without holding the write lock
            with database.read_session() as session:
                report = verify_chain(session)
        problems = []
        if key is not None:
            with database.read_session() as session:
                problems = check_against(session, against, key.public_key())
    if not report.ok:
        raise click.ClickException(
            f"Chuỗi nhật ký bị hỏng tại sự kiện / audit chain broken at event {report.first_broken_seq}: "
            f"{report.reason}")
    if problems:
        raise click.ClickException("Đầu chuỗi đã xuất không còn khớp / exported heads do not match:\n  "
                                   + "\n  ".join(problems))
    what = "events since the last verification" if from_last else "events"
    click.echo(f"Chuỗi nhật ký nguyên vẹn / audit chain intact: {report.checked} {what}")
    if against:
        click.echo(f"Mọi đầu chuỗi đã xuất đều khớp / every exported head in {against} matches")

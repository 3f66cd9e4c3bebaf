"""``locker user ...`` and ``locker token ...``: accounts and API tokens (audited as ``cli``)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

import click

from locker.accounts import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, ROLES

from .cli_common import _config, _database, _session, config_option

ACTOR = "cli"


@contextmanager
def _admin(config_path: str | None, *, badge: bool = False) -> Iterator[Any]:
    """The accounts' administration on the configured database (and, for badges, the service's secret)."""
    from locker.account_admin import AccountAdmin
    from locker.audit import AuditRecorder
    from locker.keyfile import load_or_create_secret
    from locker.ports import SystemClock

    secret = load_or_create_secret(_config(config_path).security.secret_file) if badge else b""
    with _database(config_path) as database:
        yield AccountAdmin(db=database, audit=AuditRecorder(clock=SystemClock()), secret=secret)


def _secret_from(stdin: bool, prompt: str, *, confirm: bool = True) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


@click.group()
def user() -> None:
    """Accounts of clerks, technicians, administrators and the one-stop system."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@config_option
def user_add(name: str, role: str, password_stdin: bool, config_path: str | None) -> None:
    """Create an account."""
    from locker.accounts import create_account

    password = _secret_from(password_stdin, "Mật khẩu / password")
    with _session(config_path) as session:
        create_account(session, name, role, password)
    click.echo(f"Đã tạo tài khoản / account created: {name} ({role})")


@user.command("list")
@config_option
def user_list(config_path: str | None) -> None:
    """List the accounts: role, and whether disabled, locked out, with a PIN and a badge."""
    with _admin(config_path) as admin:
        rows = admin.list_accounts()
    click.echo(f"{'NAME':<32} {'ROLE':<10} {'STATE':<30} PIN BADGE CREATED")
    for a in rows:
        state = "disabled" if a["disabled"] else (f"locked until {a['locked_until']}" if a["locked_until"] else "active")
        click.echo(f"{a['name']:<32} {a['role']:<10} {state:<30} {'yes' if a['has_pin'] else 'no':<3} "
                   f"{'yes' if a['has_badge'] else 'no':<5} {a['created_at']}")


@user.command("disable")
@click.argument("name")
@config_option
def user_disable(name: str, config_path: str | None) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    with _admin(config_path) as admin:
        admin.set_disabled(name, True, actor=ACTOR)
    click.echo(f"Đã khóa tài khoản / account disabled: {name}")


@user.command("enable")
@click.argument("name")
@config_option
def user_enable(name: str, config_path: str | None) -> None:
    """Enable a disabled account again."""
    with _admin(config_path) as admin:
        admin.set_disabled(name, False, actor=ACTOR)
    click.echo(f"Đã mở lại tài khoản / account enabled: {name}")


@user.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input "
              "(otherwise one is generated and printed).")
@config_option
def user_reset(name: str, password_stdin: bool, config_path: str | None) -> None:
    """Give an account a new password, lift its lock-outs and revoke its printed badge."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with _admin(config_path) as admin:
        new = admin.reset(name, password, actor=ACTOR)
    click.echo(f"Đã đặt lại mật khẩu / password reset: {name}")
    if password is None:
        click.echo(f"Mật khẩu mới / new password: {new}")


@user.command("pin")
@click.argument("name")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN (4-8 digits) from standard input.")
@config_option
def user_pin(name: str, pin_stdin: bool, config_path: str | None) -> None:
    """Set the PIN typed after scanning the account's badge at the kiosk."""
    pin = _secret_from(pin_stdin, "PIN (4-8 chữ số / digits)")
    with _admin(config_path) as admin:
        admin.set_pin(name, pin, actor=ACTOR)
    click.echo(f"Đã đặt mã PIN / PIN set: {name}")


@user.command("badge")
@click.argument("name")
@click.option("--png", "png_path", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Write the badge's QR code to this PNG file.")
@click.option("--show-text", is_flag=True, help="Also print the text inside the QR (to print it by other means).")
@config_option
def user_badge(name: str, png_path: str, show_text: bool, config_path: str | None) -> None:
    """Print the account's badge QR (the same until 'locker user reset')."""
    import qrcode

    with _admin(config_path, badge=True) as admin:
        token_text = admin.badge(name, actor=ACTOR)
        has_pin = any(a["name"] == name and a["has_pin"] for a in admin.list_accounts())
    qrcode.make(token_text, box_size=8, border=4).save(png_path)
    click.echo(f"Đã ghi thẻ / badge written: {png_path}")
    if show_text:
        click.echo(token_text)
    if not has_pin:
        click.echo(f"Chưa có mã PIN: hãy chạy / no PIN yet: run 'locker user pin {name}'")


@click.group()
def token() -> None:
    """API bearer tokens (they expire)."""


@token.command("create")
@click.argument("name")
@click.option("--days", default=DEFAULT_TOKEN_DAYS, show_default=True, type=click.IntRange(1, MAX_TOKEN_DAYS),
              help="Days until the token expires.")
@config_option
def token_create(name: str, days: int, config_path: str | None) -> None:
    """Print a new API bearer token for that account."""
    with _admin(config_path) as admin:
        click.echo(admin.create_token(name, days=days, actor=ACTOR))


@token.command("list")
@config_option
def token_list(config_path: str | None) -> None:
    """List the tokens (never the tokens themselves: their first characters)."""
    with _admin(config_path) as admin:
        rows = admin.list_tokens()
    click.echo(f"{'ID':>5} {'ACCOUNT':<20} {'PREFIX':<9} {'STATE':<8} {'EXPIRES':<28} LAST USED")
    for t in rows:
        click.echo(f"{t['id']:>5} {t['account']:<20} {t['prefix']:<9} {t['state']:<8} {t['expires_at'] or '-':<28} "
                   f"{t['last_used_at'] or '-'}")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**63 - 1))
@config_option
def token_revoke(token_id: int, config_path: str | None) -> None:
    """Revoke a token by its id (see 'locker token list')."""
    with _admin(config_path) as admin:
        row = admin.revoke_token(token_id, actor=ACTOR)
    click.echo(f"Đã thu hồi mã / token revoked: {row['id']} ({row['account']}, {row['prefix']}...)")

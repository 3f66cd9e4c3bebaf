"""``locker user ...`` and ``locker token ...`` run as a technician runs them: each change
is made, printed in both languages, audited as ``cli``, and wrong input changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from locker.audit import as_dict
from locker.db import Database
from locker.models import AuditEvent
from tests.support.processes import run_locker

pytestmark = pytest.mark.e2e


@pytest.fixture
def workdir(tmp_path) -> Path:
    (tmp_path / "locker.toml").write_text("\n".join([
        "[database]", f'url = "sqlite:///{tmp_path / "locker.db"}"',
        "[security]", f'secret_file = "{tmp_path / "locker.secret"}"', "",
    ]), encoding="utf-8")
    assert locker(tmp_path, "db", "upgrade").returncode == 0
    assert locker(tmp_path, "user", "add", "lan", "--role", "clerk", "--password-stdin", stdin="lan-password\n"
                  ).returncode == 0
    return tmp_path


def locker(cwd: Path, *args: str, stdin: str | None = None):  # noqa: ANN201 - CompletedProcess
    return run_locker(*args, cwd=cwd, stdin=stdin)


def ok(cwd: Path, *args: str, stdin: str | None = None) -> str:
    result = locker(cwd, *args, stdin=stdin)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def audit_kinds(cwd: Path) -> list[tuple[str, str]]:
    db = Database(f"sqlite:///{cwd / 'locker.db'}")
    try:
        with db.session() as s:
            return [(e["kind"], e["actor"]) for e in map(as_dict, s.query(AuditEvent).order_by(AuditEvent.seq))]
    finally:
        db.dispose()


def test_list_disable_enable_and_reset_an_account(workdir):
    assert re.search(r"^lan\s+clerk\s+active\s+no\s+no\s", ok(workdir, "user", "list"), re.MULTILINE)
    assert "account disabled: lan" in ok(workdir, "user", "disable", "lan")
    assert re.search(r"^lan\s+clerk\s+disabled", ok(workdir, "user", "list"), re.MULTILINE)
    assert "account enabled: lan" in ok(workdir, "user", "enable", "lan")
    printed = ok(workdir, "user", "reset", "lan")
    assert re.search(r"new password: \S{12,}", printed), printed
    assert "new password" not in ok(workdir, "user", "reset", "lan", "--password-stdin", stdin="chosen-password\n")
    assert audit_kinds(workdir) == [("account_disabled", "cli"), ("account_enabled", "cli"),
                                    ("password_reset", "cli"), ("password_reset", "cli")]


def test_tokens_are_made_with_an_expiry_listed_and_revoked(workdir):
    token = ok(workdir, "token", "create", "lan", "--days", "3").strip().splitlines()[-1]
    assert token.startswith("lk_")
    listing = ok(workdir, "token", "list")
    assert re.search(rf"^\s+1 lan\s+{re.escape(token[:8])}\s+active\s+\d{{4}}-", listing, re.MULTILINE), listing
    assert token not in listing
    assert "token revoked: 1" in ok(workdir, "token", "revoke", "1")
    assert re.search(r"^\s+1 lan\s+\S+\s+revoked", ok(workdir, "token", "list"), re.MULTILINE)
    assert [kind for kind, _ in audit_kinds(workdir)] == ["token_created", "token_revoked"]


def test_a_pin_and_a_badge(workdir):
    ok(workdir, "user", "pin", "lan", "--pin-stdin", stdin="2468\n")
    printed = ok(workdir, "user", "badge", "lan", "--png", str(workdir / "lan.png"), "--show-text")
    assert (workdir / "lan.png").read_bytes().startswith(b"\x89PNG")
    assert re.search(r"^LKB1\.\d+\.\S{22}\.\S{22}$", printed, re.MULTILINE), printed
    assert re.search(r"^lan\s+clerk\s+active\s+yes\s+yes", ok(workdir, "user", "list"), re.MULTILINE)


@pytest.mark.parametrize("args,stdin,message", [
    (("user", "disable", "ghost"), None, "account ghost was not found"),
    (("user", "pin", "lan", "--pin-stdin"), "12ab\n", "A PIN is 4-8 digits."),
    (("user", "reset", "lan", "--password-stdin"), "short\n", "The password must be 8-256 characters."),
    (("token", "create", "lan", "--days", "0"), None, "0"),
    (("token", "revoke", "99"), None, "token 99 was not found"),
    (("user", "add", "sys", "--role", "robot", "--password-stdin"), "long-enough\n", "robot"),
])
def test_wrong_input_is_refused_cleanly_and_changes_nothing(workdir, args, stdin, message):
    before = audit_kinds(workdir)
    result = locker(workdir, *args, stdin=stdin)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output and message in output, output
    assert audit_kinds(workdir) == before
    assert re.search(r"^lan\s+clerk\s+active", ok(workdir, "user", "list"), re.MULTILINE)

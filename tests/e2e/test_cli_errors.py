"""The ``locker`` command run the way a technician runs it: a wrong configuration or an
unprepared database stops it at once with a message naming the problem, never with
a traceback."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from locker.audit import record
from locker.db import Database
from locker.ports import SystemClock
from tests.support.net import free_port
from tests.support.processes import run_locker

pytestmark = pytest.mark.e2e

STARTS_WITHIN_S = 20


def write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def base_config(tmp_path: Path, *, bus: str = "", http: str = "", compartment: str = "") -> str:
    return "\n".join([
        "[database]", f'url = "sqlite:///{tmp_path / "locker.db"}"',
        "[http]", 'host = "127.0.0.1"', http or f"port = {free_port()}",
        "[bus]", 'url = "loop://"', bus or 'protocol = "kerong-cu16"',
        "[security]", f'secret_file = "{tmp_path / "locker.secret"}"',
        "[[compartment]]", 'label = "A01"', "board = 0", compartment or "lock = 1", 'size = "S"', "",
    ])


def refused(*args: str, cwd: Path, stdin: str | None = None) -> str:
    """Run ``locker``; it must fail quickly and cleanly. Returns what it printed."""
    started = time.monotonic()
    result = run_locker(*args, cwd=cwd, stdin=stdin, timeout=STARTS_WITHIN_S + 10)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode not in (0, None), output
    assert elapsed < STARTS_WITHIN_S, f"took {elapsed:.1f}s: {output}"
    assert "Traceback" not in output, output
    return output


@pytest.mark.parametrize("name,overrides,key", [
    ("protocol", {"bus": 'protocol = "modbus-9000"'}, "bus.protocol"),
    ("port", {"http": 'port = "abc"'}, "http.port"),
    ("lock", {"compartment": "lock = 99"}, "compartment[0].lock"),
])
def test_serve_names_the_wrong_key(tmp_path, name, overrides, key):
    config = write(tmp_path / f"{name}.toml", base_config(tmp_path, **overrides))
    output = refused("serve", "--config", str(config), cwd=tmp_path)
    assert key in output
    assert not (tmp_path / "locker.db").exists()  # nothing started half-configured


def test_serve_without_a_readable_configuration(tmp_path):
    output = refused("serve", "--config", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert "missing.toml" in output and "not found" in output

    broken = write(tmp_path / "broken.toml", '[database]\nurl = "sqlite:///x.db\n[http\nport = 1\n')
    output = refused("serve", "--config", str(broken), cwd=tmp_path)
    assert "broken.toml" in output and "TOML" in output


def test_serve_on_a_database_that_was_not_upgraded(tmp_path):
    config = write(tmp_path / "locker.toml", base_config(tmp_path))
    output = refused("serve", "--config", str(config), cwd=tmp_path)
    assert "locker db upgrade" in output


def test_accounts_tokens_and_audit_errors(tmp_path):
    config = write(tmp_path / "locker.toml", base_config(tmp_path))
    output = refused("user", "add", "clerk1", "--role", "clerk", "--password-stdin", "--config", str(config),
                     cwd=tmp_path, stdin="s3cret-pass\n")
    assert "locker db upgrade" in output

    upgraded = run_locker("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    added = run_locker("user", "add", "clerk1", "--role", "clerk", "--password-stdin", "--config", str(config),
                       cwd=tmp_path, stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    output = refused("user", "add", "clerk1", "--role", "admin", "--password-stdin", "--config", str(config),
                     cwd=tmp_path, stdin="another-pass\n")
    assert "clerk1" in output and "already exists" in output
    output = refused("user", "add", "clerk2", "--role", "clerk", "--password-stdin", "--config", str(config),
                     cwd=tmp_path, stdin="short\n")
    assert "password" in output

    output = refused("token", "create", "unknown-user", "--config", str(config), cwd=tmp_path)
    assert "unknown-user" in output

    fresh = run_locker("audit", "verify", "--config", str(config), cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "0 events" in fresh.stdout


def test_audit_verify_names_the_tampered_event(tmp_path):
    db_path = tmp_path / "locker.db"
    config = write(tmp_path / "locker.toml", base_config(tmp_path))
    assert run_locker("db", "upgrade", "--config", str(config), cwd=tmp_path).returncode == 0
    database = Database(f"sqlite:///{db_path}")
    try:
        with database.session() as s:
            for n in range(1, 6):
                record(s, "door_opened", actor="system", compartment="A01", data={"n": n}, clock=SystemClock())
    finally:
        database.dispose()
    intact = run_locker("audit", "verify", "--config", str(config), cwd=tmp_path)
    assert intact.returncode == 0 and "5 events" in intact.stdout, intact.stdout + intact.stderr

    with sqlite3.connect(db_path) as conn:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
        triggers = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")]
        assert triggers
        for name in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    output = refused("audit", "verify", "--config", str(config), cwd=tmp_path)
    assert "broken at event 3" in output

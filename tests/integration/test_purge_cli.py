"""``locker purge`` as the server's operator runs it (its click command, in this process):
a dry run counts and changes nothing, a purge blanks the numbers of flows that ended long
ago (audited as ``cli``) and keeps the chain whole; ``locker db upgrade`` seals numbers stored before migration 0012."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from locker.audit import verify_chain
from locker.db import Database
from click.testing import CliRunner

from api.cli import cli


def run_locker(*args: str, cwd: Path):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(cli, [*args, "--config", str(cwd / "locker.toml")])


def test_purge_and_its_dry_run(tmp_path: Path):
    (tmp_path / "locker.toml").write_text("\n".join([
        "[database]", f'url = "sqlite:///{tmp_path / "locker.db"}"',
        "[security]", f'secret_file = "{tmp_path / "locker.secret"}"',
        "[privacy]", "retention_days = 30", "",
    ]), encoding="utf-8")
    db = Database(f"sqlite:///{tmp_path / 'locker.db'}")
    db.upgrade("0013")
    old, recent = datetime.now(timezone.utc) - timedelta(days=40), datetime.now(timezone.utc) - timedelta(days=2)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO dossiers (id, code, status, created_at, updated_at) VALUES "
                          "(1, 'HS-1', 'received', :t, :t), (2, 'HS-2', 'received', :t, :t)"), {"t": old})
        conn.execute(text("INSERT INTO dropoffs (id, dossier_id, phone, size, status, kiosk, created_at, updated_at) "
                          "VALUES (1, 1, '0912345678', 'M', 'collected', 'k1', :o, :o), "
                          "(2, 2, '0987654321', 'M', 'collected', 'k1', :r, :r)"),
                     {"o": old.replace(tzinfo=None), "r": recent.replace(tzinfo=None)})
    db.dispose()
    for args in (("db", "upgrade"), ("purge", "--dry-run")):
        result = run_locker(*args, cwd=tmp_path)
        assert result.exit_code == 0, result.output
    assert "would purge: dropoffs 1, results 0, announcements 0, outbox_messages 0" in result.stdout
    result = run_locker("purge", cwd=tmp_path)
    assert result.exit_code == 0 and "purged: dropoffs 1," in result.stdout, result.output
    db = Database(f"sqlite:///{tmp_path / 'locker.db'}")
    try:
        with db.engine.connect() as conn:
            phones = dict(conn.execute(text("SELECT id, phone FROM dropoffs")).all())
            events = conn.execute(text("SELECT kind, actor FROM audit_events")).all()
        assert phones[1] == "" and phones[2].startswith("gAAAAA") and "0987654321" not in phones[2]
        assert [tuple(e) for e in events] == [("personal_data_purged", "cli")]
        with db.session() as s:
            assert verify_chain(s).ok
    finally:
        db.dispose()

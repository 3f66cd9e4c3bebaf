"""Migration 0004 on SQLite and PostgreSQL: existing tokens get an expiry, accounts start unlocked."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from locker.db import Database


def test_upgrading_gives_live_tokens_90_days_and_leaves_revoked_ones_alone(db_url):
    db = Database(db_url)
    try:
        db.upgrade("0002")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO accounts (id, name, role, password_hash, created_at, disabled) "
                              "VALUES (1, 'lan', 'clerk', 'x', :t, false)"), {"t": datetime(2026, 1, 1)})
            conn.execute(text("INSERT INTO api_tokens (id, account_id, token_hash, prefix, created_at, revoked_at) "
                              "VALUES (1, 1, 'a', 'lk_a', :t, NULL), (2, 1, 'b', 'lk_b', :t, :t)"),
                         {"t": datetime(2026, 1, 1)})
        db.upgrade()
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, expires_at FROM api_tokens")).all())
            account = conn.execute(text("SELECT failed_logins, locked_until, failed_pins, badge_nonce "
                                        "FROM accounts")).one()
        expires = rows[1] if isinstance(rows[1], datetime) else datetime.fromisoformat(str(rows[1]))
        expected = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=90)
        assert abs(expires - expected) < timedelta(minutes=5)
        assert rows[2] is None
        assert tuple(account) == (0, None, 0, None)
    finally:
        db.dispose()

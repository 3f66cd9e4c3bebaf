"""Personal data sealed at rest, and the reports' anonymous statistics.

Phone numbers of drop-offs and results (and of announcements, and email addresses, where
the database has those columns) are sealed (Fernet, key from the cabinet's secret, given
by ``locker db upgrade``); the outbox keeps only a masked recipient (the
number is inside its sealed payload). The statistics tables are filled from the audit
log's history, so reports cover the time before this migration too.

Revision ID: 0012
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from datetime import timezone

import sqlalchemy as sa
from alembic import context, op

from locker.personal import SEALED_PREFIX, mask_phone, personal_fernet
from locker.statistics import ALARMS, COUNTED, office_day

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None

#: Columns holding citizens' phone numbers and addresses, where the database has them.
PERSONAL_COLUMNS = {"dropoffs": ("phone", "email"), "results": ("phone", "email"), "announcements": ("phone",)}


def upgrade() -> None:
    op.create_table(
        "daily_stats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("key", sa.String(40), nullable=False, server_default=""),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("day", "metric", "key", name="uq_daily_stats_day_metric_key"),
    )
    op.create_table(
        "pickup_waits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("wait_s", sa.Integer, nullable=False),
        sa.Column("on_time", sa.Boolean, nullable=False),
    )
    op.create_index("ix_pickup_waits_day_wait", "pickup_waits", ["day", "wait_s"])
    op.create_table(
        "counter_totals",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    )
    conn = op.get_bind()
    present = _personal_columns(conn)
    for table, columns in present.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Text())
    _seal(conn, present)
    for msg_id, recipient in conn.execute(sa.text("SELECT id, recipient FROM outbox_messages")).all():
        conn.execute(sa.text("UPDATE outbox_messages SET recipient = :r WHERE id = :i"),
                     {"r": mask_phone(recipient), "i": msg_id})
    _backfill(conn)


def _personal_columns(conn: sa.engine.Connection) -> dict[str, list[str]]:
    """The personal columns this database has (other migrations add some: announcements, email)."""
    inspector = sa.inspect(conn)
    present = {}
    for table, columns in PERSONAL_COLUMNS.items():
        if inspector.has_table(table):
            have = {c["name"] for c in inspector.get_columns(table)}
            present[table] = [c for c in columns if c in have]
    return {t: cols for t, cols in present.items() if cols}


def _seal(conn: sa.engine.Connection, present: dict[str, list[str]]) -> None:
    secret = context.config.attributes.get("secret")
    for table, columns in present.items():
        for column in columns:
            rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table} "  # noqa: S608 - names from a constant
                                        f"WHERE {column} IS NOT NULL AND {column} <> ''")).all()
            clear = [(i, v) for i, v in rows if not v.startswith(SEALED_PREFIX)]
            if clear and secret is None:
                raise RuntimeError("phone numbers are stored in clear: run `locker db upgrade --config FILE` "
                                   "so that the secret file seals them")
            key = personal_fernet(secret) if clear else None
            for row_id, value in clear:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),  # noqa: S608
                             {"v": key.encrypt(value.encode("utf-8")).decode("ascii"), "i": row_id})


def _backfill(conn: sa.engine.Connection) -> None:
    counts: dict[tuple, int] = {}
    ready: dict[str, object] = {}
    seen_alarms: set = set()
    waits = []
    rows = conn.execute(sa.text("SELECT seq, time, kind, dossier_code, data FROM audit_events ORDER BY seq"))
    for _seq, time, kind, code, text in rows:
        time = _utc(time)
        data = _load(text)
        day = office_day(time)
        if kind in COUNTED:
            key = (day, *COUNTED[kind])
            counts[key] = counts.get(key, 0) + 1
        if data.get("alarm") is True and data.get("alarm_id") not in seen_alarms:
            seen_alarms.add(data.get("alarm_id"))
            key = (day, ALARMS, str(data.get("alarm_kind") or kind)[:40])
            counts[key] = counts.get(key, 0) + 1
        if kind == "result_ready":
            ready[code] = time
        elif kind == "pickup_collected" and code in ready:
            waits.append((day, int((time - ready[code]).total_seconds()), _on_time(conn, data.get("pickup"), time)))
    for (day, metric, key), n in counts.items():
        conn.execute(sa.text("INSERT INTO daily_stats (day, metric, key, count) VALUES (:d, :m, :k, :n)"),
                     {"d": day, "m": metric, "k": key, "n": n})
    for day, wait, on_time in waits:
        conn.execute(sa.text("INSERT INTO pickup_waits (day, wait_s, on_time) VALUES (:d, :w, :o)"),
                     {"d": day, "w": max(0, wait), "o": on_time})


def _on_time(conn: sa.engine.Connection, pickup_id: object, time) -> bool:  # type: ignore[no-untyped-def]
    expires = conn.execute(sa.text("SELECT c.expires_at FROM pickups p JOIN credentials c ON c.id = p.credential_id "
                                   "WHERE p.id = :i"), {"i": pickup_id}).scalar()
    return expires is None or time <= _utc(expires)


def _utc(value):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        from datetime import datetime
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _load(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def downgrade() -> None:
    op.drop_table("counter_totals")
    op.drop_index("ix_pickup_waits_day_wait", table_name="pickup_waits")
    op.drop_table("pickup_waits")
    op.drop_table("daily_stats")


"""The initial schema: every table, the indexes and the audit log's append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "compartments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(16), nullable=False, unique=True),
        sa.Column("size", sa.String(1), nullable=False),
        sa.Column("board", sa.Integer, nullable=False),
        sa.Column("lock", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("door", sa.String(8), nullable=False),
        sa.Column("item", sa.Boolean, nullable=True),
        sa.Column("service_note", sa.String(200), nullable=False),
        _ts("updated_at"),
        sa.UniqueConstraint("board", "lock", name="uq_compartments_board_lock"),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_table(
        "dropoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("dossier_id", "dossiers.id"),
        _fk("compartment_id", "compartments.id", nullable=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("size", sa.String(1), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("kiosk", sa.String(64), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_dropoffs_dossier_id", "dropoffs", ["dossier_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("dossier_id", "dossiers.id"),
        _fk("compartment_id", "compartments.id", nullable=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("size", sa.String(1), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("loaded_by", sa.String(64), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_results_dossier_id", "results", ["dossier_id"])
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("result_id", "results.id"),
        _fk("dossier_id", "dossiers.id"),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("qr_hash", sa.String(64), nullable=False),
        _ts("created_at"), _ts("expires_at"), _ts("used_at", True), _ts("revoked_at", True),
        sa.Column("failures", sa.Integer, nullable=False),
    )
    op.create_index("ix_credentials_result_id", "credentials", ["result_id"])
    op.create_index("ix_credentials_dossier_id", "credentials", ["dossier_id"])
    op.create_table(
        "pickups",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("result_id", "results.id"),
        _fk("compartment_id", "compartments.id"),
        _fk("credential_id", "credentials.id"),
        sa.Column("kiosk", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_pickups_result_id", "pickups", ["result_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("dropoff_id", "dropoffs.id", nullable=True),
        _fk("result_id", "results.id", nullable=True),
        _fk("compartment_id", "compartments.id"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("compartment_id", "compartments.id"),
        _fk("dropoff_id", "dropoffs.id", nullable=True),
        _fk("result_id", "results.id", nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        _ts("created_at"), _ts("released_at", True),
    )
    op.create_index("uq_assignments_active_compartment", "assignments", ["compartment_id"], unique=True,
                    sqlite_where=sa.text("active = 1"), postgresql_where=sa.text("active"))
    op.create_table(
        "door_operations",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("compartment_id", "compartments.id"),
        sa.Column("purpose", sa.String(12), nullable=False),
        sa.Column("ref_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_door_operations_compartment_status", "door_operations", ["compartment_id", "status"])
    _audit_tables()
    _account_tables()
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at"),
        sa.Column("last_error", sa.String(500), nullable=False),
        _ts("created_at"), _ts("sent_at", True),
    )
    op.create_index("ix_outbox_messages_status_next", "outbox_messages", ["status", "next_attempt_at"])
    op.create_table(
        "kiosk_throttles",
        sa.Column("kiosk", sa.String(64), primary_key=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        _ts("blocked_until", True),
        sa.Column("penalty_s", sa.Integer, nullable=False),
    )


def _audit_tables() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        _ts("time"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("compartment", sa.String(16), nullable=True),
        sa.Column("dossier_code", sa.String(64), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])
    op.create_index("ix_audit_events_dossier_code", "audit_events", ["dossier_code"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                       "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def _account_tables() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("account_id", "accounts.id"),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        _ts("created_at"), _ts("last_used_at", True), _ts("revoked_at", True),
    )
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    for table in ("kiosk_throttles", "outbox_messages", "api_tokens", "accounts", "audit_head", "audit_events",
                  "door_operations", "assignments", "collections", "pickups", "credentials", "results",
                  "dropoffs", "dossiers", "compartments"):
        op.drop_table(table)

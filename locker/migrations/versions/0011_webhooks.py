"""Webhooks (subscriptions, events, the deliveries' outbox and their attempts) and the
audit log's marks (webhook cursor, exported head, last verified event).

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("events", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(40), nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        _ts("time"),
        sa.Column("seq", sa.Integer, nullable=True),
        sa.Column("ref", sa.String(40), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_webhook_events_ref", "webhook_events", ["ref"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer,
                  sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("webhook_events.id"), nullable=False),
        sa.Column("ordering", sa.String(80), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at"), _ts("first_attempt_at", True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        _ts("created_at"), _ts("delivered_at", True),
    )
    op.create_index("ix_webhook_deliveries_status_next", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_sub_order", "webhook_deliveries",
                    ["subscription_id", "ordering", "status"])
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("delivery_id", sa.Integer,
                  sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
        _ts("time"),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("trigger", sa.String(8), nullable=False),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])
    op.create_table(
        "audit_marks",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _ts("time"),
    )


def downgrade() -> None:
    for table in ("audit_marks", "webhook_attempts", "webhook_deliveries", "webhook_events",
                  "webhook_subscriptions"):
        op.drop_table(table)

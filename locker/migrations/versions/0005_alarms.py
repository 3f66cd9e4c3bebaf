"""Alarms as records (the inbox), and door-left-open timers that survive a restart.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("compartment", sa.String(16), nullable=True),
        sa.Column("board", sa.String(40), nullable=True),
        sa.Column("time", sa.DateTime(timezone=False), nullable=False),
        sa.Column("last_time", sa.DateTime(timezone=False), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_alarms_state_kind", "alarms", ["state", "kind"])
    with op.batch_alter_table("compartments") as batch:
        batch.add_column(sa.Column("door_opened_at", sa.DateTime(timezone=False), nullable=True))
        batch.add_column(sa.Column("left_open_stage", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("compartments") as batch:
        batch.drop_column("left_open_stage")
        batch.drop_column("door_opened_at")
    op.drop_index("ix_alarms_state_kind", "alarms")
    op.drop_table("alarms")

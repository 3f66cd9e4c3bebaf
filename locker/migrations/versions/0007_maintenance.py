"""Maintenance openings, and the "open all" check with its checklist.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "maintenance_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _ts("created_at"), _ts("finished_at", True),
    )
    op.create_table(
        "maintenance_openings",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("compartment_id", "compartments.id"),
        _fk("run_id", "maintenance_runs.id", nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("latch_released", sa.Boolean, nullable=False),
        sa.Column("door_opened", sa.Boolean, nullable=False),
        sa.Column("item", sa.Boolean, nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_maintenance_openings_run_id", "maintenance_openings", ["run_id"])
    op.create_table(
        "maintenance_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("run_id", "maintenance_runs.id"),
        _fk("compartment_id", "compartments.id"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _fk("opening_id", "maintenance_openings.id", nullable=True),
        sa.Column("opened_ok", sa.Boolean, nullable=True),
        sa.Column("latch_ok", sa.Boolean, nullable=True),
        sa.Column("sensor_ok", sa.Boolean, nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("checked_by", sa.String(64), nullable=False),
        _ts("checked_at", True),
    )
    op.create_index("ix_maintenance_checks_run_id", "maintenance_checks", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_checks_run_id", "maintenance_checks")
    op.drop_table("maintenance_checks")
    op.drop_index("ix_maintenance_openings_run_id", "maintenance_openings")
    op.drop_table("maintenance_openings")
    op.drop_table("maintenance_runs")

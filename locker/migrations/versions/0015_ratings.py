"""The kiosk's satisfaction ratings: one per finished drop-off or pickup, tied to its dossier.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("dropoff_id", sa.Integer, sa.ForeignKey("dropoffs.id"), nullable=True, unique=True),
        sa.Column("pickup_id", sa.Integer, sa.ForeignKey("pickups.id"), nullable=True, unique=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("chips", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.CheckConstraint("(dropoff_id IS NULL) <> (pickup_id IS NULL)", name="ck_ratings_one_transaction"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
    )
    op.create_index("ix_ratings_dossier_id", "ratings", ["dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_ratings_dossier_id", table_name="ratings")
    op.drop_table("ratings")

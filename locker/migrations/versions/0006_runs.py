"""Announcements, clerks' runs (loading, collection, retrieval) and result deadlines.

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("deadline", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reminded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("extended_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.String(200), nullable=False, server_default=""))
    # Results already waiting keep the deadline of their newest credential.
    op.execute("UPDATE results SET deadline = (SELECT max(credentials.expires_at) FROM credentials "
               "WHERE credentials.result_id = results.id)")
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_code", sa.String(64), nullable=False, unique=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("size", sa.String(1), nullable=False),
        sa.Column("procedure", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("result_id", sa.Integer(), sa.ForeignKey("results.id"), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "load_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("scanner", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("pending_code", sa.String(64), nullable=True),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "load_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("load_runs.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), sa.ForeignKey("results.id"), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "cabinet_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("scanner", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "run_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("cabinet_runs.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("compartment_id", sa.Integer(), sa.ForeignKey("compartments.id"), nullable=False),
        sa.Column("expected_code", sa.String(64), nullable=False),
        sa.Column("collection_id", sa.Integer(), sa.ForeignKey("collections.id"), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("check", sa.String(12), nullable=False),
        sa.Column("scanned_code", sa.String(64), nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("run_items", "cabinet_runs", "load_items", "load_runs", "announcements"):
        op.drop_table(table)
    with op.batch_alter_table("results") as batch:
        for column in ("extension_reason", "extended_at", "reminded_at", "deadline"):
            batch.drop_column(column)

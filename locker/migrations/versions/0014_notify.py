"""Citizens' language and email address; what the gateway said about each outbox message.

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("dropoffs", "results"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(2), nullable=False, server_default="vi"))
            batch.add_column(sa.Column("email", sa.Text(), nullable=True))  # sealed (locker.personal.Sealed)
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("recipient", existing_type=sa.String(16), type_=sa.String(64))
        batch.add_column(sa.Column("kind", sa.String(24), nullable=False, server_default=""))
        batch.add_column(sa.Column("gateway_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("gateway_id", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("gateway_id")
        batch.drop_column("gateway_status")
        batch.drop_column("kind")
        batch.alter_column("recipient", existing_type=sa.String(64), type_=sa.String(16))
    for table in ("results", "dropoffs"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("email")
            batch.drop_column("language")

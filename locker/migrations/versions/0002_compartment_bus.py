"""Compartments name their lock bus: a cabinet may have several RS485 buses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("compartments") as batch:
        batch.add_column(sa.Column("bus", sa.String(32), nullable=False, server_default="main"))
        batch.drop_constraint("uq_compartments_board_lock", type_="unique")
        batch.create_unique_constraint("uq_compartments_bus_board_lock", ["bus", "board", "lock"])


def downgrade() -> None:
    with op.batch_alter_table("compartments") as batch:
        batch.drop_constraint("uq_compartments_bus_board_lock", type_="unique")
        batch.create_unique_constraint("uq_compartments_board_lock", ["board", "lock"])
        batch.drop_column("bus")

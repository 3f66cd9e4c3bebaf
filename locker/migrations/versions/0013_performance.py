"""Issue 12: wrong pickup codes counted through one index on (dossier_code, kind); the
point up to which the audit chain was last verified (``locker audit verify --from-last``).

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_dossier_kind", "audit_events", ["dossier_code", "kind"])
    op.create_table(
        "audit_verified",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=False), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_verified")
    op.drop_index("ix_audit_events_dossier_kind", table_name="audit_events")

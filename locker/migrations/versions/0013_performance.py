"""Issue 12: wrong pickup codes counted through one index on (dossier_code, kind).

Revision ID: 0013
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_dossier_kind", "audit_events", ["dossier_code", "kind"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_dossier_kind", table_name="audit_events")

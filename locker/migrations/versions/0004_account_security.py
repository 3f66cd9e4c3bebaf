"""Accounts: lock-out after wrong passwords, a kiosk badge with a PIN; API tokens expire.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Tokens made before expiry existed keep working this long after the upgrade.
EXISTING_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=False), nullable=True))
        batch.add_column(sa.Column("pin_hash", sa.String(200), nullable=True))
        batch.add_column(sa.Column("failed_pins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("pin_locked_until", sa.DateTime(timezone=False), nullable=True))
        batch.add_column(sa.Column("badge_nonce", sa.String(32), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=False), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime), sa.column("revoked_at", sa.DateTime))
    if op.get_bind().dialect.name == "postgresql":
        later = sa.text(f"(now() at time zone 'utc') + interval '{EXISTING_TOKEN_DAYS} days'")
    else:
        later = sa.text(f"datetime('now', '+{EXISTING_TOKEN_DAYS} days')")
    op.execute(tokens.update().where(tokens.c.revoked_at.is_(None)).values(expires_at=later))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("accounts") as batch:
        for column in ("badge_nonce", "pin_locked_until", "failed_pins", "pin_hash", "locked_until",
                       "failed_logins"):
            batch.drop_column(column)

"""Stock rows remember the last snapshot that listed them.

A stock read lists the whole catalogue; a row it no longer lists (a size the
marketplace omits once sold out, a product taken off sale) is set to zero at the end
of a complete read instead of keeping its last figure forever.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock_levels") as batch:
        batch.add_column(sa.Column("seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_levels") as batch:
        batch.drop_column("seen_at")

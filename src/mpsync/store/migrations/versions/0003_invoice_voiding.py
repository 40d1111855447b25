"""Invoices of orders cancelled or returned after invoicing are voided, not deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("voided_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")

"""What the seller earns (``mpsync.finance``): finance entries learn the marketplace row they
come from, the goods' marketplace id and units, and whether a rule knew the operation;
returns get a table of their own.

Revision ID: 0009
Revises: 0014 (stock sync and perf landed first; 0009 is finance's reserved number)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import MONEY, JSONText, UTCDateTime

revision = "0009"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finance_entries") as batch:
        batch.add_column(sa.Column("source_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("marketplace_sku", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("known", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("quantity", sa.Integer(), nullable=True))
    op.create_index("ix_finance_entries_source", "finance_entries", ["account_id", "source_id"])
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_external_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("state", sa.String(length=128), nullable=True),
        sa.Column("refund_amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("lines", JSONText(), nullable=True),
        sa.Column("raw", JSONText(), nullable=True),
        sa.Column("inserted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "external_id"),
    )
    op.create_index("ix_returns_order", "returns", ["account_id", "order_external_id"])


def downgrade() -> None:
    op.drop_index("ix_returns_order", table_name="returns")
    op.drop_table("returns")
    op.drop_index("ix_finance_entries_source", table_name="finance_entries")
    with op.batch_alter_table("finance_entries") as batch:
        batch.drop_column("quantity")
        batch.drop_column("known")
        batch.drop_column("marketplace_sku")
        batch.drop_column("source_id")

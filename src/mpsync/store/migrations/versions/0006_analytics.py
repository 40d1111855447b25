"""Analytics: the daily stock history, and the finance and cost tables (agreed schemas).

``stock_history`` keeps one row per SKU, warehouse and display-zone day (the last
stock read of the day). ``finance_entries`` and ``product_costs`` follow the schemas
agreed for the finance work, which fills them; analytics reads them, empty or not.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import JSONText, Money, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_history",
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("warehouse", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "sku", "warehouse", "day"),
    )
    op.create_index("ix_stock_history_day", "stock_history", ["day"])
    op.create_table(
        "finance_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_external_id", sa.String(length=128), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=255), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("raw", JSONText(), nullable=True),
        sa.Column("inserted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "external_id"),
    )
    op.create_index("ix_finance_entries_occurred", "finance_entries", ["occurred_at"])
    op.create_table(
        "product_costs",
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("cost", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("sku", "valid_from"),
    )


def downgrade() -> None:
    op.drop_table("product_costs")
    op.drop_index("ix_finance_entries_occurred", table_name="finance_entries")
    op.drop_table("finance_entries")
    op.drop_index("ix_stock_history_day", table_name="stock_history")
    op.drop_table("stock_history")

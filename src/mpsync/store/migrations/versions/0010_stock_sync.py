"""Stock sync (``mpsync.stocksync``): the seller's own stock ledger, the reservations
orders hold on it, and every stock or price push with the marketplace's answer.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import MONEY, JSONText, UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_items",
        sa.Column("item", sa.String(length=255), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=True),
        sa.Column("base_price", MONEY, nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item"),
    )
    op.create_table(
        "stock_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=255), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_ledger_item", "stock_ledger", ["item", "at"])
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reserved_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "line_no"),
    )
    op.create_index("ix_stock_reservations_state", "stock_reservations", ["state"])
    op.create_table(
        "stock_push_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("warehouse", sa.String(length=128), nullable=False),
        sa.Column("sent", JSONText(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_push_log_key", "stock_push_log", ["account_id", "kind", "sku", "at"])


def downgrade() -> None:
    op.drop_index("ix_stock_push_log_key", table_name="stock_push_log")
    op.drop_table("stock_push_log")
    op.drop_index("ix_stock_reservations_state", table_name="stock_reservations")
    op.drop_table("stock_reservations")
    op.drop_index("ix_stock_ledger_item", table_name="stock_ledger")
    op.drop_table("stock_ledger")
    op.drop_table("stock_items")

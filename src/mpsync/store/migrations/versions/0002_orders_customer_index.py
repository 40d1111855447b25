"""Index orders by customer (customer aggregates are recomputed per page).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_customer", "orders", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer", table_name="orders")

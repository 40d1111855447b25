"""Orders keep when they were first confirmed and first handed over, and reports read a
period's orders from one index.

``confirmed_at`` / ``shipped_at``: the first time the order's timeline reached
confirmed-or-later / shipped-or-later (``OrderState.milestones``); the writer keeps them
from now on. Existing orders take them from their status history (the earliest change
into such a status): the same moment except for an earlier status read after a later
one, which the history never recorded as a change and the next write of the order
corrects. ``ix_orders_created_report`` (creation time, then every column the KPI and
SKU reports read) replaces ``ix_orders_created_at``, so ``report kpi`` over a million
orders reads neither the status history nor the rows' raw JSON.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import UTCDateTime

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

CONFIRMED_OR_LATER = ("confirmed", "ready_to_ship", "shipped", "delivered", "completed",
                      "returned")  # fmt: skip
SHIPPED_OR_LATER = ("shipped", "delivered", "completed", "returned")
REPORT_COLUMNS = ["created_at", "status", "account_id", "items_total", "customer_id", "ship_by",
                  "confirmed_at", "shipped_at"]  # fmt: skip


def _first_change(statuses: tuple[str, ...]) -> str:
    names = ", ".join(f"'{s}'" for s in statuses)
    return (f"(SELECT min(c.at) FROM status_changes c WHERE c.order_id = orders.id"
            f" AND c.to_status IN ({names}))")  # fmt: skip


def upgrade() -> None:
    op.add_column("orders", sa.Column("confirmed_at", UTCDateTime(), nullable=True))
    op.add_column("orders", sa.Column("shipped_at", UTCDateTime(), nullable=True))
    op.execute(
        f"UPDATE orders SET confirmed_at = {_first_change(CONFIRMED_OR_LATER)},"
        f" shipped_at = {_first_change(SHIPPED_OR_LATER)}"
        " WHERE EXISTS (SELECT 1 FROM status_changes c WHERE c.order_id = orders.id)"
    )
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.create_index("ix_orders_created_report", "orders", REPORT_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_orders_created_report", table_name="orders")
    op.create_index("ix_orders_created_at", "orders", ["created_at"])
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipped_at")
        batch.drop_column("confirmed_at")

"""Buyers' questions and reviews (``mpsync.inbox``): one row per message, with the seller's
draft, the answer on its way and the answer read back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import JSONText, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buyer_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("product_ids", JSONText(), nullable=True),
        sa.Column("product_name", sa.String(), nullable=True),
        sa.Column("order_external_id", sa.String(length=128), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("pros", sa.String(), nullable=True),
        sa.Column("cons", sa.String(), nullable=True),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("answer_id", sa.String(length=128), nullable=True),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("draft", sa.String(), nullable=True),
        sa.Column("rule", sa.String(length=128), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("raw", JSONText(), nullable=True),
        sa.Column("inserted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "kind", "external_id"),
    )
    op.create_index("ix_buyer_messages_state", "buyer_messages", ["state", "deadline"])
    op.create_index("ix_buyer_messages_created", "buyer_messages", ["created_at"])
    op.create_index("ix_buyer_messages_customer_id", "buyer_messages", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_buyer_messages_customer_id", table_name="buyer_messages")
    op.drop_index("ix_buyer_messages_created", table_name="buyer_messages")
    op.drop_index("ix_buyer_messages_state", table_name="buyer_messages")
    op.drop_table("buyer_messages")

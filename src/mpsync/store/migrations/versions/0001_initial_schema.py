"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 10:46:12.334830
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mpsync.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("marketplace", sa.String(length=63), nullable=False),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cursors",
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("synced_until", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "stream"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("company_name", sa.String(), nullable=True),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("kpp", sa.String(length=9), nullable=True),
        sa.Column("first_order_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_order_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("orders_count", sa.Integer(), nullable=False),
        sa.Column("spent", mpsync.store.types.Money(), nullable=False),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("raw", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("field", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "stream", "fingerprint"),
    )
    op.create_table(
        "domain_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("payload", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_domain_events_handled_at"), ["handled_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_domain_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_domain_events_order_id"), ["order_id"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("body", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("received_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "dedupe_key"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_due", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "invoice_sequences",
        sa.Column("sequence", sa.String(length=63), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", "year"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=63), nullable=False),
        sa.Column("event_kind", sa.String(length=64), nullable=False),
        sa.Column("payload", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("dead_lettered", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_runs_latest", ["account_id", "stream", "started_at"], unique=False
        )

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("group_key", sa.String(length=128), nullable=True),
        sa.Column("order_number", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("status_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_seen", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("marketplace_status", sa.String(length=128), nullable=False),
        sa.Column("marketplace_substatus", sa.String(length=128), nullable=True),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "source_updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("ship_by", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_method", sa.String(), nullable=True),
        sa.Column("payment_method", sa.String(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("items_total", mpsync.store.types.Money(), nullable=False),
        sa.Column("total", mpsync.store.types.Money(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("buyer_company", sa.String(), nullable=True),
        sa.Column("buyer_inn", sa.String(length=12), nullable=True),
        sa.Column("buyer_kpp", sa.String(length=9), nullable=True),
        sa.Column("delivery_address", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", mpsync.store.types.JSONText(), nullable=True),
        sa.Column("inserted_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "external_id"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_orders_group", ["account_id", "group_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_ship_by"), ["ship_by"], unique=False)

    op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("price", mpsync.store.types.Money(), nullable=False),
        sa.Column("old_price", mpsync.store.types.Money(), nullable=True),
        sa.Column("min_price", mpsync.store.types.Money(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "source_updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "sku"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("marketplace_sku", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "sku"),
    )
    op.create_table(
        "stock_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("warehouse", sa.String(length=128), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column(
            "source_updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "sku", "warehouse"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.String(length=63), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=128), nullable=False),
        sa.Column("issued_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", mpsync.store.types.Money(), nullable=False),
        sa.Column("vat_amount", mpsync.store.types.Money(), nullable=False),
        sa.Column("document", mpsync.store.types.JSONText(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("order_id"),
        sa.UniqueConstraint("sequence", "year", "seq"),
    )
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("marketplace_sku", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", mpsync.store.types.Money(), nullable=False),
        sa.Column("total", mpsync.store.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "line_no"),
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("marketplace_status", sa.String(length=128), nullable=True),
        sa.Column("at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "from_status", "to_status", "at"),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_changes_order_id"), ["order_id"], unique=False)

    op.create_table(
        "write_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("created_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", mpsync.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "action"),
    )
    with op.batch_alter_table("write_backs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_write_backs_order_id"), ["order_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("write_backs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_write_backs_order_id"))

    op.drop_table("write_backs")
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_changes_order_id"))

    op.drop_table("status_changes")
    op.drop_table("order_lines")
    op.drop_table("invoices")
    op.drop_table("stock_levels")
    op.drop_table("products")
    op.drop_table("prices")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_ship_by"))
        batch_op.drop_index("ix_orders_group")
        batch_op.drop_index(batch_op.f("ix_orders_created_at"))
        batch_op.drop_index("ix_orders_account_status")

    op.drop_table("orders")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_latest")

    op.drop_table("sync_runs")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    op.drop_table("invoice_sequences")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_due")

    op.drop_table("inbox")
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domain_events_order_id"))
        batch_op.drop_index(batch_op.f("ix_domain_events_kind"))
        batch_op.drop_index(batch_op.f("ix_domain_events_handled_at"))

    op.drop_table("domain_events")
    op.drop_table("dead_letters")
    op.drop_table("customers")
    op.drop_table("cursors")
    op.drop_table("accounts")

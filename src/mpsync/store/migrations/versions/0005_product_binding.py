"""Product binding: the catalogue binds a seller SKU to the marketplace's own ids, and
stock and price pushes are recorded and read back.

* ``products`` gains ``barcodes`` and ``source_updated_at`` (filled by product reads);
* ``product_ids``: one row per (catalogue row, id name), e.g. WB ``nmID`` / ``chrtId``;
* ``inventory_pushes``: the last push per (account, kind, SKU, warehouse), its answer
  and what the next read showed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import JSONText, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("barcodes", JSONText(), nullable=True))
        batch.add_column(sa.Column("source_updated_at", UTCDateTime(), nullable=True))
    op.create_table(
        "product_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "name"),
    )
    op.create_index("ix_product_ids_value", "product_ids", ["name", "value"], unique=False)
    op.create_table(
        "inventory_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("warehouse", sa.String(length=128), nullable=False),
        sa.Column("sent", JSONText(), nullable=True),
        sa.Column("ids", JSONText(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("read", JSONText(), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "kind", "sku", "warehouse"),
    )


def downgrade() -> None:
    op.drop_table("inventory_pushes")
    op.drop_index("ix_product_ids_value", table_name="product_ids")
    op.drop_table("product_ids")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("source_updated_at")
        batch.drop_column("barcodes")

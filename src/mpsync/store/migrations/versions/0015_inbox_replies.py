"""Approving drafts by reply: the replies received (``inbox_replies``), which buyer message
a delivered notification was about (``notice_links``), and how far a channel's incoming
replies were read (``channel_cursors``, Telegram's ``getUpdates`` offset).

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import UTCDateTime

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_key", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["buyer_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reply_key"),
    )
    op.create_index("ix_inbox_replies_message_id", "inbox_replies", ["message_id"])
    op.create_table(
        "notice_links",
        sa.Column("channel", sa.String(length=63), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["buyer_messages.id"]),
        sa.PrimaryKeyConstraint("channel", "ref"),
    )
    op.create_table(
        "channel_cursors",
        sa.Column("channel", sa.String(length=63), nullable=False),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("channel_cursors")
    op.drop_table("notice_links")
    op.drop_index("ix_inbox_replies_message_id", table_name="inbox_replies")
    op.drop_table("inbox_replies")

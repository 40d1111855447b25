"""The queue of received marketplace pushes is called by its role: table ``inbox`` becomes
``pushes`` (``ix_inbox_due`` → ``ix_pushes_due``). "Inbox" now means the buyers'
questions and reviews only (``buyer_messages``, ``mpsync inbox``).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_inbox_due", table_name="inbox")
    op.rename_table("inbox", "pushes")
    op.create_index("ix_pushes_due", "pushes", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_pushes_due", table_name="pushes")
    op.rename_table("pushes", "inbox")
    op.create_index("ix_inbox_due", "inbox", ["state", "next_attempt_at"])

"""Leases: several mpsync processes on one store, and crash leftovers taken again.

``leases`` holds one row per unit of work (an (account, stream) run, a workflow rule,
retention, the SQLite daemon) with its holder and expiry; ``processes`` the live
processes and their supervised tasks. Outbox, inbox and write-back rows name the
process that holds them; sync runs name the process that ran them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mpsync.store.types import JSONText, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OWNER = 191


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("unit", sa.String(length=_OWNER), primary_key=True),
        sa.Column("owner", sa.String(length=_OWNER), nullable=True),
        sa.Column("acquired_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("last_owner", sa.String(length=_OWNER), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "processes",
        sa.Column("owner", sa.String(length=_OWNER), primary_key=True),
        sa.Column("node", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("tasks", JSONText(), nullable=True),
    )
    op.create_index("ix_processes_expires_at", "processes", ["expires_at"])
    for table in ("outbox", "inbox"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_owner", sa.String(length=_OWNER), nullable=True))
    with op.batch_alter_table("write_backs") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=_OWNER), nullable=True))
        batch.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=_OWNER), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("owner")
    with op.batch_alter_table("write_backs") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
    for table in ("inbox", "outbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_owner")
    op.drop_index("ix_processes_expires_at", table_name="processes")
    op.drop_table("processes")
    op.drop_table("leases")

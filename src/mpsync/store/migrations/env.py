"""Alembic environment: runs against the engine mpsync hands over, never a URL in a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from mpsync.store.tables import ALL_TABLES

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - misuse guard
    raise RuntimeError("run migrations through mpsync.store.migrate, not the alembic CLI")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=ALL_TABLES,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()

"""Migration 0011: the queue of received pushes keeps its rows as table ``pushes``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text
from tests.foundation.test_migration_milestones import empty_url  # noqa: F401 - fixture

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


def test_queued_pushes_survive_the_rename(empty_url: str) -> None:  # noqa: F811
    engine = create_store_engine(empty_url)
    upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO inbox (account_id, dedupe_key, kind, state, attempts, next_attempt_at,"
            " received_at) VALUES ('oz', 'k1', 'TYPE_NEW_POSTING', 'pending', 0, :t, :t)"),
            {"t": T0})  # fmt: skip
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert "pushes" in tables and "inbox" not in tables
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT dedupe_key, state FROM pushes")).all()
    assert [tuple(r) for r in rows] == [("k1", "pending")]
    indexes = {i["name"] for i in inspect(engine).get_indexes("pushes")}
    assert "ix_pushes_due" in indexes
    engine.dispose()

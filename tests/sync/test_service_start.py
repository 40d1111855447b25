"""Building a runtime and its SyncService does no I/O; register_accounts() registers the
accounts, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, text

from mpsync.config import load_config_data
from mpsync.runtime import Runtime
from mpsync.sync.service import SyncService

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_constructor_does_no_io_and_start_registers_accounts_once(store: Engine) -> None:
    settings = load_config_data({"accounts": [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb"},
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k3y"},
    ]}, env={})  # fmt: skip
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(store, "before_cursor_execute", seen)
    try:
        service = SyncService(Runtime.build(store, settings, clock=lambda: NOW))
        assert statements == []
        service.runtime.register_accounts()
        assert statements
        done = len(statements)
        service.runtime.register_accounts()
        assert len(statements) == done
    finally:
        event.remove(store, "before_cursor_execute", seen)
    with store.connect() as connection:
        rows = connection.execute(text("SELECT id, marketplace FROM accounts ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("oz", "ozon"), ("wb", "wildberries")]

"""The sync engine against the sandbox: converges on its truth, idempotently, on both stores."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxServer
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from tests.sync.conftest import make_settings, service_for, store_orders, truth_orders


def _sync(server: SandboxServer, engine: Engine, url: str) -> list[object]:
    service = service_for(server, engine, make_settings(server, url))

    async def run() -> list[object]:
        try:
            return list(await service.sync())
        finally:
            await service.runtime.aclose()

    return asyncio.run(run())


def _plain(value: object) -> str:
    """Raw driver values: SQLite gives 6164 where PostgreSQL gives 6164.00."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.2f}"
    return str(value)[:19]


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_sync_reaches_truth_and_replays_change_nothing(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    results = _sync(sandbox, store, store_url)
    assert all(r.outcome == "ok" for r in results), [r.error for r in results]  # type: ignore[attr-defined]
    assert store_orders(store) == truth_orders(sandbox)
    assert len(truth_orders(sandbox)) >= 100

    sandbox.state.advance(240)  # four simulated hours: new orders, status moves
    _sync(sandbox, store, store_url)
    assert store_orders(store) == truth_orders(sandbox)

    counts = {t: _count(store, t) for t in ("orders", "order_lines", "status_changes",
                                              "domain_events", "customers")}  # fmt: skip
    again = _sync(sandbox, store, store_url)
    assert {t: _count(store, t) for t in counts} == counts
    for result in again:
        assert result.counts.inserted == 0 and result.counts.updated == 0  # type: ignore[attr-defined]


def test_every_status_change_has_one_history_row_and_event(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    _sync(sandbox, store, store_url)
    sandbox.state.advance(600)
    _sync(sandbox, store, store_url)
    with store.connect() as connection:
        dup_history = connection.execute(text(
            "SELECT order_id, to_status FROM status_changes GROUP BY order_id, to_status"
            " HAVING COUNT(*) > 1")).all()  # fmt: skip
        changes = connection.execute(
            text("SELECT COUNT(*) FROM status_changes WHERE from_status IS NOT NULL")
        ).scalar_one()
        events = connection.execute(
            text(
                "SELECT COUNT(*) FROM domain_events WHERE kind LIKE 'order.%' AND kind <> 'order.created'"
            )
        ).scalar_one()
        created = connection.execute(
            text("SELECT COUNT(*) FROM domain_events WHERE kind = 'order.created'")
        ).scalar_one()
    assert dup_history == []
    assert changes == events and changes > 0
    assert created == _count(store, "orders")


def test_sqlite_and_postgres_hold_identical_contents(
    sandbox: SandboxServer, tmp_path: object, pg_schema_url: str
) -> None:
    dumps = []
    for url in (f"sqlite:///{tmp_path}/a.db", pg_schema_url):
        engine = create_store_engine(url)
        upgrade(engine)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE accounts, orders, order_lines, status_changes,"
                                        " domain_events, customers, products, cursors, sync_runs,"
                                        " outbox, dead_letters CASCADE"))  # fmt: skip
        _sync(sandbox, engine, url)
        _sync(sandbox, engine, url)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT o.account_id, o.external_id, o.group_key, o.status, o.marketplace_status,"
                " o.total, o.items_total, o.currency, o.created_at, o.ship_by, l.line_no, l.sku,"
                " l.quantity, l.unit_price FROM orders o JOIN order_lines l ON l.order_id = o.id"
                " ORDER BY o.account_id, o.external_id, l.line_no")).all()  # fmt: skip
        dumps.append([tuple(_plain(v) for v in row) for row in rows])
        engine.dispose()
    assert dumps[0] == dumps[1] and len(dumps[0]) > 100

"""The store on SQLite and PostgreSQL: migrations, bulk upsert, types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import current_revision, head_revision, scripts_head, upgrade
from mpsync.store.tables import ALL_TABLES, Account, Order, Price
from mpsync.store.upsert import bulk_upsert

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRICES = Price.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]


def _account(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(
            connection,
            Account.__table__,  # type: ignore[attr-defined]
            [{"id": "a1", "marketplace": "ozon", "created_at": NOW}],
            ["id"],
            update=[],
            returning=None,
        )


def test_upgrade_is_idempotent_and_matches_models(store_url: str) -> None:
    engine = create_store_engine(store_url)
    assert upgrade(engine) == (head_revision(engine), head_revision(engine))
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), ALL_TABLES) == []
    engine.dispose()


def test_the_quick_head_check_agrees_with_alembic(store_url: str) -> None:
    # Read commands skip Alembic when the store is at scripts_head(): it must be the head.
    engine = create_store_engine(store_url)
    assert scripts_head() == head_revision(engine) == current_revision(engine)
    engine.dispose()


def test_upgrade_from_empty(tmp_path_factory: object, pg_schema_url: str) -> None:
    # a brand-new SQLite file and the PostgreSQL schema both start empty
    path = tmp_path_factory.mktemp("fresh") / "new.db"  # type: ignore[attr-defined]
    for url in (f"sqlite:///{path}",):
        engine = create_store_engine(url)
        assert upgrade(engine)[0] is None
        engine.dispose()


def _prices(n: int, price: str = "10.50") -> list[dict[str, object]]:
    return [
        {
            "account_id": "a1",
            "sku": f"sku-{i}",
            "price": Decimal(price),
            "currency": "RUB",
            "updated_at": NOW,
        }
        for i in range(n)
    ]


def test_bulk_upsert_second_run_reports_no_changes(store: Engine) -> None:
    _account(store)
    rows = _prices(2500)
    with store.begin() as connection:
        first = bulk_upsert(connection, PRICES, rows, ["account_id", "sku"], compare=["price"])
    with store.begin() as connection:
        second = bulk_upsert(connection, PRICES, rows, ["account_id", "sku"], compare=["price"])
    assert len(first.inserted) == 2500 and not first.updated
    assert not second.inserted and not second.updated and len(second.unchanged) == 2500
    assert second.ids == first.ids


def test_bulk_upsert_reports_exactly_the_changed_keys(store: Engine) -> None:
    _account(store)
    rows = _prices(10)
    with store.begin() as connection:
        bulk_upsert(connection, PRICES, rows, ["account_id", "sku"], compare=["price"])
    rows[3] = {**rows[3], "price": Decimal("11.00")}
    rows.append({**rows[0], "sku": "sku-new"})
    with store.begin() as connection:
        result = bulk_upsert(connection, PRICES, rows, ["account_id", "sku"], compare=["price"])
        stored = connection.execute(select(PRICES.c.price).where(PRICES.c.sku == "sku-3"))
        assert stored.scalar_one() == Decimal("11.00")
    assert result.updated == {("a1", "sku-3")}
    assert result.inserted == {("a1", "sku-new")}


def test_duplicate_keys_in_one_batch_last_wins(store: Engine) -> None:
    _account(store)
    rows = _prices(1) + _prices(1, price="12.00")
    with store.begin() as connection:
        result = bulk_upsert(connection, PRICES, rows, ["account_id", "sku"], compare=["price"])
        assert connection.execute(select(PRICES.c.price)).scalar_one() == Decimal("12.00")
    assert len(result.inserted) == 1


def test_money_is_exact_and_times_are_aware_utc(store: Engine) -> None:
    _account(store)
    moscow = timezone(timedelta(hours=3))
    row = {
        "account_id": "a1",
        "external_id": "X-1",
        "status": "new",
        "marketplace_status": "new",
        "created_at": datetime(2026, 3, 1, 15, 0, tzinfo=moscow),
        "source_updated_at": NOW,
        "currency": "RUB",
        "items_total": Decimal("0.10") + Decimal("0.20"),
        "total": Decimal("1234567.89"),
        "content_hash": "h",
        "inserted_at": NOW,
        "updated_at": NOW,
        "raw": {"price": Decimal("99.99"), "nested": [1, "два"]},
    }
    with store.begin() as connection:
        bulk_upsert(connection, ORDERS, [row], ["account_id", "external_id"])
        stored = connection.execute(select(ORDERS)).one()
    assert stored.items_total == Decimal("0.30")
    assert stored.total == Decimal("1234567.89")
    assert stored.created_at == NOW and stored.created_at.tzinfo is not None
    assert stored.raw == {"price": Decimal("99.99"), "nested": [1, "два"]}

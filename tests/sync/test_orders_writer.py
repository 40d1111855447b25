"""write_orders: the raw status follows where the order is, whatever order reads come in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select, text

from mpsync.config import load_config_data
from mpsync.domain import OrderRecord, OrderStatus
from mpsync.store.tables import Account, Order
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.orders import write_orders
from mpsync.workflow.deadlines import complete_delivered

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
ORDERS = Order.__table__  # type: ignore[attr-defined]


def _read(status: OrderStatus | None, raw: str, at: datetime) -> OrderRecord:
    return OrderRecord(
        account_id="oz", external_id="P-1", status=status, marketplace_status=raw,
        created_at=T1 - timedelta(days=1), source_updated_at=at, currency="RUB",
        items_total=Decimal("100.00"), total=Decimal("100.00"),
    )  # fmt: skip


def _write(store: Engine, record: OrderRecord) -> None:
    with store.begin() as connection:
        write_orders(
            connection, "oz", "ozon", [record], source="poll", now=record.source_updated_at
        )


def _stored(store: Engine) -> tuple[str, str]:
    with store.connect() as connection:
        row = connection.execute(text("SELECT status, marketplace_status FROM orders")).one()
    return row.status, row.marketplace_status


def test_a_lagging_read_stamped_later_does_not_regress_the_raw_status(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": T1}], ["id"], update=[], returning=None)  # fmt: skip
    _write(store, _read(OrderStatus.SHIPPED, "delivering", T1))
    # An earlier status served again, stamped with the time it was read (Ozon lists carry
    # no change time): newer by the clock, behind by the timeline.
    _write(store, _read(OrderStatus.READY_TO_SHIP, "awaiting_deliver", T1 + timedelta(hours=1)))
    assert _stored(store) == ("shipped", "delivering")
    # A later raw status of the same canonical status is news.
    _write(store, _read(OrderStatus.SHIPPED, "driver_pickup", T1 + timedelta(hours=2)))
    assert _stored(store) == ("shipped", "driver_pickup")
    # A status the mapping keeps (arbitration) changes the raw status, not the canonical one.
    _write(store, _read(None, "arbitration", T1 + timedelta(hours=3)))
    assert _stored(store) == ("shipped", "arbitration")
    # An older read never wins.
    _write(store, _read(OrderStatus.SHIPPED, "delivering", T1 + timedelta(minutes=30)))
    assert _stored(store) == ("shipped", "arbitration")
    # A newer status the timeline refuses is still the marketplace's latest raw word.
    _write(store, _read(OrderStatus.DELIVERED, "delivered", T1 + timedelta(hours=4)))
    _write(store, _read(OrderStatus.CANCELLED, "cancelled", T1 + timedelta(hours=5)))
    assert _stored(store) == ("delivered", "cancelled")
    with store.connect() as connection:
        history = connection.execute(text("SELECT to_status FROM status_changes")).scalars().all()
    assert sorted(history) == ["delivered", "shipped"]


def _milestones(store: Engine) -> tuple[datetime | None, datetime | None]:
    with store.connect() as connection:
        row = connection.execute(select(ORDERS.c.confirmed_at, ORDERS.c.shipped_at)).one()
    return row.confirmed_at, row.shipped_at


def test_the_order_keeps_when_it_was_first_confirmed_and_first_handed_over(store: Engine) -> None:
    # What `report kpi` measures processing hours from, without reading status_changes.
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": T1}], ["id"], update=[], returning=None)  # fmt: skip
    _write(store, _read(OrderStatus.NEW, "awaiting_packaging", T1))
    assert _milestones(store) == (None, None)
    # First seen past confirmation: confirmed then too.
    _write(store, _read(OrderStatus.READY_TO_SHIP, "awaiting_deliver", T1 + timedelta(hours=2)))
    assert _milestones(store) == (T1 + timedelta(hours=2), None)
    _write(store, _read(OrderStatus.SHIPPED, "delivering", T1 + timedelta(hours=5)))
    # A late read of an earlier confirmation moves the milestone back, not forward.
    _write(store, _read(OrderStatus.CONFIRMED, "awaiting_packaging", T1 + timedelta(hours=1)))
    assert _milestones(store) == (T1 + timedelta(hours=1), T1 + timedelta(hours=5))
    # Later statuses change neither.
    _write(store, _read(OrderStatus.DELIVERED, "delivered", T1 + timedelta(hours=9)))
    assert _milestones(store) == (T1 + timedelta(hours=1), T1 + timedelta(hours=5))


def test_completing_delivered_orders_keeps_the_milestones(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": T1}], ["id"], update=[], returning=None)  # fmt: skip
    _write(store, _read(OrderStatus.DELIVERED, "delivered", T1))
    settings = load_config_data({"store": {"url": "sqlite://"}}, env={})
    with store.begin() as connection:
        complete_delivered(connection, settings, now=T1 + timedelta(days=60))
    with store.connect() as connection:
        assert connection.execute(select(ORDERS.c.status)).scalar_one() == "completed"
    assert _milestones(store) == (T1, T1)

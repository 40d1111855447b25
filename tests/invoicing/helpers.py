"""Orders and invoices for the invoicing tests (the ``make_order`` fixture is in conftest)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from mpsync.config import InvoicingConfig
from mpsync.invoicing import issue_invoice
from mpsync.invoicing.service import CUSTOMERS, LINES, ORDERS
from mpsync.store.tables import Account

NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)
SETTINGS = InvoicingConfig(
    enabled=True,
    seller_name="ООО «Ромашка»",
    seller_inn="7701234567",
    seller_kpp="770101001",
    bank_name="ПАО Сбербанк",
    bank_bik="044525225",
    bank_account="40702810900000000001",
    bank_corr_account="30101810400000000225",
)
MakeOrder = Callable[..., int]


def order_maker(engine: Engine) -> MakeOrder:
    """Creates the account once; each call adds an order (with lines) and returns its id."""
    with engine.begin() as connection:
        connection.execute(
            insert(Account.__table__).values(id="ozon-main", marketplace="ozon", created_at=NOW)  # type: ignore[attr-defined]
        )

    def make(
        external_id: str,
        lines: list[tuple[str, int, str]] | None = None,
        customer: dict[str, Any] | None = None,
        **columns: Any,
    ) -> int:
        lines = [("Кружка", 2, "500.00"), ("Чайник", 1, "234.50")] if lines is None else lines
        total = sum((Decimal(p) * q for _, q, p in lines), Decimal(0))
        with engine.begin() as connection:
            customer_id = None
            if customer is not None:
                customer_id = connection.execute(
                    insert(CUSTOMERS)
                    .values(identity=external_id, updated_at=NOW, **customer)
                    .returning(CUSTOMERS.c.id)
                ).scalar_one()
            order_id = connection.execute(
                insert(ORDERS)
                .values(
                    account_id="ozon-main",
                    external_id=external_id,
                    marketplace_status="delivering",
                    status="shipped",
                    created_at=NOW,
                    source_updated_at=NOW,
                    currency="RUB",
                    items_total=total,
                    total=total,
                    content_hash="x",
                    inserted_at=NOW,
                    updated_at=NOW,
                    customer_id=customer_id,
                    **columns,
                )
                .returning(ORDERS.c.id)
            ).scalar_one()
            for number, (name, quantity, price) in enumerate(lines, start=1):
                connection.execute(
                    insert(LINES).values(
                        order_id=order_id,
                        line_no=number,
                        sku=f"SKU-{number}",
                        name=name,
                        quantity=quantity,
                        unit_price=Decimal(price),
                        total=Decimal(price) * quantity,
                    )
                )
        return int(order_id)

    return make


def issue(
    engine: Engine, order_id: int, settings: InvoicingConfig = SETTINGS, now: datetime = NOW
) -> Any:
    with engine.begin() as connection:
        return issue_invoice(connection, order_id, settings, now=now)

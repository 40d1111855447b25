"""Concurrent workers (threads, each its own connection and transaction) issuing invoices.

Numbers stay unique and gapless; one order is never invoiced twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, insert, select

from mpsync.config import InvoicingConfig
from mpsync.invoicing import issue_invoice
from mpsync.invoicing.numbering import SEQUENCES
from mpsync.invoicing.service import INVOICES, LINES, ORDERS
from mpsync.store.tables import Account

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SETTINGS = InvoicingConfig(enabled=True, seller_name="ООО «Ромашка»")
WORKERS = 8
ORDERS_COUNT = 40


def seed(engine: Engine, count: int) -> list[int]:
    with engine.begin() as connection:
        connection.execute(
            insert(Account.__table__).values(  # type: ignore[attr-defined]
                id="wb", marketplace="wildberries", created_at=NOW
            )
        )
        ids = []
        for number in range(count):
            order_id = connection.execute(
                insert(ORDERS)
                .values(
                    account_id="wb",
                    external_id=f"T-{number}",
                    marketplace_status="complete",
                    status="shipped",
                    created_at=NOW,
                    source_updated_at=NOW,
                    currency="RUB",
                    total=Decimal("100.00"),
                    content_hash="x",
                    inserted_at=NOW,
                    updated_at=NOW,
                )
                .returning(ORDERS.c.id)
            ).scalar_one()
            connection.execute(
                insert(LINES).values(
                    order_id=order_id,
                    line_no=1,
                    sku="S",
                    name="Товар",
                    quantity=1,
                    unit_price=Decimal("100.00"),
                    total=Decimal("100.00"),
                )
            )
            ids.append(int(order_id))
    return ids


def run_workers(engine: Engine, order_ids: list[int]) -> list[str | None]:
    start = threading.Barrier(WORKERS)

    def work(chunk: list[int]) -> list[str | None]:
        start.wait(timeout=10)
        numbers = []
        for order_id in chunk:
            with engine.begin() as connection:
                invoice = issue_invoice(connection, order_id, SETTINGS, now=NOW)
            numbers.append(invoice.number if invoice else None)
        return numbers

    chunks = [order_ids[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        return [n for result in pool.map(work, chunks) for n in result]


def test_concurrent_issuing_is_unique_and_gapless(engine: Engine) -> None:
    numbers = run_workers(engine, seed(engine, ORDERS_COUNT))
    expected = {f"INV-2025-{n:06}" for n in range(1, ORDERS_COUNT + 1)}
    assert len(numbers) == ORDERS_COUNT and set(numbers) == expected
    with engine.connect() as connection:
        seqs = sorted(connection.execute(select(INVOICES.c.seq)).scalars())
        assert seqs == list(range(1, ORDERS_COUNT + 1))
        assert connection.execute(select(SEQUENCES.c.last_seq)).scalar_one() == ORDERS_COUNT


def test_racing_on_one_order_issues_one_invoice(engine: Engine) -> None:
    (order_id,) = seed(engine, 1)
    numbers = run_workers(engine, [order_id] * WORKERS)
    assert sorted(numbers, key=str) == ["INV-2025-000001"] + [None] * (WORKERS - 1)
    with engine.connect() as connection:
        assert connection.execute(select(SEQUENCES.c.last_seq)).scalar_one() == 1

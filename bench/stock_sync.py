"""Stock sync at scale: 10,000 items linked on three accounts (WB, Ozon, YM), one change
on each of 1,000 items; the time to plan and the API requests one propagation makes
against the minimum the marketplaces' batch sizes allow.

    .venv/bin/python bench/stock_sync.py [--items 10000] [--changed 1000]

The connectors are the real ones; an ``httpx.MockTransport`` answers every stock push as
the specs describe a success and counts the requests. Batch sizes, from the official
specs: WB ``PUT /api/v3/stocks/{warehouseId}`` ≤ 1000 (eslazarev/wildberries-sdk
specs/02-products.yaml), Ozon ``/v2/products/stocks`` ≤ 100 product–warehouse pairs
(salacoste/ozon-daytona-seller-api ozon-swagger-docs/swagger.json), YM ``updateStocks``
≤ 2000 skus (yandex-market-partner-api openapi/components/schemas/UpdateStocksRequest.yaml).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from mpsync.config import load_config_data
from mpsync.runtime import Runtime
from mpsync.stocksync.ledger import adjust
from mpsync.stocksync.plan import build_plan
from mpsync.stocksync.propagate import propagate
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.store.tables import Account, Product, ProductId, StockItem, StockLevel

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
BATCH = {"wb": 1000, "oz": 100, "ym": 2000}
WAREHOUSE = {"wb": "507", "oz": "22142605386000", "ym": "21000000"}
ID_NAME = {"wb": "chrtId", "oz": "product_id", "ym": "offerId"}


def settings(url: str) -> object:
    base = "http://bench.invalid"
    return load_config_data({"store": {"url": url}, "stock": {"guard": "100%"}, "accounts": [
        {"id": "wb", "marketplace": "wildberries", "token": "t", "api_base_url": f"{base}/wb"},
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k",
         "api_base_url": f"{base}/oz"},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "k", "business_id": 1,
         "campaign_ids": [21000000], "api_base_url": f"{base}/ym"},
    ]}, env={})  # fmt: skip


def fill(engine: object, items: int) -> None:
    """Accounts, 3 × *items* bound listings read at 5 units, and the ledger at 5."""
    with engine.begin() as c:  # type: ignore[attr-defined]
        c.execute(Account.__table__.insert(), [{"id": a, "marketplace": a, "created_at": NOW}
                                                for a in BATCH])  # fmt: skip
        c.execute(Product.__table__.insert(), [
            {"account_id": a, "sku": f"SKU-{i:05d}", "barcodes": [f"46{i:011d}"],
             "updated_at": NOW} for a in BATCH for i in range(items)])  # fmt: skip
        ids = c.execute(Product.__table__.select()).all()
        c.execute(ProductId.__table__.insert(), [
            {"product_id": r.id, "name": ID_NAME[r.account_id],
             "value": r.sku if r.account_id == "ym" else str(10_000_000 + r.id),
             "updated_at": NOW} for r in ids])  # fmt: skip
        c.execute(StockLevel.__table__.insert(), [
            {"account_id": a, "sku": f"SKU-{i:05d}", "warehouse": WAREHOUSE[a], "on_hand": 5,
             "reserved": 0, "updated_at": NOW, "seen_at": NOW}
            for a in BATCH for i in range(items)])  # fmt: skip
        c.execute(
            StockItem.__table__.insert(),
            [{"item": f"SKU-{i:05d}", "on_hand": 5, "updated_at": NOW} for i in range(items)],
        )


def transport(counts: Counter[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        account = request.url.path.split("/")[1]
        counts[account] += 1
        if account == "wb":
            return httpx.Response(204)
        body = json.loads(request.content)
        if account == "oz":
            return httpx.Response(200, json={"result": [
                {"offer_id": s["offer_id"], "product_id": s["product_id"], "updated": True,
                 "warehouse_id": s["warehouse_id"], "errors": []} for s in body["stocks"]]})  # fmt: skip
        return httpx.Response(200, json={"status": "OK"})

    return httpx.MockTransport(answer)


async def push(engine: object, config: object, counts: Counter[str], now: datetime) -> object:
    async def no_sleep(_: float) -> None:
        return None

    runtime = Runtime.build(engine, config, transport=transport(counts), sleep=no_sleep)  # type: ignore[arg-type]
    try:
        connectors = {a.id: runtime.connectors.connector(a) for a in config.accounts}  # type: ignore[attr-defined]
        return await propagate(engine, config, connectors, now=now)  # type: ignore[arg-type]
    finally:
        await runtime.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=1_000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "bench.db"
    engine = create_store_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    config = settings(str(engine.url))
    started = time.perf_counter()
    fill(engine, args.items)
    print(f"store: {args.items:,} items × 3 accounts = {3 * args.items:,} listings "
          f"(filled in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    started = time.perf_counter()
    idle = build_plan(engine, config, now=NOW)  # type: ignore[arg-type]
    print(f"plan, nothing changed: {len(idle.rows)} rows in {time.perf_counter() - started:.2f} s")
    with engine.begin() as c:
        adjust(c, {f"SKU-{i * (args.items // args.changed):05d}": -1 for i in range(args.changed)},
               reason="bench: one unit sold in the shop", source="adjust", now=NOW)  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    plan = build_plan(engine, config, now=NOW)  # type: ignore[arg-type]
    plan_seconds, plan_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"plan, {args.changed:,} items changed: {len(plan.rows):,} rows in {plan_seconds:.2f} s "
          f"({plan_cpu:.2f} s CPU)")  # fmt: skip
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    done = asyncio.run(push(engine, config, counts, NOW))
    total = time.perf_counter() - started
    minimum = {a: math.ceil(args.changed / size) for a, size in BATCH.items()}
    print(
        f"propagation (plan + push + record): {len(done.sent):,} figures sent, "  # type: ignore[attr-defined]
        f"{len(done.failed)} failed, {total:.2f} s"
    )  # type: ignore[attr-defined]
    print("API requests made vs the minimum the batch sizes allow:")
    for account, size in BATCH.items():
        print(f"  {account}: {counts[account]:>3} made, minimum {minimum[account]:>3} "
              f"(batches of {size:,})")  # fmt: skip
    print(f"  all: {sum(counts.values())} made, minimum {sum(minimum.values())}")
    again: Counter[str] = Counter()
    asyncio.run(push(engine, config, again, NOW + timedelta(seconds=60)))
    print(f"a second propagation a minute later, before any read-back: "
          f"{sum(again.values())} requests (figures already sent are not sent again)")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()

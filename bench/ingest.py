"""Ingest benchmark: synthetic marketplace pages through mapping + the real page transaction.

Pages of documentation-shaped Ozon postings (``/v4/posting/fbs/list`` items, 1-3 products)
and Wildberries assembly tasks (``/api/v3/orders`` items with the status fields the
connector merges in; one unit each) are generated from a seed, mapped with
``MappingSchema.map_page`` (pydantic validation included) and written with
``SyncService.commit_page`` (orders, lines, products, status history, events and the
cursor in one transaction per page) into a fresh SQLite file.

The floor is a plain ``sqlite3`` ``executemany`` upsert
(``INSERT ... ON CONFLICT DO UPDATE``) of the same orders and lines, already flattened,
into equivalent tables of another SQLite file, one transaction per page, measured in the
same run. The ratio real/floor is the figure to watch (target >= 15 %, ambition 33 %).

Usage: .venv/bin/python bench/ingest.py --orders 100000 [--marketplace ozon|wildberries|both]
       [--seed 1] [--customer-share 0.0] [--profile FILE.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from mpsync.config import load_config_data
from mpsync.logging import configure_logging
from mpsync.mapping import load_mapping
from mpsync.runtime import Runtime
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.sync.service import SyncService
from mpsync.sync.writer import PageTarget

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PAGE_SIZE = {"ozon": 100, "wildberries": 1000}
ACCOUNT = {"ozon": "oz", "wildberries": "wb"}

# (status, substatus, weight) as a 30-day backlog looks: most orders are done.
OZON_STATES = [
    ("awaiting_packaging", "posting_created", 8),
    ("awaiting_deliver", "posting_transferring_to_delivery", 7),
    ("delivering", "posting_on_way_to_city", 10),
    ("delivering", "posting_in_pickup_point", 5),
    ("delivered", "posting_delivered", 60),
    ("cancelled", "posting_canceled", 9),
    ("arbitration", "posting_arbitration", 1),
]
WB_STATES = [
    ("new", "waiting", 6),
    ("confirm", "waiting", 6),
    ("complete", "sorted", 10),
    ("complete", "ready_for_pickup", 8),
    ("complete", "sold", 60),
    ("cancel", "canceled", 5),
    ("complete", "canceled_by_client", 5),
]
NAMES = ["Кружка керамическая 350 мл", "Чай чёрный листовой 100 г", "Плед флисовый 150x200",
         "Термос стальной 0,5 л", "Набор отвёрток 12 шт", "Лампа настольная LED",
         "Коврик для йоги 6 мм", "Рюкзак городской 20 л"]  # fmt: skip


@dataclass(frozen=True)
class Product:
    offer_id: str
    name: str
    ozon_sku: int
    nm_id: int
    chrt_id: int
    price_kop: int


def catalog(rng: random.Random, size: int = 400) -> list[Product]:
    return [
        Product(f"ART-{i:05d}", f"{NAMES[i % len(NAMES)]} #{i}", 180_000_000 + i * 7,
                100_000_000 + i * 13, 900_000_000 + i * 17, rng.randrange(199, 9_999) * 100)
        for i in range(size)
    ]  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pick(rng: random.Random, states: list[tuple[str, str, int]]) -> tuple[str, str]:
    status, sub, _ = rng.choices(states, weights=[w for *_, w in states])[0]
    return status, sub


def json_number(amount: str) -> int | float:
    """A decimal amount as the JSON number the wire carries (financial_data: number)."""
    value = Decimal(amount)
    return int(value) if value == value.to_integral_value() else float(value)


def ozon_posting(rng: random.Random, products: list[Product], n: int,
                 customer_share: float) -> dict[str, Any]:  # fmt: skip
    split = n % 8 == 1  # one order in eight splits into two postings
    order_id = 40_000_000 + n - split
    created = NOW - timedelta(seconds=rng.randrange(30 * 86400))
    status, sub = pick(rng, OZON_STATES)
    lines = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
    items = []
    for product in rng.sample(products, lines):
        items.append({
            "imei": [], "is_blr_traceable": False, "is_marketplace_buyout": False,
            "name": product.name, "offer_id": product.offer_id,
            "price": {"amount": str(Decimal(product.price_kop).scaleb(-2)), "currency": "RUB"},
            "quantity": rng.choices([1, 2, 3], weights=[85, 12, 3])[0], "sku": product.ozon_sku,
        })  # fmt: skip
    rfbs = rng.random() < customer_share
    customer = None
    if rfbs:
        phone = f"+7916{rng.randrange(10**6, 10**6 + customer_pool(customer_share)):07d}"
        customer = {"customer_id": rng.randrange(10**6), "name": "Иван Петров", "phone": phone,
                    "customer_email": f"buyer{phone[-7:]}@example.com",
                    "address": {"address_tail": "ул. Тверская, д. 1", "city": "Москва",
                                "country": "Россия", "region": "Москва",
                                "zip_code": "125009"}}  # fmt: skip
    return {
        "posting_number": f"{order_id:08d}-{order_id % 997:04d}-{1 + split}",
        "order_id": order_id,
        "order_number": f"{order_id:08d}-{order_id % 997:04d}",
        "status": status,
        "substatus": sub,
        "delivery_method": {"id": 21321684811000, "name": "Доставка Ozon самостоятельно, Ногинск",
                            "warehouse_id": 21321684811000, "warehouse": "FBS Склад",
                            "tpl_provider_id": 24, "tpl_provider": "Доставка Ozon"},
        "tracking_number": "",
        "tpl_integration_type": "ozon",
        "in_process_at": iso(created),
        "shipment_date": iso(created + timedelta(days=1)),
        "delivering_date": iso(created + timedelta(days=2)) if status in ("delivering", "delivered") else None,
        "cancellation": {"cancel_reason_id": 0, "cancel_reason": "", "cancellation_type": "",
                         "cancelled_after_ship": False, "affect_cancellation_rating": False,
                         "cancellation_initiator": ""},
        "customer": customer,
        "addressee": {"name": "Иван Петров", "phone": customer["phone"]} if customer else None,
        "products": items,
        "analytics_data": {"region": "Москва", "city": "Москва", "delivery_type": "Courier",
                           "is_premium": False, "payment_type_group_name": "Карты оплаты",
                           "warehouse_id": 21321684811000, "warehouse": "FBS Склад",
                           "tpl_provider_id": 24, "tpl_provider": "Доставка Ozon",
                           "delivery_date_begin": iso(created + timedelta(days=2)),
                           "delivery_date_end": iso(created + timedelta(days=3)),
                           "is_legal": False},
        "financial_data": {"cluster_from": "Москва", "cluster_to": "Москва",
                           "products": [{"actions": [], "commission": {"amount": 0,
                                         "currency": "RUB", "percent": 0},
                                         "customer_price": p["price"], "payout": 0,
                                         "old_price": json_number(p["price"]["amount"]),
                                         "price": json_number(p["price"]["amount"]),
                                         "product_id": p["sku"], "quantity": p["quantity"],
                                         "total_discount_percent": 0,
                                         "total_discount_value": 0} for p in items]},
        "is_express": False,
        "available_actions": ["cancel", "ship"] if status == "awaiting_packaging" else [],
        "multi_box_qty": 1,
        "is_multibox": False,
        "parent_posting_number": "",
        "quantum_id": 0,
        "shipment_date_without_delay": iso(created + timedelta(days=1)),
        "requirements": {"products_requiring_gtd": [], "products_requiring_country": [],
                         "products_requiring_mandatory_mark": []},
        "legal_info": {"company_name": "", "inn": "", "kpp": ""},
    }  # fmt: skip


def customer_pool(share: float) -> int:
    return max(1, int(50_000 * share))


def wb_task(rng: random.Random, products: list[Product], n: int) -> dict[str, Any]:
    product = rng.choice(products)
    created = NOW - timedelta(seconds=rng.randrange(30 * 86400))
    status, wb_status = pick(rng, WB_STATES)
    task_id = 13_000_000 + n
    cart = 1_650_000 + n // 2
    return {
        "address": None, "scanPrice": None, "deliveryType": "fbs",
        "supplyId": f"WB-GI-{1_000_000 + n // 500}" if status != "new" else None,
        "orderUid": f"{cart}_{cart * 2654435761 % 2**64:032x}", "article": product.offer_id,
        "colorCode": "", "rid": f"{task_id * 2246822519 % 2**64:016x}{n:016x}",
        "createdAt": iso(created), "offices": ["Калуга"], "skus": [f"{4600000000000 + n}"],
        "id": task_id, "warehouseId": 658434, "officeId": 123, "nmId": product.nm_id,
        "chrtId": product.chrt_id, "price": product.price_kop,
        "convertedPrice": product.price_kop, "currencyCode": 643, "convertedCurrencyCode": 643,
        "cargoType": 1, "isZeroOrder": False, "options": {"isB2b": False},
        # merged by the connector from POST /api/v3/orders/status
        "supplierStatus": status, "wbStatus": wb_status,
    }  # fmt: skip


def pages(marketplace: str, orders: int, seed: int,
          customer_share: float) -> Iterator[list[dict[str, Any]]]:  # fmt: skip
    rng = random.Random(f"{seed}:{marketplace}")
    products = catalog(rng)
    size = PAGE_SIZE[marketplace]
    for start in range(0, orders, size):
        count = min(size, orders - start)
        if marketplace == "ozon":
            yield [ozon_posting(rng, products, start + i, customer_share) for i in range(count)]
        else:
            yield [wb_task(rng, products, start + i) for i in range(count)]


# -- the real path ---------------------------------------------------------------------


@dataclass
class Result:
    orders: int = 0
    lines: int = 0
    pages: int = 0
    seconds: float = 0.0
    mapping: float = 0.0
    db: float = 0.0
    failures: int = 0
    page_db: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # (orders, s)
    extra: dict[str, int] = field(default_factory=dict)


def settings_for(url: str) -> Any:
    accounts = [
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "bench",
         "api_base_url": "http://127.0.0.1:9"},
        {"id": "wb", "marketplace": "wildberries", "token": "bench",
         "api_base_url": "http://127.0.0.1:9"},
    ]  # fmt: skip
    return load_config_data({"store": {"url": url}, "accounts": accounts}, env={})


def run_real(path: Path, marketplaces: list[str], orders: int, seed: int,
             customer_share: float) -> Result:  # fmt: skip
    url = f"sqlite:///{path}"
    engine = create_store_engine(url)
    upgrade(engine)
    service = SyncService(Runtime.build(engine, settings_for(url), clock=lambda: NOW))
    result = Result()
    for marketplace in marketplaces:
        mapping = load_mapping(marketplace)
        account = ACCOUNT[marketplace]
        target = PageTarget(account, marketplace, "orders", "order", notify=False)
        for index, page in enumerate(pages(marketplace, orders, seed, customer_share)):
            t0 = time.perf_counter()
            mapped = mapping.map_page("order", page, account, observed_at=NOW)
            t1 = time.perf_counter()
            position = {"since": None, "until": NOW.isoformat(), "resume": f"bench:{index}"}
            service.commit_page(target, mapped, "orders", position)
            t2 = time.perf_counter()
            result.mapping += t1 - t0
            result.db += t2 - t1
            result.page_db.setdefault(marketplace, []).append((len(page), t2 - t1))
            result.pages += 1
            result.orders += len(page)
            result.failures += len(mapped.failures)
    result.seconds = result.mapping + result.db  # page generation is not counted
    with engine.connect() as connection:
        for table in ("orders", "order_lines", "products", "status_changes", "domain_events",
                      "customers", "dead_letters"):  # fmt: skip
            result.extra[table] = connection.exec_driver_sql(
                f"SELECT COUNT(*) FROM {table}"
            ).scalar_one()
    result.lines = result.extra["order_lines"]
    engine.dispose()
    return result


# -- the floor -------------------------------------------------------------------------

FLOOR_SCHEMA = """
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, account_id VARCHAR(63) NOT NULL, external_id VARCHAR(128) NOT NULL,
    group_key VARCHAR(128), order_number VARCHAR(128), status VARCHAR(32), status_at DATETIME,
    status_seen JSON, marketplace_status VARCHAR(128) NOT NULL, marketplace_substatus VARCHAR(128),
    created_at DATETIME NOT NULL, source_updated_at DATETIME NOT NULL, ship_by DATETIME,
    delivery_method VARCHAR, payment_method VARCHAR, currency VARCHAR(3) NOT NULL,
    items_total NUMERIC(14, 2) NOT NULL, total NUMERIC(14, 2) NOT NULL, customer_id INTEGER,
    buyer_company VARCHAR, buyer_inn VARCHAR(12), buyer_kpp VARCHAR(9), delivery_address VARCHAR,
    content_hash VARCHAR(64) NOT NULL, raw JSON, inserted_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, UNIQUE (account_id, external_id));
CREATE INDEX ix_orders_account_status ON orders (account_id, status);
CREATE INDEX ix_orders_group ON orders (account_id, group_key);
CREATE INDEX ix_orders_created_at ON orders (created_at);
CREATE INDEX ix_orders_ship_by ON orders (ship_by);
CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL, sku VARCHAR(255) NOT NULL, marketplace_sku VARCHAR(255),
    name VARCHAR, quantity INTEGER NOT NULL, unit_price NUMERIC(14, 2) NOT NULL,
    total NUMERIC(14, 2) NOT NULL, UNIQUE (order_id, line_no));
"""
ORDER_COLUMNS = ["account_id", "external_id", "group_key", "order_number", "status", "status_at",
                 "status_seen", "marketplace_status", "marketplace_substatus", "created_at",
                 "source_updated_at", "ship_by", "delivery_method", "payment_method", "currency",
                 "items_total", "total", "delivery_address", "content_hash", "raw", "inserted_at", "updated_at"]  # fmt: skip
ORDER_UPSERT = (
    f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES ({', '.join('?' * len(ORDER_COLUMNS))})"
    " ON CONFLICT (account_id, external_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ORDER_COLUMNS[2:] if c != "inserted_at")
)
LINE_UPSERT = (
    "INSERT INTO order_lines (order_id, line_no, sku, marketplace_sku, name, quantity,"
    " unit_price, total) VALUES ((SELECT id FROM orders WHERE account_id = ? AND external_id = ?),"
    " ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, line_no) DO UPDATE SET sku = excluded.sku,"
    " marketplace_sku = excluded.marketplace_sku, name = excluded.name,"
    " quantity = excluded.quantity, unit_price = excluded.unit_price, total = excluded.total"
)
CANONICAL = {"awaiting_packaging": "new", "awaiting_deliver": "ready_to_ship",
             "delivering": "shipped", "delivered": "delivered", "cancelled": "cancelled",
             "new": "new", "confirm": "confirmed", "complete": "shipped", "cancel": "cancelled"}  # fmt: skip


def flatten(marketplace: str, page: list[dict[str, Any]]) -> tuple[list[tuple], list[tuple]]:
    """Rows as the store holds them, computed straight from the payload (no mapping)."""
    account, now = ACCOUNT[marketplace], NOW.isoformat(sep=" ")
    orders, lines = [], []
    for raw in page:
        if marketplace == "ozon":
            items = [(p["offer_id"], str(p["sku"]), p["name"], p["quantity"],
                      Decimal(p["price"]["amount"])) for p in raw["products"]]  # fmt: skip
            key, group, number = raw["posting_number"], raw["order_number"], raw["order_number"]
            status, sub = raw["status"], raw["substatus"]
            created, changed = raw["in_process_at"], NOW.isoformat()  # a read's own moment
            ship_by, method = raw["shipment_date"], raw["delivery_method"]["name"]
            payment = raw["analytics_data"]["payment_type_group_name"]
            where = (raw["customer"] or {}).get("address", {})
            parts = [where.get(k) for k in ("zip_code", "region", "city", "address_tail")]
            address = ", ".join(dict.fromkeys(p for p in parts if p)) or None
        else:
            price = Decimal(raw["convertedPrice"]).scaleb(-2)
            items = [(raw["article"], f"{raw['nmId']}/{raw['chrtId']}", None, 1, price)]
            key, group, number = str(raw["id"]), raw["orderUid"], raw["rid"]
            status, sub = raw["supplierStatus"], raw["wbStatus"]
            created, changed, ship_by, method, payment = raw["createdAt"], now, None, "fbs", None
            address = None
        canonical = "delivered" if sub == "sold" else CANONICAL.get(status)
        total = sum(q * p for _, _, _, q, p in items)
        seen = json.dumps({canonical: changed}) if canonical else "{}"
        orders.append((account, key, group, number, canonical, changed, seen, status, sub,
                       created, changed, ship_by, method, payment, "RUB", float(total),
                       float(total), address, "0" * 32, json.dumps(raw, ensure_ascii=False), now, now))  # fmt: skip
        for no, (sku, msku, name, qty, price) in enumerate(items, start=1):
            lines.append((account, key, no, sku, msku, name, qty, float(price), float(price * qty)))
    return orders, lines


def run_floor(path: Path, marketplaces: list[str], orders: int, seed: int,
              customer_share: float) -> Result:  # fmt: skip
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    db.executescript(FLOOR_SCHEMA)
    result = Result()
    for mp in marketplaces:
        for page in pages(mp, orders, seed, customer_share):
            order_rows, line_rows = flatten(mp, page)  # not timed: the floor starts flattened
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.executemany(ORDER_UPSERT, order_rows)
            db.executemany(LINE_UPSERT, line_rows)
            db.execute("COMMIT")
            result.db += time.perf_counter() - started
            result.pages += 1
            result.orders += len(order_rows)
            result.lines += len(line_rows)
    result.seconds = result.db
    db.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders per marketplace")
    parser.add_argument("--marketplace", choices=["ozon", "wildberries", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customer-share", type=float, default=0.0,
                        help="share of Ozon postings carrying a customer (rFBS), 0..1")  # fmt: skip
    parser.add_argument("--profile", metavar="FILE", help="cProfile the real path into FILE")
    args = parser.parse_args()
    configure_logging("console", "info")  # the daemon's default level; logs go to stderr
    chosen = ["ozon", "wildberries"] if args.marketplace == "both" else [args.marketplace]

    with tempfile.TemporaryDirectory(prefix="mpsync-bench-") as tmp:
        floor = run_floor(
            Path(tmp, "floor.db"), chosen, args.orders, args.seed, args.customer_share
        )
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        real = run_real(Path(tmp, "store.db"), chosen, args.orders, args.seed, args.customer_share)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)

    def rate(r: Result) -> float:
        return r.orders / r.seconds if r.seconds else 0.0

    ratio = rate(real) / rate(floor) if rate(floor) else 0.0
    print(f"marketplaces: {', '.join(chosen)}; orders per marketplace: {args.orders:,};"
          f" seed {args.seed}; customer share {args.customer_share}")  # fmt: skip
    print(f"real path  : {real.orders:,} orders, {real.lines:,} lines, {real.pages:,} pages in"
          f" {real.seconds:.2f} s = {rate(real):,.0f} orders/s")  # fmt: skip
    print(f"  mapping  : {real.mapping:.2f} s ({real.mapping / real.seconds:.0%}),"
          f" {real.orders / real.mapping:,.0f} orders/s")  # fmt: skip
    print(f"  db write : {real.db:.2f} s ({real.db / real.seconds:.0%}),"
          f" {real.orders / real.db:,.0f} orders/s")  # fmt: skip
    for marketplace, per_page in real.page_db.items():
        tenth = max(1, len(per_page) // 10)
        first, last = (
            sum(o for o, _ in part) / sum(t for _, t in part)
            for part in (per_page[:tenth], per_page[-tenth:])
        )
        print(f"  db write {marketplace}: first 10% of pages {first:,.0f} orders/s,"
              f" last 10% {last:,.0f} orders/s (same table, growing)")  # fmt: skip
    print(f"  rows     : {real.extra}; mapping failures {real.failures}")
    print(f"floor      : {floor.orders:,} orders, {floor.lines:,} lines in {floor.seconds:.2f} s"
          f" = {rate(floor):,.0f} orders/s (sqlite3 executemany upsert, same pages)")  # fmt: skip
    verdict = "ok" if ratio >= 0.15 else "BELOW TARGET"
    print(f"ratio      : {ratio:.1%} of the floor (target >= 15%, ambition 33%): {verdict}")


if __name__ == "__main__":
    main()

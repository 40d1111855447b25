"""Report benchmark: ``mpsync report kpi`` and ``report skus`` over a store of 1,000,000 orders.

A migrated SQLite store is filled from a seed with plain ``sqlite3`` (orders over a year,
ids in creation order as the daemon stores them, 1-3 lines each, their status history, a
stock history of 60 days for 2 warehouses per SKU, a tenth of the orders with a known buyer). Then, for the last full month:

* ``report kpi`` / ``report skus`` as the CLI builds them (``build_report``: every query
  of the report, the previous period, cohorts, stock days…), in process;
* the same commands end to end (``mpsync report … --json`` in a subprocess: Python start,
  config, migrations check, printing);
* beside them, the core aggregation of each as one plain ``sqlite3`` query (KPI: orders,
  cancelled, revenue and units of the period; SKUs: units and revenue per SKU).

Usage: .venv/bin/python bench/report.py [--orders 1000000] [--skus 1000] [--db PATH] [--seed 3]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mpsync.analytics.context import ReportContext
from mpsync.analytics.reports import build_report
from mpsync.config import load_config_data
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
ZONE = "Europe/Moscow"
PERIOD = "2026-05"
STATUSES = [("delivered", 55), ("completed", 15), ("shipped", 10), ("confirmed", 5),
            ("new", 3), ("cancelled", 9), ("returned", 3)]  # fmt: skip
PATH = {"new": [], "confirmed": ["confirmed"], "shipped": ["confirmed", "shipped"],
        "delivered": ["confirmed", "shipped", "delivered"],
        "completed": ["confirmed", "shipped", "delivered", "completed"],
        "returned": ["confirmed", "shipped", "delivered", "returned"],
        "cancelled": ["cancelled"]}  # fmt: skip
SHIPPED = ("shipped", "delivered", "completed", "returned")


def _t(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, orders: int, skus: int, seed: int) -> None:
    rng = random.Random(seed)
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = _t(NOW)
    db.executemany("INSERT INTO accounts VALUES (?, ?, ?)",
                   [("wb", "wildberries", now), ("oz", "ozon", now)])  # fmt: skip
    buyers = max(1, orders // 20)
    db.executemany(
        "INSERT INTO customers (id, identity, orders_count, spent, updated_at) VALUES (?,?,0,0,?)",
        [(n, f"phone:+7900{n:07d}", now) for n in range(1, buyers + 1)],
    )
    names, weights = zip(*STATUSES, strict=True)
    start = NOW - timedelta(days=365)
    order_rows, line_rows, change_rows = [], [], []
    # Ids follow creation time, as in a store the daemon filled while orders came in.
    moments = sorted(rng.random() * 365 * 86400 for _ in range(orders))
    for oid, offset in enumerate(moments, start=1):
        created = start + timedelta(seconds=offset)
        status = rng.choices(names, weights)[0]
        lines = [(f"SKU-{int(rng.paretovariate(1.2)) % skus:05d}", rng.randint(1, 3),
                  rng.choice((199, 490, 990, 1490, 2990))) for _ in range(rng.choice((1, 1, 2, 3)))]  # fmt: skip
        total = sum(q * p for _, q, p in lines)
        customer = rng.randint(1, buyers) if rng.random() < 0.1 else None
        order_rows.append((oid, "wb" if oid % 2 else "oz", f"E{oid}", status, status, _t(created),
                           _t(created), _t(created + timedelta(hours=36)), "RUB", total, total,
                           customer, "h", now, now))  # fmt: skip
        line_rows += [(oid, n, sku, q, p, q * p) for n, (sku, q, p) in enumerate(lines, 1)]
        at, reached = created, {}
        for step in PATH[status]:
            at += timedelta(hours=rng.uniform(1, 30))
            change_rows.append((oid, step, _t(at), "poll", now))
            if step != "cancelled":  # as OrderState.milestones: the first step past "new"
                reached.setdefault("confirmed", _t(at))
            if step in SHIPPED:
                reached.setdefault("shipped", _t(at))
        order_rows[-1] += (reached.get("confirmed"), reached.get("shipped"))
        if len(order_rows) >= 50_000:
            _flush(db, order_rows, line_rows, change_rows)
    _flush(db, order_rows, line_rows, change_rows)
    _stock(db, rng, skus, now)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _flush(db: sqlite3.Connection, orders: list, lines: list, changes: list) -> None:  # type: ignore[type-arg]
    db.executemany(
        "INSERT INTO orders (id, account_id, external_id, status, marketplace_status, created_at,"
        " source_updated_at, ship_by, currency, items_total, total, customer_id, content_hash,"
        " inserted_at, updated_at, confirmed_at, shipped_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)  # fmt: skip
    db.executemany("INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, total)"
                   " VALUES (?,?,?,?,?,?)", lines)  # fmt: skip
    db.executemany("INSERT INTO status_changes (order_id, to_status, at, source, recorded_at)"
                   " VALUES (?,?,?,?,?)", changes)  # fmt: skip
    orders.clear(), lines.clear(), changes.clear()


def _stock(db: sqlite3.Connection, rng: random.Random, skus: int, now: str) -> None:
    levels, history = [], []
    first = NOW.date() - timedelta(days=60)
    for n in range(skus):
        for warehouse in ("W1", "W2"):
            level = rng.randint(0, 40)
            levels.append(("wb", f"SKU-{n:05d}", warehouse, level, 0, now))
            history += [("wb", f"SKU-{n:05d}", warehouse, (first + timedelta(d)).isoformat(),
                         max(0, level - rng.randint(0, 30)), 0, now) for d in range(60)]  # fmt: skip
    db.executemany("INSERT INTO stock_levels (account_id, sku, warehouse, on_hand, reserved,"
                   " updated_at) VALUES (?,?,?,?,?,?)", levels)  # fmt: skip
    db.executemany("INSERT INTO stock_history VALUES (?,?,?,?,?,?,?)", history)


def timed(label: str, action: object) -> tuple[float, float]:
    """Run *action*; print its wall time and the CPU time it took (this process and its
    children): on a machine shared with other work the CPU time is the steadier figure."""
    started, cpu = time.perf_counter(), _cpu()
    action()  # type: ignore[operator]
    seconds, used = time.perf_counter() - started, _cpu() - cpu
    print(f"  {label:<46} {seconds:7.3f} s wall {used:7.3f} s CPU")
    return seconds, used


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plain(db: sqlite3.Connection, start: str, end: str) -> dict[str, object]:
    kpi = "SELECT count(*), sum(status = 'cancelled'), sum(CASE WHEN status != 'cancelled' THEN" \
          " items_total END) FROM orders WHERE created_at >= ? AND created_at < ?"  # fmt: skip
    units = "SELECT sum(l.quantity) FROM orders o JOIN order_lines l ON l.order_id = o.id" \
            " WHERE o.created_at >= ? AND o.created_at < ? AND o.status != 'cancelled'"  # fmt: skip
    skus = "SELECT l.sku, sum(l.quantity), sum(l.total) FROM orders o JOIN order_lines l ON" \
           " l.order_id = o.id WHERE o.created_at >= ? AND o.created_at < ? AND o.status !=" \
           " 'cancelled' GROUP BY l.sku"  # fmt: skip
    return {"kpi": lambda: (db.execute(kpi, (start, end)).fetchall(),
                            db.execute(units, (start, end)).fetchall()),
            "skus": lambda: db.execute(skus, (start, end)).fetchall()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--db", type=Path, help="reuse (or create) this store file")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "report.db"
    if not path.exists():
        started = time.perf_counter()
        fill(path, args.orders, args.skus, args.seed)
        print(f"store filled: {args.orders:,} orders in {time.perf_counter() - started:.1f} s")
    url = f"sqlite:///{path}"
    settings = load_config_data({"store": {"url": url}, "display": {"timezone": ZONE}}, env={})
    engine = create_store_engine(url)
    ctx = ReportContext.build(engine, settings, period=PERIOD, now=NOW)
    db = sqlite3.connect(path)
    count = db.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"store {path}: {count:,} orders; period {PERIOD} ({ZONE}); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    queries = plain(db, _t(ctx.period.start), _t(ctx.period.end))
    config = path.with_suffix(".toml")
    config.write_text(f'[store]\nurl = "{url}"\n[display]\ntimezone = "{ZONE}"\n')
    for kind in ("kpi", "skus"):
        print(f"report {kind}")
        inside = timed(
            "mpsync (build_report, in process)", lambda kind=kind: build_report(kind, ctx)
        )
        command = [sys.executable, "-m", "mpsync", "report", kind, "--period", PERIOD, "--json",
                   "--config", str(config)]  # fmt: skip
        whole = timed("mpsync report --json (subprocess, end to end)",
                      lambda command=command: subprocess.run(command, check=True,
                                                             capture_output=True))  # fmt: skip
        floor = timed("plain sqlite3 query of the same aggregation", queries[kind])
        print(f"  {'ratio to the plain query (wall / CPU)':<46} in process "
              f"{inside[0] / floor[0]:.1f}x / {inside[1] / max(floor[1], 1e-3):.1f}x, end to end "
              f"{whole[0] / floor[0]:.1f}x / {whole[1] / max(floor[1], 1e-3):.1f}x")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()

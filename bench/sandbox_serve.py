"""Benchmark of the sandbox: start time, memory (RSS) and orders/s served for a full paging.

Usage: .venv/bin/python bench/sandbox_serve.py [--backlog 100000] [--clients 2]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import httpx

from mpsync.sandbox import SandboxConfig, SandboxServer

WINDOW_FROM = datetime(2025, 5, 1, tzinfo=UTC)
START = datetime(2025, 6, 1, tzinfo=UTC)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def page_wb(client: httpx.AsyncClient, base: str) -> int:
    count, cursor = 0, 0
    while True:
        r = await client.get(
            f"{base}/api/v3/orders",
            params={
                "limit": 1000,
                "next": cursor,
                "dateFrom": int((START - timedelta(days=30)).timestamp()),
            },
            headers={"Authorization": "bench"},
        )
        orders = r.json()["orders"]
        if not orders:
            return count
        count, cursor = count + len(orders), r.json()["next"]


async def page_ozon(client: httpx.AsyncClient, base: str) -> int:
    count, cursor = 0, ""
    body: dict[str, Any] = {
        "filter": {"since": WINDOW_FROM.isoformat(), "to": START.isoformat()},
        "limit": 100,
    }
    while True:
        r = await client.post(
            f"{base}/v4/posting/fbs/list",
            json={**body, "cursor": cursor},
            headers={"Client-Id": "1", "Api-Key": "bench"},
        )
        page = r.json()
        count += len(page["postings"])
        if not page["has_next"]:
            return count
        cursor = page["cursor"]


async def page_ym(client: httpx.AsyncClient, base: str) -> int:
    count, params = 0, {"limit": 50}
    while True:
        r = await client.post(
            f"{base}/v1/businesses/1/orders", params=params, json={}, headers={"Api-Key": "bench"}
        )
        page = r.json()
        count += len(page["orders"])
        token = page["paging"].get("nextPageToken")
        if not token:
            return count
        params = {"limit": 50, "pageToken": token}


async def measure(base_url: str) -> None:
    pagers = {"wildberries": page_wb, "ozon": page_ozon, "yandex_market": page_ym}
    total, total_seconds = 0, 0.0
    async with httpx.AsyncClient(timeout=60) as client:
        for name, pager in pagers.items():
            started = time.perf_counter()
            count = await pager(client, f"{base_url}/{name}")
            seconds = time.perf_counter() - started
            total, total_seconds = total + count, total_seconds + seconds
            print(
                f"  {name:<14} {count:>8} orders in {seconds:6.2f}s = {count / seconds:>8.0f} orders/s"
            )
        started = time.perf_counter()
        counts = await asyncio.gather(
            *(pager(client, f"{base_url}/{name}") for name, pager in pagers.items())
        )
        seconds = time.perf_counter() - started
    print(
        f"  sequential total {total} orders in {total_seconds:.2f}s = {total / total_seconds:.0f} orders/s"
    )
    print(
        f"  3 marketplaces concurrently: {sum(counts)} orders in {seconds:.2f}s = {sum(counts) / seconds:.0f} orders/s"
    )


def serve_child(backlog: int, conn: Connection) -> None:
    """Run the server in its own process so the client does not share its GIL."""
    started = time.perf_counter()
    config = SandboxConfig(backlog=backlog, rate_limit_scale=0, start_time=START)
    with SandboxServer(config) as server:
        conn.send((server.base_url, time.perf_counter() - started, rss_mb()))
        conn.recv()
        conn.send(rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=100_000, help="records per marketplace")
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_child, args=(args.backlog, child)
    )
    process.start()
    base_url, ready, rss = parent.recv()
    print(
        f"backlog {args.backlog} per marketplace ({3 * args.backlog} orders), server in its own process"
    )
    print(f"  start (backlog generation + uvicorn up): {ready:.2f}s, server RSS {rss:.0f} MB")
    asyncio.run(measure(base_url))
    parent.send("done")
    print(f"  server RSS after paging: {parent.recv():.0f} MB")
    process.join()


if __name__ == "__main__":
    main()

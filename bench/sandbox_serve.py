"""Benchmark of the sandbox: start time, memory (RSS), orders/s served for a full paging.

Usage: .venv/bin/python bench/sandbox_serve.py [--backlog 100000] [--clients 4]
                                               [--client raw|httpx]

The server runs in its own process. Each marketplace's list endpoint is paged through
the whole backlog by `--clients` concurrent clients, each over its own slice of the
creation window, so that the server always has a request to work on while clients
parse (with 4 it is busy all the time on 2 cores); every order is counted once and the
ids are checked for gaps and repeats. Printed per run: orders/s, the server process's
CPU time (from /proc) per order and orders per server-CPU-second, and this (client)
process's CPU time, to tell which side limits the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import multiprocessing
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from mpsync.sandbox import SandboxConfig, SandboxServer

START = datetime(2025, 6, 1, tzinfo=UTC)
DAY, MSK = 86400, 3 * 3600
WINDOW_FROM = START - timedelta(days=30)
WB = {"Authorization": "bench"}
OZON = {"Client-Id": "1", "Api-Key": "bench"}
YM = {"Api-Key": "bench"}
# Ozon posting numbers are "<order>-<4 digits>-<n>"; the order part grows with the row.
Key = int | tuple[int, int]


class Client(Protocol):
    """One keep-alive connection to the sandbox; `call` returns the 200 body."""

    async def call(
        self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]
    ) -> bytes: ...

    async def close(self) -> None: ...


class RawClient:
    """A minimal HTTP/1.1 keep-alive client: one connection, Content-Length bodies only.

    Through httpx a 50-order YM page costs the client ~2.3 ms of CPU (this: ~0.7 ms,
    JSON parsing included in both), more than twice what the server spends on it, so
    with httpx the bench measures mostly the client.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base_url: str) -> RawClient:
        host, port = base_url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def call(
        self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]
    ) -> bytes:
        data = b"" if body is None else json.dumps(body).encode()
        target = f"{path}?{urlencode(query)}" if query else path
        lines = [f"{method} {target} HTTP/1.1", "Host: sandbox", f"Content-Length: {len(data)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in head[1:] if line)
        payload = await self.reader.readexactly(int(fields["content-length"]))
        if head[0].split()[1] != "200":
            raise AssertionError(f"{method} {target}: {head[0]} {payload[:200]!r}")
        return payload

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


class HttpxClient:
    """The same calls through httpx (what mpsync's connectors use), for comparison."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=120)

    async def call(
        self, method: str, path: str, query: dict[str, Any], body: Any, headers: dict[str, str]
    ) -> bytes:
        r = await self.http.request(method, path, params=query, json=body, headers=headers)
        r.raise_for_status()
        return r.content

    async def close(self) -> None:
        await self.http.aclose()


async def open_client(kind: str, base_url: str) -> Client:
    return await RawClient.open(base_url) if kind == "raw" else HttpxClient(base_url)


Pager = Callable[[Client, str, int, int], Awaitable[list[Key]]]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


async def page_wb(client: Client, base: str, low: int, high: int) -> list[Key]:
    keys: list[Key] = []
    cursor = 0
    while True:
        query = {"limit": 1000, "next": cursor, "dateFrom": low, "dateTo": high}
        page = json.loads(await client.call("GET", f"{base}/api/v3/orders", query, None, WB))
        if not page["orders"]:
            return keys
        keys += [order["id"] for order in page["orders"]]
        cursor = page["next"]


async def page_ozon(client: Client, base: str, low: int, high: int) -> list[Key]:
    keys: list[Key] = []
    body: dict[str, Any] = {"filter": {"since": iso(low), "to": iso(high)}, "limit": 100}
    while True:
        raw = await client.call("POST", f"{base}/v4/posting/fbs/list", {}, body, OZON)
        page = json.loads(raw)
        for posting in page["postings"]:
            order, _check, number = posting["posting_number"].split("-")
            keys.append((int(order), int(number)))
        if not page["has_next"]:
            return keys
        body = {**body, "cursor": page["cursor"]}


def msk_date(epoch: int) -> str:
    """The Moscow calendar day of a moment (YM's creation filter takes days)."""
    return datetime.fromtimestamp(epoch + MSK, UTC).date().isoformat()


async def page_ym(client: Client, base: str, low: int, high: int) -> list[Key]:
    """OrderDatesFilterDTO: creation days, From included, To excluded (slices are days)."""
    keys: list[Key] = []
    body = {"dates": {"creationDateFrom": msk_date(low), "creationDateTo": msk_date(high + 1)}}
    query: dict[str, Any] = {"limit": 50}
    while True:
        page = json.loads(
            await client.call("POST", f"{base}/v1/businesses/1/orders", query, body, YM)
        )
        keys += [order["orderId"] for order in page["orders"]]
        token = page["paging"].get("nextPageToken")
        if not token:
            return keys
        query = {"limit": 50, "pageToken": token}


PAGERS: dict[str, Pager] = {"wildberries": page_wb, "ozon": page_ozon, "yandex_market": page_ym}


def slices(clients: int) -> list[tuple[int, int]]:
    """`clients` disjoint [low, high] creation windows (seconds, inclusive) covering 30 days,
    cut at Moscow midnights: Yandex Market filters creation by whole days."""
    first = (int(WINDOW_FROM.timestamp()) + MSK) // DAY
    last = (int(START.timestamp()) + MSK) // DAY
    cuts = [first + (last + 1 - first) * k // clients for k in range(clients + 1)]
    return [(cuts[k] * DAY - MSK, cuts[k + 1] * DAY - MSK - 1) for k in range(clients)]


async def page_slice(kind: str, base_url: str, name: str, window: tuple[int, int]) -> list[Key]:
    client = await open_client(kind, base_url)
    try:
        return await PAGERS[name](client, f"/{name}", *window)
    finally:
        await client.close()


async def page_all(kind: str, base_url: str, name: str, clients: int, expected: int) -> int:
    """Page one marketplace with `clients` concurrent clients; check the orders add up."""
    parts = await asyncio.gather(
        *(page_slice(kind, base_url, name, window) for window in slices(clients))
    )
    for keys in parts:
        if any(a >= b for a, b in itertools.pairwise(keys)):
            raise AssertionError(f"{name}: ids are not strictly increasing within a slice")
    count = sum(len(keys) for keys in parts)
    distinct = len({key for keys in parts for key in keys})
    if not count == distinct == expected:
        raise AssertionError(f"{name}: {count} orders, {distinct} distinct, {expected} expected")
    return count


@dataclass
class Meter:
    """Wall time, server CPU and client CPU over one measured run."""

    server_pid: int

    def __enter__(self) -> Meter:
        self.wall, self.server = time.perf_counter(), cpu_seconds(self.server_pid)
        self.client = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.server = cpu_seconds(self.server_pid) - self.server
        self.client = time.process_time() - self.client

    def line(self, label: str, count: int) -> str:
        return (
            f"  {label:<27} {count:>7} orders in {self.wall:6.2f}s = {count / self.wall:>6.0f}/s"
            f" | server CPU {self.server:5.2f}s = {1e6 * self.server / count:4.1f} µs/order"
            f" = {count / self.server:>6.0f}/CPU-s | client CPU {self.client:5.2f}s"
        )


async def measure(base_url: str, server_pid: int, args: argparse.Namespace) -> None:
    run = functools.partial(
        page_all, args.client, base_url, clients=args.clients, expected=args.backlog
    )
    total, total_seconds = 0, 0.0
    for name in PAGERS:
        with Meter(server_pid) as meter:
            count = await run(name)
        total, total_seconds = total + count, total_seconds + meter.wall
        print(meter.line(name, count))
    print(
        f"  {'sequential total':<27} {total:>7} orders in {total_seconds:6.2f}s = "
        f"{total / total_seconds:>6.0f}/s"
    )
    with Meter(server_pid) as meter:
        counts = await asyncio.gather(*(run(name) for name in PAGERS))
    print(meter.line("3 marketplaces concurrently", sum(counts)))


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
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients per marketplace")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="HTTP client of the bench"
    )
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_child, args=(args.backlog, child)
    )
    process.start()
    base_url, ready, rss = parent.recv()
    print(
        f"backlog {args.backlog} per marketplace ({3 * args.backlog} orders), server in its own"
        f" process, {args.clients} {args.client} client(s) per marketplace"
    )
    print(f"  start (backlog generation + uvicorn up): {ready:.2f}s, server RSS {rss:.0f} MB")
    assert process.pid is not None
    asyncio.run(measure(base_url, process.pid, args))
    parent.send("done")
    print(f"  server RSS after paging: {parent.recv():.0f} MB")
    process.join()


if __name__ == "__main__":
    main()

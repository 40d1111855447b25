"""Resync benchmark: ``SyncService.resync`` of a 30-day window against the sandbox.

The sandbox holds ``--orders`` historical records per marketplace (``backlog`` counts WB
tasks / Ozon postings / YM orders, each marketplace gets that many, spread over the 29
days before the start). One account of ``--marketplace`` is resynced over
[start - 30 d, start) into a fresh SQLite file. Printed: orders/s, API requests made
(from the sandbox's endpoint counters) against the minimum, 429/420 answers and peak RSS.

By default rate limits are off on both sides (sandbox ``rate_limit_scale=0``, and the
connector's limiter and retry waits do not sleep) so the figure is mpsync's own cost;
``--rate-limits`` enforces the documented limits (scale 1.0) and really sleeps.
``--sandbox-subprocess`` runs ``python -m mpsync sandbox`` in a child process so that
the peak RSS printed is mpsync's alone (the child's own peak is printed too).

Usage: .venv/bin/python bench/resync.py --orders 200000 [--marketplace ozon|wildberries]
       [--rate-limits] [--sandbox-subprocess] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import resource
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mpsync.config import load_config_data
from mpsync.logging import configure_logging
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sandbox.sim import World
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.sync.service import SyncService

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
CHUNK = timedelta(days=1)  # SyncService.resync's default chunk
PAGE = {"ozon": 100, "wildberries": 1000}
LIST_ENDPOINT = {"ozon": "/v4/posting/fbs/list", "wildberries": "/api/v3/orders"}
STATUS_ENDPOINT = {"wildberries": "/api/v3/orders/status"}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) RSS of a process in MiB from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def account_for(marketplace: str, base_url: str) -> dict[str, Any]:
    if marketplace == "ozon":
        return {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "bench",
                "api_base_url": base_url}  # fmt: skip
    return {"id": "wb", "marketplace": "wildberries", "token": "bench", "api_base_url": base_url}


def chunk_minimum(config: SandboxConfig, marketplace: str, since: datetime,
                  until: datetime) -> tuple[int, int]:  # fmt: skip
    """(records in the window, the fewest list pages the day chunks can take).

    Ozon filters on the last status change, WB on creation time; both inclusive.
    """
    table = World(config).tables[marketplace]
    times = table.updated if marketplace == "ozon" else table.created
    low, step, end = int(since.timestamp()), int(CHUNK.total_seconds()), int(until.timestamp())
    per_chunk: dict[int, int] = {}
    inside = 0
    for moment in times:
        if low <= moment <= end:
            inside += 1
            per_chunk[(moment - low) // step] = per_chunk.get((moment - low) // step, 0) + 1
    chunks = math.ceil((end - low) / step)
    pages = sum(max(1, math.ceil(per_chunk.get(i, 0) / PAGE[marketplace])) for i in range(chunks))
    return inside, pages


def _chunk_minimum_child(args: tuple[Any, ...], queue: Any) -> None:
    queue.put(chunk_minimum(*args))


def chunk_minimum_elsewhere(*args: Any) -> tuple[int, int]:
    """chunk_minimum in a spawned process, so its memory stays out of our peak RSS."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_chunk_minimum_child, args=(args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_subprocess(args: argparse.Namespace, scale: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "mpsync", "sandbox", "--port", str(port),
               "--backlog", str(args.orders), "--seed", str(args.seed),
               "--orders-per-minute", "0", "--rate-limit-scale", str(scale), "--speed", "0"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"sandbox exited with {child.returncode}: {' '.join(command)}")
        try:
            httpx.get(f"{base}/_sandbox/info", timeout=1).raise_for_status()
            return child, base
        except httpx.HTTPError:
            time.sleep(0.2)
    child.terminate()
    raise SystemExit("sandbox did not come up within 600 s")


async def no_sleep(_: float) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders", type=int, default=200_000, help="sandbox backlog per marketplace"
    )
    parser.add_argument("--marketplace", choices=["ozon", "wildberries"], default="ozon")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate-limits", action="store_true",
                        help="documented limits on (sandbox scale 1.0, the connector really waits)")  # fmt: skip
    parser.add_argument("--sandbox-subprocess", action="store_true",
                        help="run the sandbox as `python -m mpsync sandbox` in a child process")  # fmt: skip
    args = parser.parse_args()
    configure_logging("console", "info")  # the daemon's default level; logs go to stderr
    scale = 1.0 if args.rate_limits else 0.0
    mp = args.marketplace

    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="mpsync-bench-"))
        loaded = time.perf_counter()
        child: subprocess.Popen[bytes] | None = None
        if args.sandbox_subprocess:
            child, base = start_subprocess(args, scale)
            stack.callback(child.wait, 30)
            stack.callback(child.terminate)
            start = datetime.fromisoformat(httpx.get(f"{base}/_sandbox/stats").json()["now"])
            base_url = f"{base}/{mp}"
            server = None
        else:
            config = SandboxConfig(seed=args.seed, backlog=args.orders, orders_per_minute=0,
                                   start_time=T0, rate_limit_scale=scale)  # fmt: skip
            server = stack.enter_context(SandboxServer(config))
            start, base_url = server.state.world.now_dt, server.url_for(mp)
        loaded = time.perf_counter() - loaded
        rss_before, _ = rss_mb()

        count_config = SandboxConfig(seed=args.seed, backlog=args.orders, orders_per_minute=0,
                                     start_time=start)  # fmt: skip
        since = start - WINDOW
        if server is not None:
            in_window, chunk_pages = chunk_minimum(count_config, mp, since, start)
        else:
            in_window, chunk_pages = chunk_minimum_elsewhere(count_config, mp, since, start)

        url = f"sqlite:///{Path(tmp, 'store.db')}"
        settings = load_config_data(
            {"store": {"url": url}, "accounts": [account_for(mp, base_url)]}, env={}
        )
        engine = create_store_engine(url)
        upgrade(engine)
        sleep = asyncio.sleep if args.rate_limits else no_sleep
        service = SyncService(Runtime.build(engine, settings, clock=lambda: start, sleep=sleep))
        account = settings.accounts[0]

        def progress(done: int, total: int, counts: Any) -> None:
            if done % 5 == 0 or done == total:
                current, _peak = rss_mb()
                print(f"  window {done}/{total}: {counts.fetched:,} fetched,"
                      f" rss {current:.0f} MB", file=sys.stderr, flush=True)  # fmt: skip

        async def run() -> Any:
            try:
                return await service.resync(account, "orders", since=since, until=start,
                                            progress=progress)  # fmt: skip
            finally:
                await service.runtime.aclose()

        began = time.perf_counter()
        result = asyncio.run(run())
        seconds = time.perf_counter() - began

        if server is not None:
            stats = server.state.stats()
        else:
            stats = httpx.get(f"{base}/_sandbox/stats").json()
        child_peak = rss_mb(child.pid)[1] if child is not None else None
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar_one()
            lines = connection.exec_driver_sql("SELECT COUNT(*) FROM order_lines").scalar_one()
        engine.dispose()

    endpoints = {k: v for k, v in stats["endpoints"].items() if k.startswith(f"{mp}")}
    total_requests = sum(v["total"] for v in endpoints.values())
    list_calls = sum(v["total"] for k, v in endpoints.items() if k.endswith(LIST_ENDPOINT[mp]))
    status_calls = sum(
        v["total"]
        for k, v in endpoints.items()
        if mp in STATUS_ENDPOINT and k.endswith(STATUS_ENDPOINT[mp])
    )
    per_page_status = mp in STATUS_ENDPOINT
    floor = math.ceil(in_window / PAGE[mp]) * (2 if per_page_status else 1)
    chunked = chunk_pages * (2 if per_page_status else 1)
    limited = stats["rate_limited"]

    where = "subprocess (`python -m mpsync sandbox`)" if child else "in-process"
    print(f"resync {mp}: backlog {args.orders:,} per marketplace, window {since:%Y-%m-%d} .. "
          f"{start:%Y-%m-%d %H:%M}, sandbox {where}, rate limits {'on' if scale else 'off'}")  # fmt: skip
    print(f"  sandbox ready in {loaded:.1f} s; outcome {result.outcome}"
          f"{' (' + str(result.error) + ')' if result.error else ''}")  # fmt: skip
    print(f"  orders   : {result.counts.fetched:,} fetched, {stored:,} stored ({lines:,} lines),"
          f" {in_window:,} in the window, in {seconds:.1f} s = {result.counts.fetched / seconds:,.0f} orders/s")  # fmt: skip
    print(f"  requests : {total_requests:,} to {mp} (list {list_calls:,}, status {status_calls:,},"
          f" other {total_requests - list_calls - status_calls:,})")  # fmt: skip
    print(f"  minimum  : {floor:,} = ceil({in_window:,} / {PAGE[mp]})"
          f"{' x 2 (list + status per page)' if per_page_status else ''};"
          f" {chunked:,} with the 1-day resync chunks; made/minimum {total_requests / floor:.2f}x")  # fmt: skip
    print(f"  429/420  : {limited:,}")
    for name, entry in sorted(endpoints.items()):
        print(f"    {name}: {entry}")
    print(f"  peak RSS : {peak_rss_mb():.0f} MB (this process; {rss_before:.0f} MB before the resync)"
          + (f"; sandbox child peak {child_peak:.0f} MB" if child_peak is not None else
             "; the sandbox runs in this process"))  # fmt: skip


if __name__ == "__main__":
    main()

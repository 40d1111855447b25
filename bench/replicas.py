"""Replicas benchmark: 30 accounts against the sandbox (rate limits on), 1 vs 3 replicas.

For each replica count it starts a fresh sandbox (``python -m mpsync sandbox`` in a
child process, documented rate limits, ``--backlog`` records per marketplace over the 29
days before its start, no new orders) and a fresh PostgreSQL schema, then that many
``mpsync run`` processes with one config: 10 Wildberries, 10 Ozon and 10 Yandex Market
accounts, each with credentials of its own (its own rate-limit buckets at the sandbox),
all reading the same backlog (so each account stores ``--backlog`` orders).

Printed per run, and as a ratio 3 : 1:

* **initial load**: orders stored ÷ seconds from the first sync run's start to the end
  of the last account's first complete orders run (every history read done); the API
  requests it took (sandbox counters) and the 429/420 answers;
* **steady state**: API requests per minute over ``--steady`` seconds afterwards, with
  orders polled every ``--poll`` seconds: replicas share one schedule, so three replicas
  should poll about as often as one;
* which replica did how much (``mpsync_work_done_total`` by replica), and the CPU time
  the replicas used until the initial load was done (their start-up included).

Usage: .venv/bin/python bench/replicas.py [--backlog 1000] [--steady 30] [--poll 5]
       [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--counts 1,3]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, make_url, text

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade

ROOT = Path(__file__).parents[1]
PER_MARKETPLACE = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, condition: Any, seconds: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {seconds:.0f}s waiting for {what}")
        time.sleep(every)


def start_sandbox(backlog: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "mpsync", "sandbox", "--port", str(port),
               "--backlog", str(backlog), "--orders-per-minute", "0", "--speed", "0",
               "--rate-limit-scale", "1.0", "--seed", "7"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/_sandbox/info", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for("the sandbox", up, 600)
    return child, base


def accounts_toml(base: str, poll: int) -> str:
    poll_line = (f'poll = {{ orders = "{poll}s", stock = "1h", prices = "1h", history = "30d", '
                 'jitter = "1s" }')  # fmt: skip
    blocks = []
    for i in range(PER_MARKETPLACE):
        blocks.append(
            f'[[accounts]]\nid = "wb{i}"\nmarketplace = "wildberries"\n'
            f'token = "bench-wb-{i}"\napi_base_url = "{base}/wildberries"\n{poll_line}\n'
        )
        blocks.append(
            f'[[accounts]]\nid = "oz{i}"\nmarketplace = "ozon"\n'
            f'client_id = "{200000 + i}"\napi_key = "bench-oz-{i}"\n'
            f'api_base_url = "{base}/ozon"\n{poll_line}\n'
        )
        blocks.append(f'[[accounts]]\nid = "ym{i}"\nmarketplace = "yandex_market"\n'
                      f'api_key = "bench-ym-{i}"\nbusiness_id = 1000001\n'
                      f'campaign_ids = [21000000]\napi_base_url = "{base}/yandex_market"\n'
                      f'{poll_line}\n')  # fmt: skip
    return "\n".join(blocks)


@dataclass
class Outcome:
    replicas: int
    orders: int
    load_seconds: float
    load_requests: int
    limited: int
    steady_per_minute: float
    work: dict[str, dict[str, float]]
    cpu_seconds: float

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.load_seconds


def requests_made(base: str) -> tuple[int, int]:
    stats = httpx.get(f"{base}/_sandbox/stats", timeout=30).json()
    total = sum(entry["total"] for entry in stats["endpoints"].values())
    return total, int(stats["rate_limited"])


def fresh_schema(pg: str) -> tuple[str, Engine, str]:
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(make_url(pg).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = create_store_engine(rendered)
    upgrade(engine)
    admin.dispose()
    return schema, engine, rendered


def drop_schema(pg: str, schema: str) -> None:
    admin = create_engine(make_url(pg).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def first_passes(engine: Engine) -> tuple[int, float | None]:
    """(accounts whose orders stream completed a run, seconds from first start to last)."""
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT COUNT(DISTINCT account_id), "
            " EXTRACT(EPOCH FROM (MAX(first_ok) - (SELECT MIN(started_at) FROM sync_runs)))"
            " FROM (SELECT account_id, MIN(finished_at) AS first_ok FROM sync_runs"
            "       WHERE stream = 'orders' AND outcome = 'ok' GROUP BY account_id) AS done"
        )).one()  # fmt: skip
    return int(row[0]), float(row[1]) if row[1] is not None else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def work_done(port: int) -> dict[str, float]:
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
    pattern = r'^mpsync_work_done_total\{kind="(\w+)"\} (\S+)$'
    return {kind: float(n) for kind, n in re.findall(pattern, body, re.MULTILINE)}


def run(count: int, args: argparse.Namespace, workdir: Path) -> Outcome:
    sandbox, base = start_sandbox(args.backlog)
    schema, engine, url = fresh_schema(args.pg)
    replicas: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        for index in range(count):
            port = free_port()
            config = workdir / f"r{count}-{index}.toml"
            config.write_text(
                f'[store]\nurl = "{url}"\npool_size = 10\n[server]\nport = {port}\n'
                '[logging]\nformat = "json"\nlevel = "info"\n'
                + accounts_toml(base, args.poll), encoding="utf-8")  # fmt: skip
            env = {**os.environ, "HOSTNAME": f"replica-{index}"}
            log = (workdir / f"r{count}-{index}.log").open("wb")
            process = subprocess.Popen([sys.executable, "-m", "mpsync", "run", "--config",
                                        str(config)], cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)  # fmt: skip
            replicas.append((process, port))
        accounts = 3 * PER_MARKETPLACE
        wait_for("every account's first pass", lambda: first_passes(engine)[0] == accounts,
                 args.timeout)  # fmt: skip
        _, load_seconds = first_passes(engine)
        assert load_seconds is not None
        cpu = sum(cpu_seconds(process.pid) for process, _ in replicas)
        load_requests, limited = requests_made(base)
        with engine.connect() as connection:
            orders = int(connection.execute(text("SELECT COUNT(*) FROM orders")).scalar_one())
        before, started = requests_made(base)[0], time.monotonic()
        time.sleep(args.steady)
        steady = (requests_made(base)[0] - before) * 60 / (time.monotonic() - started)
        work = {f"replica-{i}": work_done(port) for i, (_, port) in enumerate(replicas)}
        return Outcome(count, orders, load_seconds, load_requests, limited, steady, work, cpu)
    finally:
        for process, _ in replicas:
            process.send_signal(signal.SIGTERM)
        for process, _ in replicas:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        sandbox.terminate()
        sandbox.wait(timeout=30)
        engine.dispose()
        drop_schema(args.pg, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=1000,
                        help="sandbox records per marketplace; every account reads them all")  # fmt: skip
    parser.add_argument("--steady", type=float, default=30.0, help="seconds of steady polling")
    parser.add_argument("--poll", type=int, default=5, help="orders poll interval, seconds")
    parser.add_argument("--counts", default="1,3", help="replica counts to compare")
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--logs", type=Path, help="keep the replicas' configs and logs here")
    parser.add_argument("--pg", default=os.environ.get(
        "MPSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))  # fmt: skip
    args = parser.parse_args()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mpsync-bench-replicas-") as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for count in (int(c) for c in args.counts.split(",")):
            print(f"{count} replica(s): starting", file=sys.stderr, flush=True)
            outcome = run(count, args, workdir)
            outcomes.append(outcome)
            print(f"{count} replica(s): {outcome.orders:,} orders in {outcome.load_seconds:.1f}s"
                  f" = {outcome.orders_per_second:,.0f} orders/s; {outcome.load_requests:,} "
                  f"API requests ({outcome.limited} answered 429/420); replicas' CPU "
                  f"{outcome.cpu_seconds:.1f}s (start-up included); steady "
                  f"{outcome.steady_per_minute:,.0f} requests/min; work done "
                  f"{outcome.work}", flush=True)  # fmt: skip
    if len(outcomes) >= 2:
        one, many = outcomes[0], outcomes[-1]
        print(
            f"ratio {many.replicas}:{one.replicas}: orders/s "
            f"{many.orders_per_second / one.orders_per_second:.2f}x, initial-load requests "
            f"{many.load_requests / one.load_requests:.2f}x, steady requests/min "
            f"{many.steady_per_minute / max(one.steady_per_minute, 1e-9):.2f}x"
        )


if __name__ == "__main__":
    main()

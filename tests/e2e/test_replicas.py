"""Issue 14: three ``mpsync run`` replicas on one PostgreSQL, one ``kill -9``-ed mid-run.

Real processes, real PostgreSQL (this session's schema), the sandbox with a backlog and
live orders, pushes spread over the replicas as a reverse proxy would, e-mail to a local
SMTP server (aiosmtpd). One replica is killed while it holds a sync run and is not
restarted. Afterwards: the store equals the sandbox truth, no status change or invoice
is doubled, invoice numbers are gapless, every mail arrived (at most one twice, the one
the crash caught in flight), each surviving replica did some of the work, and the
killed replica's streams were taken over within the lease. The figures are printed.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from mpsync.notify.channels.smtp import message_id
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from tests.conftest import _reset_postgres
from tests.e2e.conftest import SmtpSink, free_port, ready
from tests.sync.conftest import store_orders, truth_orders

ROOT = Path(__file__).parents[2]
LEASE = 4.0  # seconds; the default is 60
POLL = 1.0
SENDER = "mpsync@shop.example"
REPLICAS = 3
VICTIM = 1  # the replica killed, by index
pytestmark = pytest.mark.postgres


class RoundRobin(httpx.AsyncBaseTransport):
    """A reverse proxy in front of the replicas: each push goes to the next one up."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.turn = ports, itertools.cycle(range(len(ports)))
        self.inner = httpx.AsyncHTTPTransport()
        self.served: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in self.ports:
            port = self.ports[next(self.turn)]
            request.url = request.url.copy_with(port=port)
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError:
                continue  # that replica is down: the proxy tries the next
            self.served[port] += 1
            return response
        raise httpx.ConnectError("no replica is up")


def _config(path: Path, url: str, server: SandboxServer, port: int, smtp: int) -> Path:
    # Every polled stream is due within seconds: a unit the victim held is taken over when
    # it is next due, so one polled every 10 minutes (questions, reviews by default) would
    # keep the dead replica's lease row that long.
    poll = (f'poll = {{ orders = "{POLL:g}s", stock = "2s", prices = "2s", products = "2s", '
            'questions = "2s", reviews = "2s", history = "2d", jitter = "0s" }')  # fmt: skip
    path.write_text(
        f'[store]\nurl = "{url}"\n[server]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[logging]\nformat = "json"\nlevel = "info"\n[coordination]\nlease = "{LEASE:g}s"\n'
        '[workflow]\nauto_confirm = ["wb"]\ninterval = "1s"\n'
        '[invoicing]\nenabled = true\ntrigger_status = "shipped"\nseller_name = "ООО Ромашка"\n'
        'seller_inn = "7701234567"\n'
        '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\ntoken = "t0ken-wb"\n'
        f'api_base_url = "{server.url_for("wildberries")}"\n{poll}\n'
        '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "100001"\n'
        f'api_key = "k3y-ozon"\napi_base_url = "{server.url_for("ozon")}"\n{poll}\n'
        'webhook = { token = "oz-push" }\n'
        '[[accounts]]\nid = "ym"\nmarketplace = "yandex_market"\napi_key = "k3y-ym"\n'
        "business_id = 1000001\ncampaign_ids = [21000000]\n"
        f'api_base_url = "{server.url_for("yandex_market")}"\n{poll}\n'
        'webhook = { token = "ym-push" }\n'
        '[[notifications.channels]]\nname = "email"\ntype = "email"\nhost = "127.0.0.1"\n'
        f'port = {smtp}\nsecurity = "none"\nfrom = "{SENDER}"\nto = ["seller@shop.example"]\n'
        '[[notifications.rules]]\nevents = ["order.created", "order.cancelled"]\n'
        'channels = ["email"]\n',
        encoding="utf-8",
    )
    return path


class Replica:
    def __init__(self, index: int, config: Path, port: int, log: Path) -> None:
        self.name, self.port, self.log = f"replica-{index}", port, log
        env = {**os.environ, "HOSTNAME": f"replica-{index}"}  # as a container's name
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mpsync", "run", "--config", str(config)],
                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    @property
    def label(self) -> str:
        return f"{self.name}:{self.process.pid}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        return ready(self.port)

    def work_done(self) -> dict[str, float]:
        body = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        pattern = r'^mpsync_work_done_total\{kind="(\w+)"\} (\S+)$'
        return {kind: float(n) for kind, n in re.findall(pattern, body, re.MULTILINE)}

    def events(self, name: str) -> list[dict[str, Any]]:
        import json

        found = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{") and f'"event": "{name}"' in line:
                found.append(json.loads(line))
        return found


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def _wait(condition: Callable[[], bool], seconds: float, replicas: list[Replica],
          what: str, state: Callable[[], object] = lambda: "", every: float = 0.05) -> None:  # fmt: skip
    deadline = time.monotonic() + seconds
    while not condition():
        for replica in replicas:
            assert replica.alive(), f"{replica.name} exited:\n{replica.log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {state()}"
        time.sleep(every)


def test_three_replicas_split_the_work_and_survive_a_kill(
    tmp_path: Path, pg_schema_url: str, smtp_sink: SmtpSink
) -> None:
    engine = create_store_engine(pg_schema_url)
    upgrade(engine)
    _reset_postgres(engine)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    config = SandboxConfig(seed=14, backlog=100, backlog_days=1, orders_per_minute=60,
                           start_time=start, speed=1, rate_limit_scale=0)  # fmt: skip
    ports = [free_port() for _ in range(REPLICAS)]
    config.ozon_push_url = f"http://127.0.0.1:{ports[0]}/webhooks/oz/oz-push"
    config.yandex_market_push_url = f"http://127.0.0.1:{ports[0]}/webhooks/ym/ym-push"
    replicas: list[Replica] = []
    with SandboxServer(config) as server:
        proxy = RoundRobin(ports)
        server.state.push.transport = proxy
        for index, port in enumerate(ports):
            cfg = _config(tmp_path / f"r{index}.toml", pg_schema_url, server, port,
                          smtp_sink.port)  # fmt: skip
            replicas.append(Replica(index, cfg, port, tmp_path / f"r{index}.log"))
        victim = replicas[VICTIM]
        survivors = [r for i, r in enumerate(replicas) if i != VICTIM]
        try:
            _wait(lambda: all(r.ready() for r in replicas), 90, replicas, "three ready replicas")
            began = time.monotonic()
            # Mid-run: the victim holds a sync run (its lease, a 'running' row) right now.
            held = f"SELECT unit FROM leases WHERE owner LIKE '{victim.label}/%' " \
                   "AND unit LIKE 'sync:%'"  # fmt: skip
            _wait(lambda: bool(_rows(engine, held)), 30, replicas, "the victim mid-run",
                  every=0.005)  # fmt: skip
            victim.process.send_signal(signal.SIGKILL)
            killed_at = datetime.now(UTC)
            victim.process.wait(timeout=10)
            units = {str(row[0]) for row in _rows(engine, held)}
            _wait(lambda: not _rows(engine, held), 4 * LEASE, survivors,
                  "the victim's units taken over", every=0.01)  # fmt: skip
            time.sleep(1)  # live orders keep coming for a moment under two replicas
            config.orders_per_minute, config.speed = 0, 0  # the world stands still
            server.flush_push()
            settled = datetime.now(UTC) + timedelta(seconds=0.5)
            ok_after = ("SELECT DISTINCT account_id FROM sync_runs WHERE stream = 'orders' "
                        f"AND outcome = 'ok' AND started_at > '{settled.isoformat()}'")  # fmt: skip
            busy = ("SELECT (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')),"
                    " (SELECT COUNT(*) FROM pushes WHERE state IN ('pending', 'processing')),"
                    " (SELECT COUNT(*) FROM write_backs WHERE state = 'pending')")  # fmt: skip
            _wait(lambda: sum(_rows(engine, busy)[0]) == 0 and len(_rows(engine, ok_after)) == 3,
                  40, survivors, "the store to settle",
                  lambda: (_rows(engine, busy), _rows(engine, ok_after)))  # fmt: skip
            work = {r.name: r.work_done() for r in survivors}
            for replica in survivors:
                replica.process.send_signal(signal.SIGTERM)
            codes = [replica.process.wait(timeout=40) for replica in survivors]
            seconds = time.monotonic() - began
        finally:
            for replica in replicas:
                if replica.alive():
                    replica.process.kill()
                    replica.process.wait()
        truth = truth_orders(server)
        pushes = dict(proxy.served)
    try:
        _check(engine, replicas, survivors, victim, units, killed_at, truth, smtp_sink, codes,
               work, pushes, seconds)  # fmt: skip
    finally:
        engine.dispose()


def _check(engine: Engine, replicas: list[Replica], survivors: list[Replica], victim: Replica,
           units: set[str], killed_at: datetime, truth: dict[Any, Any], smtp: SmtpSink,
           codes: list[int], work: dict[str, dict[str, float]], pushes: dict[int, int],
           seconds: float) -> None:  # fmt: skip
    assert codes == [0] * len(survivors), [r.log.read_text()[-2000:] for r in survivors]
    stored = store_orders(engine)
    differ = sorted(k for k in set(stored) | set(truth) if stored.get(k) != truth.get(k))
    assert stored == truth, [(k, stored.get(k), truth.get(k)) for k in differ[:5]]
    doubled_changes = _rows(engine, "SELECT order_id, from_status, to_status FROM status_changes "
                                    "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1")  # fmt: skip
    doubled_invoices = _rows(engine, "SELECT order_id FROM invoices GROUP BY 1 "
                                     "HAVING COUNT(*) > 1")  # fmt: skip
    seqs = [int(row[0]) for row in _rows(engine, "SELECT seq FROM invoices ORDER BY seq")]
    assert doubled_changes == [] and doubled_invoices == []
    assert seqs == list(range(1, len(seqs) + 1)) and seqs, "invoice numbers are gapless"
    # Mail: everything sent arrived, at most one twice (the crash's message in flight).
    sent = [str(r[0]) for r in _rows(engine, "SELECT dedupe_key FROM outbox WHERE state='sent'")]
    unsent = _rows(engine, "SELECT state, COUNT(*) FROM outbox WHERE state != 'sent' GROUP BY 1")
    assert unsent == [] and sent
    received = Counter(str(mail["Message-ID"]) for mail in smtp.mails)
    expected = {message_id(key, SENDER) for key in sent}
    assert expected - set(received) == set(), "a mail was lost"
    assert set(received) - expected == set()
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= 1
    # The split: each survivor synced, and the victim's units went to them within the lease.
    runs = Counter(str(r[0]).split("/")[0].rsplit(":", 1)[0] for r in _rows(
        engine, "SELECT owner FROM sync_runs WHERE outcome = 'ok'"))  # fmt: skip
    assert all(runs[r.name] > 0 for r in survivors), runs
    interrupted = _rows(engine, "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'interrupted' "
                                f"AND owner LIKE '{victim.label}/%'")[0][0]  # fmt: skip
    takeovers = {
        event["unit"]: datetime.fromisoformat(event["timestamp"]) - killed_at
        for replica in survivors
        for event in replica.events("lease taken over")
        if event["previous"] == victim.label
    }
    assert units <= set(takeovers), (units, takeovers)
    slowest = max(takeovers[unit] for unit in units)
    assert slowest <= timedelta(seconds=LEASE + POLL + 1), takeovers
    invoices = len(seqs)
    print(
        f"\n{len(replicas)} replicas, {victim.name} killed; {seconds:.1f}s to settle. "
        f"orders {len(stored)} = truth; invoices {invoices} (1..{invoices}); "
        f"status changes doubled 0; mails {len(expected)} sent, {duplicates} duplicate; "
        f"sync runs ok per replica {dict(runs)}; victim's runs interrupted {interrupted}; "
        f"victim's units {sorted(units)} taken over after "
        f"{ {u: round(takeovers[u].total_seconds(), 2) for u in sorted(units)} }s "
        f"(lease {LEASE:g}s); work done per survivor {work}; pushes per replica port "
        f"{pushes}"
    )

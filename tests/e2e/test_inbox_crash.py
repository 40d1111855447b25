"""``mpsync run`` answers buyers by an auto rule and is killed with SIGKILL mid-answer.

The daemon reads the sandbox's questions and reviews of three marketplaces, the knowledge
base queues an answer to every question about delivery (auto) and a draft for every review
of one or two stars; the outbox sends the answers through the marketplaces, slowly (the
sandbox delays answers), so that kills hit answers in flight. After each kill the leases of
the rows left ``sending`` are expired by hand (waiting the real 5 minutes would not fit a
test). Then the sandbox's truth must show every matching question answered exactly once and
no draft sent. Polls run every 30 s: Yandex Market's hourly read quota (1,000 question reads)
would otherwise be spent on polls, and the read-backs of answers would wait for it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import OperationalError

from mpsync.notify.outbox import OUTBOX
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from tests.e2e.conftest import free_port
from tests.e2e.test_daemon_crash import Daemon

CRASHES = 3
POLL = ('poll = { orders = "1h", stock = "1h", prices = "1h", products = "1h", '
        'questions = "30s", reviews = "30s", history = "1d", jitter = "0s" }')  # fmt: skip
RULES = """
[workflow]
interval = "1s"
[[answers.rules]]
name = "delivery"
kinds = ["question"]
match = ["доставка"]
template = "Здравствуйте! {{ product }} доставляем за 1–3 дня."
mode = "auto"
[[answers.rules]]
name = "sorry"
kinds = ["review"]
rating_max = 2
template = "Нам жаль. Напишите нам, исправим."
mode = "draft"
"""


def _config(path: Path, store_url: str, server: SandboxServer, port: int) -> None:
    creds = server.config.credentials
    path.write_text(
        f'[store]\nurl = "{store_url}"\n[server]\nhost = "127.0.0.1"\nport = {port}\n'
        '[logging]\nformat = "json"\nlevel = "info"\n'
        '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\n'
        f'token = "{creds.wb_token}"\napi_base_url = "{server.url_for("wildberries")}"\n{POLL}\n'
        '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\n'
        f'client_id = "{creds.ozon_client_id}"\napi_key = "{creds.ozon_api_key}"\n'
        f'api_base_url = "{server.url_for("ozon")}"\n{POLL}\n'
        '[[accounts]]\nid = "ym"\nmarketplace = "yandex_market"\n'
        f'api_key = "{creds.ym_api_key}"\nbusiness_id = {creds.ym_business_id}\n'
        f"campaign_ids = [{creds.ym_campaign_id}]\n"
        f'api_base_url = "{server.url_for("yandex_market")}"\n{POLL}\n' + RULES,
        encoding="utf-8",
    )


def _rows(engine: Engine, sql: str) -> list[Any]:
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).all())
    except OperationalError:
        return []  # not created yet, or busy


def _sending(engine: Engine) -> bool:
    return bool(_rows(engine, "SELECT 1 FROM outbox WHERE channel = 'marketplace' "
                              "AND state = 'sending'"))  # fmt: skip


def _settled(engine: Engine, expected: int) -> bool:
    answered = _rows(engine, "SELECT COUNT(*) FROM buyer_messages WHERE rule = 'delivery' "
                             "AND state = 'answered'")  # fmt: skip
    open_ = _rows(engine, "SELECT 1 FROM outbox WHERE channel = 'marketplace' "
                          "AND state IN ('pending', 'sending')")  # fmt: skip
    return bool(answered) and answered[0][0] == expected and not open_


def _summary(engine: Engine) -> str:
    messages = _rows(engine, "SELECT account_id, kind, state, rule, error, COUNT(*) "
                             "FROM buyer_messages GROUP BY 1, 2, 3, 4, 5")  # fmt: skip
    outbox = _rows(engine, "SELECT state, attempts, last_error FROM outbox "
                           "WHERE channel = 'marketplace'")  # fmt: skip
    return f"messages {messages}; answers in the outbox {outbox}"


def _expire_leases(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(OUTBOX).where(OUTBOX.c.state == "sending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )  # fmt: skip


def _wait(condition: Any, seconds: float, daemon: Daemon, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert daemon.alive(), f"daemon exited while waiting for {what}:\n{daemon.tail()}"
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}:\n{daemon.tail()}")


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def test_sigkill_mid_answer_answers_every_match_once_and_sends_no_draft(
    tmp_path: Path, store_url: str
) -> None:
    """On SQLite and PostgreSQL (``store_url``: an empty migrated store of each)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    config = SandboxConfig(seed=9, backlog=10, backlog_days=1, orders_per_minute=0,
                           start_time=start, speed=1, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        truth_url = f"{server.base_url}/_sandbox/buyers"
        before = httpx.get(truth_url, timeout=10).json()
        matching = {t["id"] for t in before if t["kind"] == "question" and t["answer"] is None
                    and "достав" in t["text"].lower()}  # fmt: skip
        low = {t["id"] for t in before if t["kind"] == "review" and t["rating"] <= 2
               and t["answer"] is None}  # fmt: skip
        port, cfg = free_port(), tmp_path / "mpsync.toml"
        _config(cfg, store_url, server, port)
        daemon = Daemon(cfg, tmp_path / "daemon.log", port)
        engine = create_store_engine(store_url)
        kills = 0
        try:
            server.state.set_faults({"slow_rate": 0.5, "slow_seconds": 0.4})
            daemon.start()
            for _ in range(CRASHES):
                try:
                    _wait(lambda: _sending(engine), 30, daemon, "an answer being sent")
                except AssertionError:
                    break  # everything was sent before this kill could hit one
                daemon.kill()
                kills += 1
                _expire_leases(engine)
                daemon.start()
                _wait(lambda: _ready(port), 20, daemon, "the restarted daemon")
            server.state.set_faults({"slow_rate": 0.0})
            _wait(lambda: _settled(engine, len(matching)), 180, daemon,
                  f"every matching question answered ({len(matching)}); "
                  f"{_summary(engine)}")  # fmt: skip
            code = daemon.terminate()
        finally:
            if daemon.alive():
                assert daemon.process is not None
                daemon.process.kill()
                daemon.process.wait(timeout=10)
        assert code == 0, daemon.tail()
        assert kills >= 1, "no kill hit an answer in flight"
        truth = {t["id"]: t for t in httpx.get(truth_url, timeout=10).json()}
        with engine.connect() as connection:
            drafts = set(connection.execute(select(text("external_id")).select_from(
                text("buyer_messages")).where(text("state = 'draft'"))).scalars())  # fmt: skip
        engine.dispose()
    assert matching and low
    assert {i for i, t in truth.items() if t["answers"]} == matching
    assert {truth[i]["answers"] for i in matching} == {1}  # once each, across the kills
    assert drafts == low  # drafted, never sent

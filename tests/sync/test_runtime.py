"""The runtime context (``mpsync.runtime``): services are built from it without I/O, and the
workflow runner, the push processor and the buyer inbox's answer channel run on it alone —
no ``SyncService`` — the runner reading orders back through a ``StreamRunner``."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from mpsync.config import AccountConfig
from mpsync.daemon import Daemon
from mpsync.domain.status import OrderStatus
from mpsync.inbox.answers import CHANNEL, answer_now
from mpsync.inbox.service import answer_channel
from mpsync.mapping import MappingFailure
from mpsync.notify import Dispatcher
from mpsync.observe import QUIET
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxServer
from mpsync.sandbox.buyers import book
from mpsync.stocksync.job import StockJob
from mpsync.sync.deadletters import list_dead_letters, retry_dead_letters
from mpsync.sync.pushes import PushProcessor, store_events
from mpsync.sync.service import RunResult, Schedule, SyncService
from mpsync.sync.writer import PageTarget, dead_letter
from mpsync.webhooks import WebhookContext, create_app
from mpsync.workflow import WorkflowRunner
from tests.inbox.test_sandbox_acceptance import _settings, _truth, sandbox  # noqa: F401
from tests.workflow.conftest import NOW, Clock, add_order, rows, workflow_settings

EXAMPLES = json.loads((Path(__file__).parents[1] / "connectors" / "fixtures"
                       / "ym_notification_examples.json").read_text(encoding="utf-8"))  # fmt: skip


class NoIO(AssertionError):
    pass


def _refuse(*_: Any) -> Any:
    raise NoIO("a constructor touched the store")


def _offline(request: httpx.Request) -> httpx.Response:
    raise NoIO(f"a constructor called {request.url}")


@dataclass
class FakeStreams:
    """A ``StreamRunner`` that is not a ``SyncService``: records each call, and runs *read*
    (what the marketplace would say) before answering *outcome*."""

    outcome: str = "ok"
    read: Any = None
    calls: list[tuple[str, str, timedelta | None]] = field(default_factory=list)

    async def sync_stream(self, account: AccountConfig, stream: str, *,
                          wait: timedelta | None = None,
                          schedule: Schedule | None = None) -> RunResult:  # fmt: skip
        self.calls.append((account.id, stream, wait))
        if self.read is not None:
            self.read()
        return RunResult(account.id, stream, outcome=self.outcome)


def test_every_service_is_built_from_a_runtime_without_touching_store_or_network() -> None:
    """Issue 15, point 4: constructors do no I/O. The engine refuses every connection and the
    transport every request, yet the runtime, its connectors and mappings, the sync service,
    the push processor, the workflow runner, the answer channel, the webhook app, the stock
    job and the daemon are all built."""
    engine = create_engine("sqlite://", creator=_refuse)
    settings = workflow_settings("sqlite://")
    runtime = Runtime.build(engine, settings, clock=lambda: NOW,
                            transport=httpx.MockTransport(_offline))  # fmt: skip
    assert runtime.observer is QUIET and not runtime.stop.is_set()
    for account in settings.accounts:
        assert runtime.connectors.connector(account) is runtime.connectors.connector(account)
        assert runtime.connectors.mapping(account) is runtime.connectors.mapping(account)
    service = SyncService(runtime)
    assert service.runtime is runtime and service.coordinator is runtime.coordinator
    PushProcessor(runtime)
    WorkflowRunner(runtime, FakeStreams())
    answer_channel(runtime)
    create_app(WebhookContext.of(runtime))
    StockJob(engine, settings, runtime.connectors.connector, runtime.clock,
             coordinator=runtime.coordinator)  # fmt: skip
    daemon = Daemon(engine, settings, serve_http=False)
    assert daemon.service.runtime is daemon.runtime
    assert daemon.runtime.coordinator is daemon.coordinator
    with pytest.raises(NoIO):  # the engine really refuses: nothing above connected
        runtime.register_accounts()
    asyncio.run(runtime.aclose())


def _left_pending(store: Engine) -> int:
    """A WB order still ``new`` and its confirm write-back a stopped process left pending
    (lease run out): the runner must read the order back before calling again."""
    order_id = add_order(store, "wb-1", OrderStatus.NEW)
    with store.begin() as connection:
        connection.execute(
            text("INSERT INTO write_backs (order_id, action, state, attempts, created_at, "
                 "lease_owner, lease_until) VALUES (:id, 'confirm', 'pending', 0, :at, "
                 "'gone-host:4242/dead', :until)"),
            {"id": order_id, "at": NOW - timedelta(minutes=5), "until": NOW - timedelta(1)},
        )  # fmt: skip
    return order_id


def _workflow_runtime(store: Engine, store_url: str) -> Runtime:
    settings = workflow_settings(store_url, workflow={"auto_confirm": ["wb"]})
    runtime = Runtime.build(store, settings, clock=Clock())
    runtime.register_accounts()
    return runtime


def test_workflow_runner_reads_back_through_a_stream_runner_not_a_sync_service(
    store: Engine, store_url: str
) -> None:
    """The read-back before confirming goes through the ``StreamRunner`` given: it read the
    order as confirmed elsewhere, so the write-back is settled and the marketplace (a closed
    port here) is not called."""
    runtime = _workflow_runtime(store, store_url)
    order_id = _left_pending(store)

    def confirmed_elsewhere() -> None:
        with store.begin() as connection:
            connection.execute(text("UPDATE orders SET status = 'confirmed' WHERE id = :id"),
                               {"id": order_id})  # fmt: skip

    streams = FakeStreams(read=confirmed_elsewhere)

    async def once() -> Any:
        try:
            return await WorkflowRunner(runtime, streams).run_once()
        finally:
            await runtime.aclose()

    stats = asyncio.run(once())
    assert streams.calls == [("wb", "orders", runtime.settings.coordination.lease)]
    assert (stats.confirm_retaken, stats.confirmed, stats.confirm_failed) == (1, 1, 0)
    [written] = rows(store, "SELECT state, attempts, message FROM write_backs")
    assert written.state == "ok" and "not called again" in written.message


def test_workflow_runner_leaves_the_row_when_the_stream_runner_cannot_read(
    store: Engine, store_url: str
) -> None:
    runtime = _workflow_runtime(store, store_url)
    _left_pending(store)
    streams = FakeStreams(outcome="failed")

    async def once() -> Any:
        try:
            return await WorkflowRunner(runtime, streams).run_once()
        finally:
            await runtime.aclose()

    stats = asyncio.run(once())
    assert [c[:2] for c in streams.calls] == [("wb", "orders")]
    assert (stats.confirmed, stats.confirm_failed) == (0, 0)
    [written] = rows(store, "SELECT state, attempts FROM write_backs")
    assert (written.state, written.attempts) == ("pending", 0)  # a later pass takes it


def test_a_pushed_question_lands_and_its_answer_is_delivered_over_a_runtime_alone(
    sandbox: SandboxServer,  # noqa: F811
    store: Engine,
    store_url: str,
) -> None:
    """The push processor applies a Yandex Market QUESTION_CREATED push (the official example,
    ``tests/connectors/fixtures/ym_notification_examples.json``) and the answer channel
    delivers the answer queued for it, both over a runtime; no sync service exists."""

    async def no_sleep(_: float) -> None:
        return None

    settings = _settings(sandbox, store_url)
    runtime = Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt,
                            sleep=no_sleep)  # fmt: skip
    runtime.register_accounts()
    question = book(sandbox.state.world).visible("yandex_market", "question")[0]
    body = json.dumps({**EXAMPLES["QUESTION_CREATED"],
                       "questionId": int(question.external_id)}).encode()  # fmt: skip

    async def scenario() -> int:
        try:
            connector = runtime.connectors.connector(settings.account("ym"))
            events = connector.parse_push({}, body).events
            assert store_events(store, "ym", events, runtime.clock()) == 1
            stats = await PushProcessor(runtime).run_once()
            assert (stats.processed, stats.failed) == (1, 0)
            [message] = rows(store, "SELECT id FROM buyer_messages WHERE external_id = :id",
                             id=question.external_id)  # fmt: skip
            with store.begin() as connection:
                answer_now(connection, message.id, "Здравствуйте! Да, подойдёт.",
                           now=runtime.clock())  # fmt: skip
            dispatcher = Dispatcher(store, settings, {CHANNEL: answer_channel(runtime)},
                                    clock=runtime.clock, coordinator=runtime.coordinator)  # fmt: skip
            return int((await dispatcher.run_once(limit=10)).sent)
        finally:
            await runtime.aclose()

    assert asyncio.run(scenario()) == 1
    truth = {t["id"]: t for t in _truth(sandbox)}
    assert truth[question.external_id]["answers"] == 1
    [stored] = rows(store, "SELECT state FROM buyer_messages WHERE external_id = :id",
                    id=question.external_id)  # fmt: skip
    assert stored.state == "answered"


def test_a_dead_lettered_push_is_retried_over_a_runtime(
    sandbox: SandboxServer,  # noqa: F811
    store: Engine,
    store_url: str,
) -> None:
    """``deadletters retry`` of a push that failed its attempts applies it again through the
    push processor's ``apply`` (a typed ``Push``, no stand-in row class); resolved, the
    question is in the inbox."""
    settings = _settings(sandbox, store_url)
    runtime = Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt)
    runtime.register_accounts()
    question = book(sandbox.state.world).visible("yandex_market", "question")[0]
    body = json.dumps({**EXAMPLES["QUESTION_CREATED"],
                       "questionId": int(question.external_id)}).encode()  # fmt: skip
    [event] = runtime.connectors.connector(settings.account("ym")).parse_push({}, body).events
    target = PageTarget("ym", "yandex_market", "pushes", "push", "webhook")
    failure = MappingFailure(asdict(event), "push processing failed: ConnectError: down")
    with store.begin() as connection:
        dead_letter(connection, target, [failure], now=runtime.clock())

    async def retry() -> dict[str, int]:
        try:
            return await retry_dead_letters(runtime, None)
        finally:
            await runtime.aclose()

    assert asyncio.run(retry()) == {"resolved": 1, "still_failing": 0}
    assert list_dead_letters(store) == []
    [stored] = rows(store, "SELECT kind FROM buyer_messages WHERE external_id = :id",
                    id=question.external_id)  # fmt: skip
    assert stored.kind == "question"


def test_async_with_registers_the_accounts_and_closes_the_connectors(
    store: Engine, store_url: str
) -> None:
    """``async with`` a runtime registers the accounts, and closes its connectors on the way
    out; the pool makes fresh ones afterwards (a CLI command runs several event loops)."""
    settings = workflow_settings(store_url)
    runtime = Runtime.build(store, settings, clock=Clock())
    account = settings.account("wb")

    async def use() -> Any:
        async with runtime as opened:
            assert opened is runtime
            return runtime.connectors.connector(account)

    first = asyncio.run(use())
    assert [r.id for r in rows(store, "SELECT id FROM accounts ORDER BY id")] == ["oz", "wb"]
    assert runtime.connectors.connector(account) is not first
    asyncio.run(runtime.aclose())

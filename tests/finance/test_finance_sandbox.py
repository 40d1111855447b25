"""The finance streams against the sandbox, on SQLite and PostgreSQL: every account's
payout and fee totals per kind equal the sandbox's truth to the kopeck; a replay changes
nothing. The sandbox answers as the specs say (WB reportDetailByPeriod, Ozon
/v3/finance/transaction/list, YM getOrdersStats; see ``mpsync.sandbox.finance_api``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sandbox.money import truth
from mpsync.store.engine import create_store_engine
from mpsync.sync.service import RunResult
from tests.sync.conftest import T0, make_settings, service_for

ACCOUNTS = {"wb": "wildberries", "oz": "ozon", "ym": "yandex_market"}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=11, backlog=240, orders_per_minute=0.1, start_time=T0,
                           rate_limit_scale=0, backlog_days=20)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def sync(server: SandboxServer, engine: Engine, url: str, *streams: str) -> list[RunResult]:
    settings = make_settings(server, url)
    for account in settings.accounts:
        account.poll.history = account.poll.history * 2  # 60 days: all of the backlog

    async def run() -> list[RunResult]:
        service = service_for(server, engine, settings)
        try:
            return [r for stream in streams for r in await service.sync(stream=stream)]
        finally:
            await service.runtime.aclose()

    return asyncio.run(run())


def store_money(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT account_id, kind, SUM(amount) FROM finance_entries GROUP BY account_id, kind"
        )).all()  # fmt: skip
    found: dict[str, Any] = {}
    for account, kind, amount in rows:
        entry = found.setdefault(ACCOUNTS[account], {"fees": {}, "payout": Decimal(0)})
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        entry["payout"] += value
        if kind == "sale":
            entry["revenue"] = value
        elif kind == "return":
            entry["returns"] = value
        else:
            entry["fees"][kind] = value
    return found


def truth_money(server: SandboxServer) -> dict[str, Any]:
    return {
        mp: {"payout": Decimal(t["payout"]), "revenue": Decimal(t["revenue"]),
             **({"returns": Decimal(t["returns"])} if Decimal(t["returns"]) else {}),
             "fees": {k: Decimal(v) for k, v in t["fees"].items()}}
        for mp, t in truth(server.state).items()
    }  # fmt: skip


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM finance_entries")).scalar_one())


def test_finance_reaches_the_truth_to_the_kopeck_and_replays_change_nothing(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    results = sync(sandbox, store, store_url, "orders", "finance")
    assert all(r.outcome == "ok" for r in results), [r.error for r in results]
    expected = truth_money(sandbox)
    assert all(expected[mp]["fees"].get("commission") for mp in expected)
    assert expected["wildberries"]["fees"].get("penalty")  # a penalty now and then
    assert expected["ozon"]["fees"].get("storage")  # storage per day
    assert store_money(store) == expected

    sandbox.state.advance(60 * 24 * 2)  # two simulated days: deliveries, returns, storage
    sync(sandbox, store, store_url, "orders", "finance")
    assert store_money(store) == truth_money(sandbox)
    assert truth_money(sandbox) != expected

    rows = _count(store)
    again = sync(sandbox, store, store_url, "finance")
    assert _count(store) == rows
    assert all(r.counts.inserted == 0 and r.counts.updated == 0 for r in again)
    assert store_money(store) == truth_money(sandbox)


def reconcile(server: SandboxServer, engine: Engine, url: str, account: str,
              month: str) -> dict[str, Any]:  # fmt: skip
    from zoneinfo import ZoneInfo

    from mpsync.analytics.period import parse_period
    from mpsync.finance.reconcile import compare, marketplace_totals, read_report

    settings = make_settings(server, url)
    period = parse_period(month, ZoneInfo("Europe/Moscow"), server.state.world.now_dt.date())
    chosen = next(a for a in settings.accounts if a.id == account)

    async def run() -> dict[str, Any]:
        service = service_for(server, engine, settings)
        try:
            connector, mapping = (
                service.runtime.connectors.connector(chosen),
                service.runtime.connectors.mapping(chosen),
            )
            report, failures = await read_report(connector, mapping, account, period)
            assert failures == []
            totals = await marketplace_totals(connector, period)
        finally:
            await service.runtime.aclose()
        with engine.connect() as connection:
            return compare(connection, account, period, report, totals)

    return asyncio.run(run())


def test_reconcile_balances_after_a_sync_and_lists_each_difference(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    sync(sandbox, store, store_url, "orders", "finance")
    for account in ACCOUNTS:
        result = reconcile(sandbox, store, store_url, account, "2026-10")
        assert result["balanced"], result["differences"][:5]
        assert result["store_payout"] == result["marketplace_payout"] != "0.00"
    assert "marketplace_total" in reconcile(sandbox, store, store_url, "oz", "2026-10")

    with store.begin() as connection:
        changed = connection.execute(text(
            "SELECT id, source_id, order_external_id FROM finance_entries WHERE account_id = 'wb'"
            " AND kind = 'commission' ORDER BY id LIMIT 1")).one()  # fmt: skip
        connection.execute(text("UPDATE finance_entries SET amount = amount - 1 WHERE id = :id"),
                           {"id": changed.id})  # fmt: skip
        gone = connection.execute(text(
            "SELECT source_id, order_external_id FROM finance_entries WHERE account_id = 'wb'"
            " AND kind = 'logistics' AND source_id <> :s ORDER BY id LIMIT 1"),
            {"s": changed.source_id}).one()  # fmt: skip
        connection.execute(text("DELETE FROM finance_entries WHERE source_id = :s"),
                           {"s": gone.source_id})  # fmt: skip
    result = reconcile(sandbox, store, store_url, "wb", "2026-10")
    assert not result["balanced"]
    kinds = {(d["type"], d["source_id"]) for d in result["differences"]}
    assert kinds == {("amount differs", changed.source_id), ("missing", gone.source_id)}


def test_cli_sync_stream_finance_and_reconcile_exit_codes(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from mpsync.cli import app

    config = tmp_path / "mpsync.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "store.db"}"

[display]
timezone = "Europe/Moscow"

[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t0ken-wb"
api_base_url = "{sandbox.url_for("wildberries")}"
poll = {{ history = "60d" }}
""", encoding="utf-8")  # fmt: skip

    def cli(*args: str) -> Any:
        return CliRunner().invoke(app, [*args, "--config", str(config)])

    assert cli("sync", "--stream", "orders").exit_code == 0
    synced = cli("sync", "--stream", "finance", "--json")
    assert synced.exit_code == 0, synced.output
    [run] = json.loads(synced.stdout)
    assert (run["stream"], run["outcome"]) == ("finance", "ok")
    balanced = cli("finance", "reconcile", "--period", "2026-10", "--account", "wb", "--json")
    assert balanced.exit_code == 0, balanced.output
    assert json.loads(balanced.stdout)["balanced"] is True
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM finance_entries WHERE id IN "
                                "(SELECT MIN(id) FROM finance_entries)"))  # fmt: skip
    engine.dispose()
    unbalanced = cli("finance", "reconcile", "--period", "2026-10", "--account", "wb")
    assert unbalanced.exit_code == 1
    assert "does NOT balance" in unbalanced.output and "amount differs" in unbalanced.output


def store_returns(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    """(marketplace, order) → returned units per SKU, refund (where the read gives one),
    kind, and the order's canonical status."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT r.account_id, r.order_external_id, r.kind, r.refund_amount, r.lines,"
            " r.reason, o.status FROM returns r LEFT JOIN orders o"
            " ON o.account_id = r.account_id AND o.external_id = r.order_external_id"
        )).all()  # fmt: skip
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for account, order, kind, refund, lines, reason, status in rows:
        entry = found.setdefault((ACCOUNTS[account], order), {
            "units": {}, "refund": Decimal(0), "kinds": set(), "status": status,
            "reasons": set()})  # fmt: skip
        entry["kinds"].add(kind)
        entry["reasons"].add(reason)
        entry["refund"] += Decimal(str(refund or 0))
        for line in json.loads(lines) if isinstance(lines, str) else lines:
            key = line["sku"] or line["marketplace_sku"]
            entry["units"][key] = entry["units"].get(key, 0) + line["quantity"]
    return found


def test_returns_reach_the_truth_and_move_their_orders_to_returned(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    results = sync(sandbox, store, store_url, "orders", "finance", "returns")
    assert all(r.outcome == "ok" for r in results), [r.error for r in results]
    stored = store_returns(store)
    catalog = {p.sku: p for p in sandbox.state.world.catalog}
    expected_orders = 0
    for mp, money in truth(sandbox.state).items():
        assert money["refunds"], mp  # some returns with reasons on every marketplace
        for order, refund in money["refunds"].items():
            expected_orders += 1
            got = stored[(mp, order)]
            units: dict[str, int] = {}
            for line in refund["lines"]:  # WB's report names the goods by nmId only
                key = str(catalog[line["sku"]].nm_id) if mp == "wildberries" else line["sku"]
                units[key] = units.get(key, 0) + line["quantity"]
            assert got["units"] == units, (mp, order)
            if mp != "wildberries":  # the goods-return report carries no money
                assert got["refund"] == Decimal(refund["refund"]), (mp, order)
            assert got["kinds"] == {refund["kind"]}, (mp, order)
            assert got["status"] == "returned", (mp, order)
            if mp != "yandex_market":  # YM's reasons are its reason types
                assert got["reasons"] == {refund["reason"]}
    assert len(stored) == expected_orders
    # The finance stream's returns per order match the refunds.
    with store.connect() as connection:
        entries = connection.execute(text(
            "SELECT account_id, order_external_id, SUM(amount) FROM finance_entries"
            " WHERE kind = 'return' GROUP BY account_id, order_external_id")).all()  # fmt: skip
    by_order = {(ACCOUNTS[a], o): Decimal(str(s)).quantize(Decimal("0.01")) for a, o, s in entries}
    assert by_order == {(mp, order): -Decimal(refund["refund"])
                        for mp, money in truth(sandbox.state).items()
                        for order, refund in money["refunds"].items()}  # fmt: skip
    again = sync(sandbox, store, store_url, "returns")
    assert all(r.counts.inserted == 0 and r.counts.updated == 0 for r in again)


def test_a_90_day_wildberries_resync_is_one_report_read(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    """``resync --stream finance`` reads WB's report for the whole window at once (the
    connector's ``resync_chunks``), not a request per day at one a minute."""
    from datetime import timedelta

    settings = make_settings(sandbox, store_url)
    account = next(a for a in settings.accounts if a.id == "wb")
    since = sandbox.state.world.now_dt - timedelta(days=90)
    key = ("wildberries GET /api/v5/supplier/reportDetailByPeriod", 200)
    before = sandbox.state.requests[key]

    async def run() -> RunResult:
        service = service_for(sandbox, store, settings)
        try:
            return await service.resync(account, "finance", since)
        finally:
            await service.runtime.aclose()

    result = asyncio.run(run())
    assert result.outcome == "ok" and result.counts.fetched > 0
    assert sandbox.state.requests[key] - before == 1
    assert store_money(store)["wildberries"] == truth_money(sandbox)["wildberries"]

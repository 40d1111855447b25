"""The sandbox's finance endpoints keep the documented limits.

* Ozon ``POST /v3/finance/transaction/list``: "Максимальный период, за который можно
  получить информацию в одном запросе — 1 месяц" (swagger.json);
* WB ``reportDetailByPeriod``: ``limit`` "maximum: 100000", ``dateFrom``/``dateTo``
  required (13-finances.yaml; the 400 body is ``response400rDBP``);
* YM ``getOrdersStats``: ``dateFrom``/``dateTo`` "нельзя использовать вместе с параметрами
  ``updateFrom`` и ``updateTo``" (GetOrdersStatsRequest.yaml);
* WB ``goods-return``: "максимум за 31 день" (12-reports.yaml).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from mpsync.sandbox import SandboxConfig, SandboxServer

START = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=5, backlog=40, orders_per_minute=0, rate_limit_scale=0,
                           start_time=START)  # fmt: skip
    with SandboxServer(config) as running:
        yield running


def test_ozon_refuses_a_window_over_a_month(server: SandboxServer) -> None:
    url = f"{server.url_for('ozon')}/v3/finance/transaction/list"
    headers = {"Client-Id": "1", "Api-Key": "k"}

    def ask(start: str, end: str) -> httpx.Response:
        body = {"filter": {"date": {"from": start, "to": end}, "transaction_type": "all"},
                "page": 1, "page_size": 1000}  # fmt: skip
        return httpx.post(url, json=body, headers=headers)

    assert ask("2026-10-31T00:00:00.000Z", "2026-11-30T00:00:00.000Z").status_code == 200
    refused = ask("2026-10-01T00:00:00.000Z", "2026-11-01T00:00:01.000Z")
    assert refused.status_code == 400 and "one month" in refused.json()["message"]


def test_wildberries_report_limit_and_dates(server: SandboxServer) -> None:
    url = f"{server.url_for('wildberries')}/api/v5/supplier/reportDetailByPeriod"
    headers = {"Authorization": "t"}
    big = httpx.get(url, params={"dateFrom": "2026-11-01", "dateTo": "2026-11-19",
                                 "limit": 100_001}, headers=headers)  # fmt: skip
    assert big.status_code == 400
    missing = httpx.get(url, params={"dateFrom": "2026-11-01"}, headers=headers)
    assert missing.status_code == 400
    ok = httpx.get(url, params={"dateFrom": "2026-10-01", "dateTo": "2026-11-19"},
                   headers=headers)  # fmt: skip
    assert ok.status_code == 200 and ok.json()[0]["rrd_id"] > 0
    rows = httpx.get(url, params={"dateFrom": "2026-10-01", "dateTo": "2026-11-19",
                                  "rrdid": 10**12}, headers=headers)  # fmt: skip
    assert rows.status_code == 204 and rows.content == b""
    returns = f"{server.url_for('wildberries')}/api/v1/analytics/goods-return"
    long = httpx.get(returns, params={"dateFrom": "2026-10-01", "dateTo": "2026-11-05"},
                     headers=headers)  # fmt: skip
    assert long.status_code == 400


def test_yandex_market_stats_refuse_mixed_date_filters(server: SandboxServer) -> None:
    url = f"{server.url_for('yandex_market')}/v2/campaigns/21000000/stats/orders"
    body = {"dateFrom": "2026-11-01", "updateFrom": "2026-11-01"}
    answer = httpx.post(url, json=body, headers={"Api-Key": "k"})
    assert answer.status_code == 400


def test_the_truth_gives_the_expected_totals_per_marketplace(server: SandboxServer) -> None:
    base = server.base_url
    truth = httpx.get(f"{base}/_sandbox/finance").json()
    assert set(truth) == {"wildberries", "ozon", "yandex_market"}
    for money in truth.values():
        fees = sum(Decimal(v) for v in money["fees"].values())
        assert Decimal(money["payout"]) == Decimal(money["revenue"]) + Decimal(
            money["returns"]) + fees  # fmt: skip
        assert money["currency"] == "RUB" and money["orders"] > 0
    one = httpx.get(f"{base}/_sandbox/finance", params={"marketplace": "ozon"}).json()
    assert set(one) == {"ozon"}
    assert httpx.get(f"{base}/_sandbox/finance", params={"marketplace": "x"}).status_code == 400

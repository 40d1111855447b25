"""Wildberries' realization report: a 90-day history in the fewest requests ``rrdid`` paging
allows, never more than one a minute (the clock injected; nothing sleeps for real).

Source: eslazarev/wildberries-sdk:specs/13-finances.yaml,
``#/paths/~1api~1v5~1supplier~1reportDetailByPeriod/get``: "1 запрос в минуту" per seller
account; ``rrdid`` starts at 0 and then takes the ``rrd_id`` of the last row received;
``limit`` ≤ 100,000; 204 when there is nothing (more).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
import respx
from mpsync_connectors.wildberries import WildberriesConnector

from mpsync.config.model import AccountConfig
from mpsync.connector.base import FetchWindow
from mpsync.sandbox import SandboxConfig, SandboxServer

BASE = "http://wb.test/base"
URL = f"{BASE}/api/v5/supplier/reportDetailByPeriod"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


class Clock:
    """Wall time that moves only when the connector sleeps."""

    def __init__(self) -> None:
        self.moment = NOW
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"rrd_id": 1000 + n, "doc_type_name": "", "supplier_oper_name": "Хранение",
             "rr_dt": "2026-10-01", "storage_fee": 1, "currency_name": "руб"}
            for n in range(count)]  # fmt: skip


def _serve(rows: list[dict[str, Any]], clock: Clock, seen: list[tuple[datetime, dict[str, str]]]
           ) -> Any:  # fmt: skip
    def answer(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append((clock.now(), params))
        after, limit = int(params["rrdid"]), int(params["limit"])
        page = [row for row in rows if row["rrd_id"] > after][:limit]
        return httpx.Response(200, json=page) if page else httpx.Response(204)

    return answer


@pytest.mark.parametrize(("rows", "requests"), [(2_500, 3), (2_000, 3), (999, 1), (0, 1)])
async def test_a_90_day_history_takes_the_fewest_requests_a_minute_apart(
    rows: int, requests: int
) -> None:
    clock, seen = Clock(), []
    account = AccountConfig.model_validate({"id": "wb", "marketplace": "wildberries",
                                            "token": "t", "api_base_url": BASE})  # fmt: skip
    connector = WildberriesConnector(account, sleep=clock.sleep, now=clock.now)  # type: ignore[call-arg]
    connector.report_limit = 1_000  # a page of 1,000 rows stands for WB's 100,000
    window = FetchWindow(since=NOW - timedelta(days=90), until=NOW, backfill=True)
    with respx.mock:
        respx.get(URL).mock(side_effect=_serve(_rows(rows), clock, seen))
        pages = [page async for page in connector.fetch("finance", window)]
    await connector.aclose()
    # ⌈(rows + 1) / limit⌉: full pages, then the short (or 204) one that ends the report.
    assert len(seen) == requests == -(-(rows + 1) // 1_000)
    assert sum(len(page.records) for page in pages) == rows
    assert [params["rrdid"] for _, params in seen] == ["0", *(str(999 + 1000 * n)
                                                            for n in range(1, requests))]  # fmt: skip
    # One report for the whole window: the same 90 days in every request.
    assert {(p["dateFrom"], p["dateTo"]) for _, p in seen} == {("2026-09-01", "2026-11-30")}
    gaps = [later - earlier for (earlier, _), (later, _) in pairwise(seen)]
    assert all(gap >= timedelta(minutes=1) for gap in gaps), gaps


async def test_the_sandbox_refuses_a_second_report_request_within_the_minute() -> None:
    config = SandboxConfig(seed=3, backlog=20, orders_per_minute=0, rate_limit_scale=1,
                           start_time=NOW)  # fmt: skip
    with SandboxServer(config) as server:
        base = server.url_for("wildberries")
        params = {"dateFrom": "2026-11-01", "dateTo": "2026-11-30", "rrdid": 0}
        async with httpx.AsyncClient(headers={"Authorization": "t"}) as client:
            first = await client.get(f"{base}/api/v5/supplier/reportDetailByPeriod",
                                     params=params)  # fmt: skip
            second = await client.get(f"{base}/api/v5/supplier/reportDetailByPeriod",
                                      params=params)  # fmt: skip
            too_big = await client.get(f"{base}/api/v5/supplier/reportDetailByPeriod",
                                       params={**params, "limit": 100_001})  # fmt: skip
    assert first.status_code in (200, 204)
    assert second.status_code == 429
    assert int(second.headers["X-Ratelimit-Retry"]) >= 59
    assert too_big.status_code == 429  # still inside the minute: the limit answers first

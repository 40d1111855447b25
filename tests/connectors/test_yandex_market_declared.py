"""Issue 15: every Yandex Market read is a declaration run by the one engine, and the
resume tokens the hand-written reads saved still continue where they stopped.

Token shapes are those the reads wrote before (``Resume`` of ``mpsync.connector.paging``:
a phase per store for stock/finance/returns, ``orders`` with ``slice index|pageToken``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from connector_helpers import account
from mpsync_connectors.yandex_market import YandexMarketConnector
from mpsync_connectors.yandex_market.dates import creation_slices
from mpsync_connectors.yandex_market.streams import STREAMS

from mpsync.connector.base import FetchWindow
from mpsync.connector.errors import PaginationLoopError
from mpsync.connector.paging import Resume

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
STORES = [21000000, 21000001]


def _connector(sent: list[dict[str, Any]]) -> YandexMarketConnector:
    connector = YandexMarketConnector(account("yandex_market", campaign_ids=STORES))

    async def call(method: str, host: str, path: str, *, group: str, json_body: Any = None,
                   params: Any = None) -> Any:  # fmt: skip
        sent.append({"path": path, "params": dict(params or {}), "body": json_body})
        return {"orders": [], "result": {"orders": [], "returns": [], "warehouses": []}}

    connector.call = call  # type: ignore[method-assign]
    return connector


def test_every_stream_the_connector_reads_is_declared() -> None:
    connector = YandexMarketConnector(account("yandex_market"))
    assert set(connector.stream_fetchers()) == set(STREAMS) == set(connector.capabilities.streams)
    for name, fetch in connector.stream_fetchers().items():
        assert fetch.func == connector._read_declared and fetch.args == (name,)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("stream", "token", "path", "page_token"), [
    ("finance", Resume("21000001", cursor="f2").encode(), "/v2/campaigns/21000001/stats/orders",
     "f2"),
    ("returns", Resume("21000001", cursor="r2").encode(), "/v2/campaigns/21000001/returns", "r2"),
    ("stock", Resume("campaign:21000001", cursor="s2").encode(),
     "/v2/campaigns/21000001/offers/stocks", "s2"),
])  # fmt: skip
async def test_a_saved_store_phase_resumes_at_that_store(
    stream: str, token: str, path: str, page_token: str
) -> None:
    sent: list[dict[str, Any]] = []
    window = FetchWindow(NOW - timedelta(hours=1), NOW, resume=token)
    pages = [page async for page in _connector(sent).fetch(stream, window)]
    assert [s["path"] for s in sent] == [path]
    assert page_token in sent[0]["params"].values()
    assert pages[-1].resume is None


@pytest.mark.parametrize("cursor", ["1|o2", "o2"], ids=["slice-1", "bare-token-is-slice-0"])
async def test_a_saved_orders_token_resumes_in_its_creation_slice(cursor: str) -> None:
    sent: list[dict[str, Any]] = []
    low = NOW - timedelta(hours=1)
    window = FetchWindow(low, NOW, resume=Resume("orders", low, cursor).encode())
    [page async for page in _connector(sent).fetch("orders", window)]
    slices = creation_slices(low, NOW, timedelta(days=120))
    index = int(cursor.split("|")[0]) if "|" in cursor else 0
    first = sent[0]
    assert first["params"]["pageToken"] == "o2"
    assert first["body"]["dates"]["creationDateFrom"] == slices[index][0].isoformat()
    assert first["body"]["campaignIds"] == STORES
    assert len(sent) == len(slices) - index  # the slices before it are not read again


@pytest.mark.parametrize("stream", sorted(STREAMS))
async def test_a_repeated_page_token_ends_every_stream_within_two_requests(stream: str) -> None:
    """Every read runs through the paginator family's loop guard: an API answering each
    page with the same ``nextPageToken`` ends the read with ``PaginationLoopError``."""
    sent: list[dict[str, Any]] = []
    connector = YandexMarketConnector(account("yandex_market"))
    record = {"id": 1}
    paging = {"nextPageToken": "same"}
    keys = ("orders", "returns", "offers", "offerMappings", "questions", "feedbacks")
    result = {key: [record] for key in keys} | {"paging": paging}
    result["warehouses"] = [{"warehouseId": 1, "offers": [record]}]

    async def call(method: str, host: str, path: str, *, group: str, json_body: Any = None,
                   params: Any = None) -> Any:  # fmt: skip
        sent.append({"path": path})
        return {"orders": [record], "paging": paging, "result": result}

    connector.call = call  # type: ignore[method-assign]
    with pytest.raises(PaginationLoopError) as caught:
        [page async for page in connector.fetch(stream, FetchWindow(NOW - timedelta(hours=1), NOW))]
    assert len(sent) == 2
    assert caught.value.stream == stream and caught.value.token == "same"

"""Issue 15, Wildberries: every read is a declaration run by the one engine; what stays code
says why; a resume token written before the reads were declared resumes where it stopped.

Sources: ``eslazarev/wildberries-sdk:specs/03-orders-fbs.yaml`` (``POST /api/v3/orders/status``
takes 1..1000 ids; ``GET /api/v3/orders`` pages by ``next``) and ``13-finances.yaml``
(``rrdid``: the ``rrd_id`` of the last row received).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.wildberries.streams import STREAMS

from mpsync.connector.base import FetchWindow
from mpsync.connector.paging import Resume


def _wb(sleep: RecordingSleep) -> WildberriesConnector:
    return WildberriesConnector(account("wildberries"), sleep=sleep, now=lambda: NOW,
                                clock=lambda: 0.0)  # fmt: skip


def _statuses(supplier: str) -> Callable[[httpx.Request], httpx.Response]:
    """``POST /api/v3/orders/status``: each asked id with *supplier* status."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["orders"]
        rows = [{"id": i, "supplierStatus": supplier, "wbStatus": "sold"} for i in ids]
        return httpx.Response(200, json={"orders": rows})

    return answer


def test_every_read_is_declared_and_only_the_stock_fan_out_is_bespoke() -> None:
    wb = WildberriesConnector
    streams = wb.capabilities.streams
    assert streams <= set(STREAMS)  # a declaration for every stream the connector reads
    coded = {name for name in streams if callable(getattr(wb, f"_{name}", None))}
    assert coded == {"orders", "prices", "stock", "finance"}
    # orders chains declared reads, prices adds the binding pages, finance maps old tokens:
    # none of them requests anything itself; the stock fan-out does, and says why.
    assert (wb._stock.__doc__ or "").startswith("Bespoke:")
    for name in coded - {"stock"}:
        assert not (getattr(wb, f"_{name}").__doc__ or "").startswith("Bespoke:")


@respx.mock
async def test_a_status_refresh_token_of_the_hand_written_read_resumes_its_batch(
    sleep: RecordingSleep,
) -> None:
    """``Resume("status", cursor="1")`` (the second batch of open ids): the refresh goes on
    with that batch, then the history; ``/orders/new`` is not read again."""
    new = respx.get(f"{BASE}/api/v3/orders/new").respond(json={"orders": []})
    status = respx.post(f"{BASE}/api/v3/orders/status").mock(side_effect=_statuses("confirm"))
    history = respx.get(f"{BASE}/api/v3/orders").respond(json={"orders": [], "next": 0})
    wb = _wb(sleep)
    wb.status_batch = 2  # type: ignore[misc]
    window = FetchWindow(NOW - timedelta(days=1), NOW, open_ids=["1", "2", "3", "4", "5"],
                         resume=Resume("status", cursor="1").encode())  # fmt: skip
    pages = [page async for page in wb.fetch("orders", window)]
    await wb.aclose()
    assert not new.called
    assert [json.loads(c.request.content) for c in status.calls] == [{"orders": [3, 4]},
                                                                     {"orders": [5]}]  # fmt: skip
    assert [page.record_type for page in pages] == ["order_status", "order_status", "order"]
    assert Resume.decode(pages[1].resume) == Resume("history")
    assert history.call_count == 1 and history.calls[0].request.url.params["next"] == "0"


@respx.mock
async def test_history_pages_carry_their_statuses_and_next_zero_ends_the_listing(
    sleep: RecordingSleep,
) -> None:
    """The history list carries no status: each page's tasks are asked for by its ids."""
    respx.get(f"{BASE}/api/v3/orders").mock(side_effect=[
        httpx.Response(200, json={"orders": [{"id": 7, "orderUid": "u"}], "next": 77}),
        httpx.Response(200, json={"orders": [{"id": 8, "orderUid": "v"}], "next": 0}),
    ])  # fmt: skip
    status = respx.post(f"{BASE}/api/v3/orders/status").mock(side_effect=_statuses("complete"))
    wb = _wb(sleep)
    window = FetchWindow(NOW - timedelta(days=1), NOW, backfill=True)
    pages = [page async for page in wb.fetch("orders", window)]
    await wb.aclose()
    assert [r for page in pages for r in page.records] == [
        {"id": 7, "orderUid": "u", "supplierStatus": "complete", "wbStatus": "sold"},
        {"id": 8, "orderUid": "v", "supplierStatus": "complete", "wbStatus": "sold"},
    ]
    assert [json.loads(c.request.content) for c in status.calls] == [{"orders": [7]},
                                                                     {"orders": [8]}]  # fmt: skip
    assert pages[-1].resume is None
    assert Resume.decode(pages[0].resume).cursor == "77"  # type: ignore[union-attr]


@respx.mock
async def test_a_bare_rrd_id_token_of_the_hand_written_report_read_resumes_after_that_row(
    sleep: RecordingSleep,
) -> None:
    route = respx.get(f"{BASE}/api/v5/supplier/reportDetailByPeriod").mock(
        side_effect=[httpx.Response(200, json=[{"rrd_id": 501}]), httpx.Response(204)]
    )
    wb = _wb(sleep)
    pages = [page async for page in wb.fetch("finance", FetchWindow(None, NOW, resume="500"))]
    await wb.aclose()
    assert route.calls[0].request.url.params["rrdid"] == "500"
    assert [row["rrd_id"] for page in pages for row in page.records] == [501]

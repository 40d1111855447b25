"""Order payloads match the reference dict renderers byte for byte on every endpoint.

The sandbox writes order JSON text directly (see `jsontext`); this pins that text to
`reference_payloads`, over orders in every state, a supply, and changed prices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from reference_payloads import dumps, ozon_posting, wb_order, ym_order
from sandbox_helpers import OZON, WB, YM

from mpsync.sandbox import SandboxState
from mpsync.sandbox.sim import PriceRow

OZON_WINDOW = {"since": "2025-05-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}


@pytest.fixture
async def lived(client: httpx.AsyncClient, state: SandboxState) -> SandboxState:
    """The fixture sandbox after price changes, ten hours of orders and a WB supply."""
    for marketplace in state.world.tables:
        for product in (0, 3, 5):
            state.world.set_price(
                marketplace, product, PriceRow(123_45 + product, 150_00, 99_00, 5)
            )
    state.advance(600)
    new = (await client.get("/wildberries/api/v3/orders/new", headers=WB)).json()["orders"]
    supply = await client.post("/wildberries/api/v3/supplies", json={"name": "s"}, headers=WB)
    path = f"/wildberries/api/marketplace/v3/supplies/{supply.json()['id']}/orders"
    r = await client.patch(path, json={"orders": [new[0]["id"]]}, headers=WB)
    assert r.status_code == 204
    return state


def _states(state: SandboxState, marketplace: str) -> set[int]:
    return set(state.world.tables[marketplace].state)


async def test_wildberries_pages_and_new_orders(
    client: httpx.AsyncClient, lived: SandboxState
) -> None:
    assert len(_states(lived, "wildberries")) >= 5
    cursor, seen = 0, 0
    while True:
        r = await client.get(
            "/wildberries/api/v3/orders", params={"limit": 97, "next": cursor}, headers=WB
        )
        page = r.json()
        rows = [order["id"] - 13_000_000 for order in page["orders"]]
        assert r.text == dumps(
            {"next": page["next"], "orders": [wb_order(lived, row, False) for row in rows]}
        )
        if not rows:
            break
        seen, cursor = seen + len(rows), page["next"]
    assert seen == len(lived.world.tables["wildberries"])
    r = await client.get("/wildberries/api/v3/orders/new", headers=WB)
    rows = sorted(lived.world.tables["wildberries"].open_new)
    assert rows and r.text == dumps({"orders": [wb_order(lived, row, True) for row in rows]})


async def _ozon_pages(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[str]:
    texts, cursor = [], ""
    while True:
        r = await client.post(path, json={**body, "cursor": cursor}, headers=OZON)
        texts.append(r.text)
        if not r.json()["has_next"]:
            return texts
        cursor = r.json()["cursor"]


def _ozon_rows(state: SandboxState, postings: list[dict[str, Any]]) -> list[int]:
    numbers = {
        state.external_id("ozon", row): row for row in range(len(state.world.tables["ozon"]))
    }
    return [numbers[p["posting_number"]] for p in postings]


async def test_ozon_list_unfulfilled_and_get(
    client: httpx.AsyncClient, lived: SandboxState
) -> None:
    assert len(_states(lived, "ozon")) >= 5
    flow = lived.world.flows["ozon"]
    # the pages below include postings on the not_accepted detour (a kept status)
    assert "not_accepted" in {flow.states[i].status for i in _states(lived, "ozon")}
    texts = await _ozon_pages(
        client, "/ozon/v4/posting/fbs/list", {"filter": OZON_WINDOW, "limit": 100}
    )
    seen = 0
    for text in texts:
        page = httpx.Response(200, text=text).json()
        postings = [ozon_posting(lived, row) for row in _ozon_rows(lived, page["postings"])]
        assert text == dumps(
            {"cursor": page["cursor"], "has_next": page["has_next"], "postings": postings}
        )
        seen += len(postings)
    assert seen == len(lived.world.tables["ozon"])
    cutoff = {"cutoff_from": "2025-06-01T00:00:00Z", "cutoff_to": "2025-06-03T00:00:00Z"}
    for text in await _ozon_pages(
        client, "/ozon/v4/posting/fbs/unfulfilled/list", {"filter": cutoff, "limit": 7}
    ):
        page = httpx.Response(200, text=text).json()
        postings = [ozon_posting(lived, row) for row in _ozon_rows(lived, page["postings"])]
        expected = {
            "count": page["count"],
            "cursor": page["cursor"],
            "has_next": page["has_next"],
            "postings": postings,
        }
        assert postings and text == dumps(expected)
    number = lived.external_id("ozon", 5)
    r = await client.post("/ozon/v3/posting/fbs/get", json={"posting_number": number}, headers=OZON)
    assert r.text == dumps({"result": ozon_posting(lived, 5, version=3)})


async def test_yandex_market_pages(client: httpx.AsyncClient, lived: SandboxState) -> None:
    assert len(_states(lived, "yandex_market")) >= 5
    params: dict[str, Any] = {"limit": 50}
    seen, orders = 0, []
    while True:
        r = await client.post(
            "/yandex_market/v1/businesses/1/orders", params=params, json={}, headers=YM
        )
        page = r.json()
        rows = [order["orderId"] - 51_000_000_000 for order in page["orders"]]
        assert r.text == dumps(
            {"orders": [ym_order(lived, row) for row in rows], "paging": page["paging"]}
        )
        seen += len(rows)
        orders += page["orders"]
        if "nextPageToken" not in page["paging"]:
            break
        params = {"limit": 50, "pageToken": page["paging"]["nextPageToken"]}
    assert seen == len(lived.world.tables["yandex_market"])
    # ItemPriceDTO: line money for all units; payment + cashback is what the goods cost.
    truth = {o["external_id"]: o for o in lived.truth("yandex_market")["orders"]}
    lines = [line for order in orders for line in order["items"]]
    assert any("cashback" in line["prices"] for line in lines)
    assert any(line["prices"]["subsidy"]["value"] for line in lines)
    assert any(line["count"] > 1 for line in lines)
    for order in orders:
        cost = sum(
            Decimal(str(line["prices"]["payment"]["value"]))
            + Decimal(str(line["prices"].get("cashback", {"value": 0})["value"]))
            for line in order["items"]
        )
        assert cost == Decimal(truth[str(order["orderId"])]["total"])

"""Yandex Market endpoints of the sandbox: business orders, status, offers, 420 limits."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sandbox_helpers import YM

from mpsync.sandbox import SandboxState

BASE = "/yandex_market"


async def _orders(
    client: httpx.AsyncClient, body: dict[str, Any], limit: int = 50
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        r = await client.post(
            f"{BASE}/v1/businesses/1000001/orders", params=params, json=body, headers=YM
        )
        assert r.status_code == 200, r.text
        found += r.json()["orders"]
        token = r.json()["paging"].get("nextPageToken")
        if not token:
            return found
        params = {"limit": limit, "pageToken": token}


async def test_orders_page_to_the_end_with_real_shapes(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    orders = await _orders(client, {}, 17)
    ids = [o["orderId"] for o in orders]
    assert len(ids) == len(set(ids)) == 300
    truth = {o["external_id"]: o for o in state.truth("yandex_market")["orders"]}
    order = orders[-1]
    item = order["items"][0]
    assert (
        set(item["prices"]["payment"]) == {"value", "currencyId"}
        and item["prices"]["payment"]["currencyId"] == "RUR"
    )
    assert order["creationDate"].endswith("+03:00") and isinstance(order["campaignId"], int)
    expected = truth[str(order["orderId"])]
    assert (order["status"], order["substatus"]) == (
        expected["marketplace_status"],
        expected["marketplace_substatus"],
    )
    assert str(order["prices"]["payment"]["value"]) == expected["total"].removesuffix(".00")


async def test_update_date_filter_and_status_filter(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    dates = {
        "updateDateFrom": "2025-05-31T12:00:00+00:00",
        "updateDateTo": "2025-06-01T12:00:00+00:00",
    }
    recent = await _orders(client, {"dates": dates})
    table = state.world.tables["yandex_market"]
    expected = [r for r in range(len(table)) if 1748692800 <= table.updated[r] <= 1748779200]
    assert len(recent) == len(expected) > 0
    delivered = await _orders(client, {"statuses": ["DELIVERED"]})
    assert delivered and {o["status"] for o in delivered} == {"DELIVERED"}
    r = await client.post(
        f"{BASE}/v1/businesses/1000001/orders",
        json={"dates": {"creationDateFrom": "2025-01-01", "creationDateTo": "2025-06-01"}},
        headers=YM,
    )
    assert r.status_code == 400 and r.json()["status"] == "ERROR"


async def test_status_update_rules(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(5)
    new = await _orders(client, {"statuses": ["PROCESSING"], "substatuses": ["STARTED"]})
    assert len(new) >= 2
    url = f"{BASE}/v2/campaigns/21000000/orders/{new[0]['orderId']}/status"
    ready = {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
    r = await client.put(url, json=ready, headers=YM)
    assert r.status_code == 200 and r.json()["order"]["substatus"] == "READY_TO_SHIP"
    assert (await client.put(url, json=ready, headers=YM)).status_code == 400
    delivered = {"order": {"status": "DELIVERED", "substatus": "DELIVERY_SERVICE_DELIVERED"}}
    assert (await client.put(url, json=delivered, headers=YM)).status_code == 400
    cancel_url = f"{BASE}/v2/campaigns/21000000/orders/{new[1]['orderId']}/status"
    r = await client.put(
        cancel_url, json={"order": {"status": "CANCELLED", "substatus": "SHOP_FAILED"}}, headers=YM
    )
    assert r.status_code == 200
    truth = {o["external_id"]: o for o in state.truth("yandex_market")["orders"]}
    assert truth[str(new[0]["orderId"])]["status"] == "ready_to_ship"
    assert truth[str(new[1]["orderId"])]["status"] == "cancelled"


async def test_stocks_and_prices(client: httpx.AsyncClient, state: SandboxState) -> None:
    sku = state.world.catalog[2].sku
    body = {
        "skus": [{"sku": sku, "items": [{"count": 15, "updatedAt": "2025-06-01T12:00:00+03:00"}]}]
    }
    assert (
        await client.put(f"{BASE}/v2/campaigns/21000000/offers/stocks", json=body, headers=YM)
    ).json() == {"status": "OK"}
    read = await client.post(
        f"{BASE}/v2/campaigns/21000000/offers/stocks", json={"offerIds": [sku]}, headers=YM
    )
    offer = read.json()["result"]["warehouses"][0]["offers"][0]
    assert offer["offerId"] == sku and {"type": "FIT", "count": 15} in offer["stocks"]
    prices = {
        "offers": [
            {"offerId": sku, "price": {"value": 590.5, "currencyId": "RUR", "discountBase": 790}}
        ]
    }
    assert (
        await client.post(
            f"{BASE}/v2/businesses/1000001/offer-prices/updates", json=prices, headers=YM
        )
    ).status_code == 200
    read = await client.post(
        f"{BASE}/v2/businesses/1000001/offer-prices", json={"offerIds": [sku]}, headers=YM
    )
    assert read.json()["result"]["offers"][0]["price"] == {
        "value": 590.5,
        "currencyId": "RUR",
        "discountBase": 790,
    }
    truth = {p["sku"]: p for p in state.truth("yandex_market")["prices"]}
    assert truth[sku]["price"] == "590.50"
    bad = await client.put(
        f"{BASE}/v2/campaigns/21000000/offers/stocks",
        json={"skus": [{"sku": "nope", "items": [{"count": 1}]}]},
        headers=YM,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "OFFER_NOT_FOUND"


async def test_auth_and_parallel_limit_420(client: httpx.AsyncClient, state: SandboxState) -> None:
    r = await client.post(f"{BASE}/v1/businesses/1000001/orders", json={})
    assert r.status_code == 401 and r.json()["status"] == "ERROR"
    r = await client.post(
        f"{BASE}/v1/businesses/1000001/orders", json={}, headers={"Api-Key": "invalid"}
    )
    assert r.status_code == 401
    state.limiter.scale = 1.0
    gate, arrived, waiting = asyncio.Event(), asyncio.Event(), [0]

    async def held(seconds: float) -> None:
        waiting[0] += 1
        if waiting[0] == 4:
            arrived.set()
        await gate.wait()

    state.sleep = held
    state.set_faults({"slow_rate": 1.0})
    url = f"{BASE}/v1/businesses/1000001/orders"
    tasks = [
        asyncio.create_task(client.post(url, json={}, params={"limit": 1}, headers=YM))
        for _ in range(4)
    ]
    await arrived.wait()
    state.set_faults({"slow_rate": 0.0})
    fifth = await client.post(url, json={}, params={"limit": 1}, headers=YM)
    assert (
        fifth.status_code == 420 and "4 parallel requests" in fifth.json()["errors"][0]["message"]
    )
    gate.set()
    assert [r.status_code for r in await asyncio.gather(*tasks)] == [200] * 4
    ok = await client.post(url, json={}, params={"limit": 1}, headers=YM)
    assert ok.status_code == 200 and "X-RateLimit-Resource-Remaining" in ok.headers

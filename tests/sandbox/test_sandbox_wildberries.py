"""Wildberries endpoints of the sandbox: shapes, paging, write-backs, auth, limits."""

from __future__ import annotations

import httpx
from sandbox_helpers import WB, FakeClock

from mpsync.sandbox import SandboxState

BASE = "/wildberries"


async def _all_orders(client: httpx.AsyncClient, limit: int) -> list[dict[str, object]]:
    found, cursor = [], 0
    while True:
        r = await client.get(
            f"{BASE}/api/v3/orders", params={"limit": limit, "next": cursor}, headers=WB
        )
        assert r.status_code == 200
        body = r.json()
        if not body["orders"]:
            return found
        found += body["orders"]
        cursor = body["next"]


async def test_orders_paging_has_no_gaps_or_repeats(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    orders = await _all_orders(client, 7)
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == len(state.world.tables["wildberries"]) == 300
    assert ids == sorted(ids)
    first = orders[0]
    assert isinstance(first["price"], int) and first["currencyCode"] == 643
    assert isinstance(first["orderUid"], str) and isinstance(first["rid"], str)
    assert first["createdAt"].endswith("Z") and isinstance(first["chrtId"], int)
    assert "supplyId" in first and "finalPrice" not in first


async def test_new_orders_then_supply_flow(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(5)
    r = await client.get(f"{BASE}/api/v3/orders/new", headers=WB)
    new = r.json()["orders"]
    assert new and all(isinstance(o["finalPrice"], int) for o in new)
    task = new[0]["id"]
    supply = (
        await client.post(f"{BASE}/api/v3/supplies", json={"name": "sbx"}, headers=WB)
    ).json()["id"]
    assert supply.startswith("WB-GI-")
    r = await client.patch(
        f"{BASE}/api/marketplace/v3/supplies/{supply}/orders", json={"orders": [task]}, headers=WB
    )
    assert r.status_code == 204
    status = await client.post(f"{BASE}/api/v3/orders/status", json={"orders": [task]}, headers=WB)
    assert status.json()["orders"] == [
        {"id": task, "supplierStatus": "confirm", "wbStatus": "waiting"}
    ]
    assert (
        await client.patch(f"{BASE}/api/v3/supplies/{supply}/deliver", headers=WB)
    ).status_code == 204
    truth = {o["external_id"]: o for o in state.truth("wildberries")["orders"]}
    assert truth[str(task)]["status"] == "shipped"
    again = await client.patch(
        f"{BASE}/api/marketplace/v3/supplies/{supply}/orders", json={"orders": [task]}, headers=WB
    )
    assert again.status_code == 409 and again.json()["status"] == 409


async def test_cancel_and_cancel_twice(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(5)
    task = sorted(state.world.tables["wildberries"].open_new)[0] + 13_000_000
    assert (
        await client.patch(f"{BASE}/api/v3/orders/{task}/cancel", headers=WB)
    ).status_code == 204
    r = await client.patch(f"{BASE}/api/v3/orders/{task}/cancel", headers=WB)
    assert r.status_code == 409
    truth = {o["external_id"]: o for o in state.truth("wildberries")["orders"]}
    assert truth[str(task)]["status"] == "cancelled"
    assert truth[str(task)]["marketplace_status"] == "cancel"


async def test_stocks_and_prices_round_trip(client: httpx.AsyncClient, state: SandboxState) -> None:
    wh = (await client.get(f"{BASE}/api/v3/warehouses", headers=WB)).json()[0]["id"]
    product = state.world.catalog[0]
    body = {"stocks": [{"chrtId": product.chrt_id, "amount": 77}]}
    assert (
        await client.put(f"{BASE}/api/v3/stocks/{wh}", json=body, headers=WB)
    ).status_code == 204
    r = await client.post(
        f"{BASE}/api/v3/stocks/{wh}", json={"chrtIds": [product.chrt_id]}, headers=WB
    )
    assert r.json() == {"stocks": [{"chrtId": product.chrt_id, "amount": 77}]}
    upload = {"data": [{"nmID": product.nm_id, "price": 1000, "discount": 25}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=upload, headers=WB)
    assert r.json()["error"] is False and isinstance(r.json()["data"]["id"], int)
    goods = await client.get(
        f"{BASE}/api/v2/list/goods/filter",
        params={"limit": 5, "filterNmID": product.nm_id},
        headers=WB,
    )
    good = goods.json()["data"]["listGoods"][0]
    assert good["sizes"][0]["price"] == 1000 and good["sizes"][0]["discountedPrice"] == 750
    prices = {p["sku"]: p for p in state.truth("wildberries")["prices"]}
    assert prices[product.sku]["price"] == "750.00"
    assert {"sku": product.sku, "amount": 77}.items() <= next(
        s for s in state.truth("wildberries")["stock"] if s["sku"] == product.sku
    ).items()


async def test_auth_errors_and_unknown_path(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{BASE}/api/v3/orders/new")
    assert r.status_code == 401 and r.json()["title"] == "unauthorized"
    r = await client.get(f"{BASE}/api/v3/orders/new", headers={"Authorization": "invalid"})
    assert r.status_code == 401 and "token" in r.json()["detail"]
    r = await client.get(f"{BASE}/api/v3/nothing", headers=WB)
    assert r.status_code == 404
    r = await client.post(f"{BASE}/api/v3/orders/status", content=b"{nope", headers=WB)
    assert r.status_code == 400 and r.json()["status"] == 400
    r = await client.get(f"{BASE}/api/v3/orders", params={"limit": 5000, "next": 0}, headers=WB)
    assert r.status_code == 400


async def test_rate_limit_429_with_headers(
    client: httpx.AsyncClient, state: SandboxState, clock: FakeClock
) -> None:
    state.limiter.scale = 1.0
    codes = [
        (await client.get(f"{BASE}/api/v3/warehouses", headers=WB)).status_code for _ in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429
    r = await client.get(f"{BASE}/api/v3/warehouses", headers=WB)
    assert r.status_code == 429
    assert r.headers["X-Ratelimit-Retry"] == "1" and r.headers["X-Ratelimit-Limit"] == "20"
    assert int(r.headers["X-Ratelimit-Reset"]) >= 1
    other = await client.get(
        f"{BASE}/api/v3/warehouses", headers={"Authorization": "another-seller"}
    )
    assert other.status_code == 200
    clock.now += 0.2
    assert (await client.get(f"{BASE}/api/v3/warehouses", headers=WB)).status_code == 200

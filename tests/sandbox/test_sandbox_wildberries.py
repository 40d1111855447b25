"""Wildberries endpoints of the sandbox: shapes, paging, write-backs, auth, limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
    assert "finalPrice" not in first
    # supplyId "Возвращается, если заказ закреплён за поставкой" (03-orders-fbs.yaml Order)
    by_status = {(o["id"], "supplyId" in o) for o in orders}
    new = {
        13_000_000 + r
        for r in range(300)
        if state.world.flows["wildberries"]
        .states[state.world.tables["wildberries"].state[r]]
        .status
        == "new"
    }
    assert {task for task, has in by_status if not has} == new


async def test_new_orders_then_supply_flow(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(5)
    r = await client.get(f"{BASE}/api/v3/orders/new", headers=WB)
    new = r.json()["orders"]
    assert new and all(isinstance(o["finalPrice"], int) for o in new)
    # ddate/sellerDate are for СГТ (cargoType 2) only; the sandbox's goods are all МГТ
    assert all(o["cargoType"] == 1 and "ddate" not in o for o in new)
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
    # the marketplace host's errors are {code, message} (components/schemas/Error)
    assert again.status_code == 409 and again.json()["code"] == "FailedToAddSupplyOrder"


async def test_cancel_and_cancel_twice(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(5)
    task = sorted(state.world.tables["wildberries"].open_new)[0] + 13_000_000
    assert (
        await client.patch(f"{BASE}/api/v3/orders/{task}/cancel", headers=WB)
    ).status_code == 204
    r = await client.patch(f"{BASE}/api/v3/orders/{task}/cancel", headers=WB)
    assert r.status_code == 409 and r.json()["code"] == "StatusMismatch"
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
    # the deprecated barcode "sku" is still listed in the answer (02-products.yaml)
    assert r.json() == {
        "stocks": [{"chrtId": product.chrt_id, "sku": product.barcode, "amount": 77}]
    }
    upload = {"data": [{"nmID": product.nm_id, "price": 4000, "discount": 25}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=upload, headers=WB)
    assert r.json()["error"] is False and isinstance(r.json()["data"]["id"], int)
    good = await _good(client, product.nm_id)
    # price is before the seller's discount; buyers pay price × (100 − discount) / 100
    assert good["sizes"][0]["price"] == 4000 and good["sizes"][0]["discountedPrice"] == 3000
    assert good["discount"] == 25
    prices = {p["sku"]: p for p in state.truth("wildberries")["prices"]}
    assert (prices[product.sku]["price"], prices[product.sku]["old_price"]) == (
        "3000.00",
        "4000.00",
    )
    assert {"sku": product.sku, "amount": 77}.items() <= next(
        s for s in state.truth("wildberries")["stock"] if s["sku"] == product.sku
    ).items()


async def _good(client: httpx.AsyncClient, nm_id: int) -> dict[str, Any]:
    goods = await client.get(
        f"{BASE}/api/v2/list/goods/filter", params={"limit": 5, "filterNmID": nm_id}, headers=WB
    )
    good: dict[str, Any] = goods.json()["data"]["listGoods"][0]
    return good


async def test_the_goods_list_price_follows_from_price_and_discount(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """discountedPrice = price × (100 − discount) / 100 for every card, from the start
    (02-products.yaml: price 500, discount 30, discountedPrice 350)."""
    r = await client.get(f"{BASE}/api/v2/list/goods/filter", params={"limit": 1000}, headers=WB)
    goods = r.json()["data"]["listGoods"]
    assert len(goods) == len(state.world.catalog)
    for good in goods:
        (size,) = good["sizes"]
        assert isinstance(size["price"], int)
        assert (
            Decimal(str(size["discountedPrice"]))
            == Decimal(size["price"]) * (100 - good["discount"]) / 100
        )
        assert good["vendorCode"] != str(good["nmID"]) != str(size["sizeID"])


async def test_stocks_put_answers_204_and_ignores_what_it_cannot_use(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """ "Названия параметров запроса не валидируются… успешный ответ (204), но остатки не
    обновятся" (02-products.yaml PUT /api/v3/stocks/{warehouseId}): a wrong chrtId or a
    wrong parameter name is a 204 that changes nothing; over 100 000 is a 409."""
    wh = state.world.warehouses.wb_id
    before = list(state.world.stock["wildberries"])
    product = state.world.catalog[1]
    for body in (
        {"stocks": [{"chrtId": 1, "amount": 5}]},  # no such size
        {"stocks": [{"chrtID": product.chrt_id, "amount": 5}]},  # misspelt name
        {"stocks": [{"sku": product.barcode, "amount": 5}]},  # the deprecated barcode
    ):
        r = await client.put(f"{BASE}/api/v3/stocks/{wh}", json=body, headers=WB)
        assert r.status_code == 204 and r.content == b""
    assert state.world.stock["wildberries"] == before
    too_many = {"stocks": [{"chrtId": product.chrt_id, "amount": 100_001}]}
    r = await client.put(f"{BASE}/api/v3/stocks/{wh}", json=too_many, headers=WB)
    assert r.status_code == 409
    assert r.json() == [
        {
            "code": "UploadDataLimit",
            "message": "Upload limit exceeded.",
            "data": [{"sku": product.barcode, "amount": 100_001}],
        }
    ]
    r = await client.put(f"{BASE}/api/v3/stocks/{wh + 1}", json=too_many, headers=WB)
    assert r.status_code == 404 and r.json()["code"] == "NotFound"


async def test_price_uploads_follow_wb_rules(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """02-products.yaml POST /api/v2/upload/task: errors are {data, error, errorText}; the
    same prices again are refused as already set; a discounted price three or more times
    below the current one goes to quarantine and is not applied."""
    product = state.world.catalog[2]
    current = await _good(client, product.nm_id)
    price, discount = current["sizes"][0]["price"], current["discount"]
    same = {"data": [{"nmID": product.nm_id, "price": price, "discount": discount}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=same, headers=WB)
    assert r.status_code == 400
    assert r.json() == {
        "data": None,
        "error": True,
        "errorText": "The specified prices and discounts are already set",
    }
    fraction = {"data": [{"nmID": product.nm_id, "price": 99.5}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=fraction, headers=WB)
    assert (r.status_code, r.json()["errorText"]) == (400, "Price should be a whole number")
    cheap = {"data": [{"nmID": product.nm_id, "price": price // 4, "discount": discount}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=cheap, headers=WB)
    assert r.status_code == 200 and r.json()["error"] is False
    assert await _good(client, product.nm_id) == current  # quarantined: the old price holds
    unknown = {"data": [{"nmID": 1, "price": 100}]}
    r = await client.post(f"{BASE}/api/v2/upload/task", json=unknown, headers=WB)
    assert r.status_code == 400 and r.json()["errorText"].startswith("All item Nos.")


async def test_the_content_cards_list_pages_by_cursor(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """02-products.yaml POST /content/v2/get/cards/list: cursor paging until total < limit;
    withPhoto defaults to 0, only cards *without* photos."""
    path = f"{BASE}/content/v2/get/cards/list"
    cursor: dict[str, Any] = {"limit": 15}
    seen: list[dict[str, Any]] = []
    while True:
        body = {"settings": {"cursor": cursor, "filter": {"withPhoto": -1}}}
        page = (await client.post(path, json=body, headers=WB)).json()
        seen += page["cards"]
        if page["cursor"]["total"] < 15:
            break
        cursor = {
            "limit": 15,
            "updatedAt": page["cursor"]["updatedAt"],
            "nmID": page["cursor"]["nmID"],
        }
    assert sorted(c["nmID"] for c in seen) == sorted(p.nm_id for p in state.world.catalog)
    assert [c["updatedAt"] for c in seen] == sorted((c["updatedAt"] for c in seen), reverse=True)
    by_nm = {p.nm_id: p for p in state.world.catalog}
    for card in seen:
        product = by_nm[card["nmID"]]
        assert (card["vendorCode"], card["title"]) == (product.sku, product.name)
        assert card["sizes"] == [
            {"chrtID": product.chrt_id, "techSize": "0", "wbSize": "", "skus": [product.barcode]}
        ]
    default = (await client.post(path, json={}, headers=WB)).json()["cards"]
    assert default and all(card["photos"] == [] for card in default)
    assert len(default) < len(seen)
    r = await client.post(path, json={"settings": {"cursor": {"limit": 101}}}, headers=WB)
    assert r.status_code == 400 and r.json()["error"] is True


async def test_auth_errors_and_unknown_path(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{BASE}/api/v3/orders/new")
    assert r.status_code == 401 and r.json()["title"] == "unauthorized"
    r = await client.get(f"{BASE}/api/v3/orders/new", headers={"Authorization": "invalid"})
    assert r.status_code == 401 and "token" in r.json()["detail"]
    r = await client.get(f"{BASE}/api/v3/nothing", headers=WB)
    assert r.status_code == 404
    r = await client.post(f"{BASE}/api/v3/orders/status", content=b"{nope", headers=WB)
    assert r.status_code == 400 and r.json()["code"] == "IncorrectRequest"
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


async def test_each_method_family_has_its_own_budget(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """The limits are per family (each method's "Лимит запросов"): warehouses, stocks and
    tasks each 300/min burst 20; cancelling a task 100/min burst 20 on its own."""
    state.limiter.scale = 1.0
    codes = [
        (await client.get(f"{BASE}/api/v3/warehouses", headers=WB)).status_code for _ in range(21)
    ]
    assert codes[-1] == 429
    assert (await client.get(f"{BASE}/api/v3/orders/new", headers=WB)).status_code == 200
    body = {"chrtIds": [state.world.catalog[0].chrt_id]}
    wh = state.world.warehouses.wb_id
    assert (
        await client.post(f"{BASE}/api/v3/stocks/{wh}", json=body, headers=WB)
    ).status_code == 200
    for _ in range(19):
        await client.get(f"{BASE}/api/v3/orders/new", headers=WB)
    assert (await client.get(f"{BASE}/api/v3/orders/new", headers=WB)).status_code == 429
    cancel = await client.patch(f"{BASE}/api/v3/orders/13000000/cancel", headers=WB)
    assert cancel.status_code != 429


async def test_a_409_counts_as_ten_requests(client: httpx.AsyncClient, state: SandboxState) -> None:
    """ "Один запрос с кодом ответа 409 учитывается как 10 запросов" (03-orders-fbs.yaml,
    PATCH /api/v3/orders/{orderId}/cancel: 100/min, burst 20)."""
    state.limiter.scale = 1.0
    state.advance(5)
    task = sorted(state.world.tables["wildberries"].open_new)[0] + 13_000_000
    path = f"{BASE}/api/v3/orders/{task}/cancel"
    assert (await client.patch(path, headers=WB)).status_code == 204  # 1 of 20
    assert (await client.patch(path, headers=WB)).status_code == 409  # 10 more: 9 left
    codes = [(await client.patch(path, headers=WB)).status_code for _ in range(2)]
    assert codes == [409, 429]  # the 9 left pay for one more 409, not for a second

"""Ozon endpoints of the sandbox: v4 cursor paging, postings, ship/cancel, stocks, prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sandbox_helpers import OZON, FakeClock

from mpsync.sandbox import SandboxState
from mpsync.sandbox.state import iso

BASE = "/ozon"
WINDOW = {"since": "2025-05-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}


async def _pages(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        r = await client.post(f"{BASE}{path}", json={**body, "cursor": cursor}, headers=OZON)
        assert r.status_code == 200, r.text
        page = r.json()
        found += page["postings"]
        assert set(page) >= {"cursor", "has_next", "postings"}
        if not page["has_next"]:
            assert page["cursor"] == ""
            return found
        cursor = page["cursor"]


async def test_list_pages_to_the_end(client: httpx.AsyncClient, state: SandboxState) -> None:
    postings = await _pages(client, "/v4/posting/fbs/list", {"filter": WINDOW, "limit": 13})
    numbers = [p["posting_number"] for p in postings]
    assert len(numbers) == len(set(numbers)) == 300
    truth = {o["external_id"]: o for o in state.truth("ozon")["orders"]}
    assert set(numbers) == set(truth)
    first = postings[0]
    assert first["order_number"] == truth[first["posting_number"]]["group_key"]
    # The v4 list's unit price is a money object (posting.v4...Products.price: postingMoney).
    product = first["products"][0]
    assert set(product["price"]) == {"amount", "currency"} and "currency_code" not in product
    assert Decimal(product["price"]["amount"]) > 0 and product["price"]["currency"] == "RUB"
    assert isinstance(product["sku"], int)
    assert truth[first["posting_number"]]["lines"][0]["unit_price"] == product["price"]["amount"]


async def test_descending_and_changed_status_filter(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    body = {"filter": WINDOW, "limit": 50, "sort_dir": "DESC"}
    desc = await _pages(client, "/v4/posting/fbs/list", body)
    assert len(desc) == 300 and desc[0]["posting_number"] != desc[-1]["posting_number"]
    changed = {"from": "2025-05-31T00:00:00Z", "to": "2025-06-02T00:00:00Z"}
    recent = await _pages(
        client,
        "/v4/posting/fbs/list",
        {"filter": {**WINDOW, "last_changed_status_date": changed}, "limit": 100},
    )
    table = state.world.tables["ozon"]
    expected = [r for r in range(len(table)) if table.updated[r] >= 1748649600]
    assert len(recent) == len(expected) > 0


async def test_unfulfilled_ship_get_cancel(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.advance(10)
    body = {
        "filter": {"cutoff_from": "2025-06-01T00:00:00Z", "cutoff_to": "2025-06-03T00:00:00Z"},
        "limit": 100,
    }
    open_postings = await _pages(client, "/v4/posting/fbs/unfulfilled/list", body)
    new = [p for p in open_postings if p["status"] == "awaiting_packaging"]
    assert len(new) >= 2
    target = new[0]
    products = [{"product_id": p["sku"], "quantity": p["quantity"]} for p in target["products"]]
    ship = {"packages": [{"products": products}], "posting_number": target["posting_number"]}
    r = await client.post(f"{BASE}/v4/posting/fbs/ship", json=ship, headers=OZON)
    assert r.status_code == 200 and r.json()["result"] == [target["posting_number"]]
    got = await client.post(
        f"{BASE}/v3/posting/fbs/get",
        json={"posting_number": target["posting_number"]},
        headers=OZON,
    )
    assert got.json()["result"]["status"] == "awaiting_deliver"
    # The v3 get keeps v3 products: a decimal-string unit price with currency_code.
    assert got.json()["result"]["products"][0]["currency_code"] == "RUB"
    # The ship answer's additional_data lists the products as the spec shapes them.
    (shipped,) = r.json()["additional_data"]
    assert {p["sku"] for p in shipped["products"]} == {p["sku"] for p in target["products"]}
    assert set(shipped["products"][0]) == {
        "currency_code", "mandatory_mark", "name", "offer_id", "price", "quantity", "sku"
    }  # fmt: skip
    again = await client.post(f"{BASE}/v4/posting/fbs/ship", json=ship, headers=OZON)
    assert again.status_code == 400 and again.json()["code"] == 3
    cancel = {"cancel_reason_id": 352, "posting_number": new[1]["posting_number"]}
    assert (
        await client.post(f"{BASE}/v2/posting/fbs/cancel", json=cancel, headers=OZON)
    ).json() == {"result": True}
    truth = {o["external_id"]: o for o in state.truth("ozon")["orders"]}
    assert truth[target["posting_number"]]["status"] == "ready_to_ship"
    assert truth[new[1]["posting_number"]]["status"] == "cancelled"
    missing = await client.post(
        f"{BASE}/v3/posting/fbs/get", json={"posting_number": "1-2-3"}, headers=OZON
    )
    assert missing.status_code == 404 and missing.json()["code"] == 5


async def test_stocks_and_prices(client: httpx.AsyncClient, state: SandboxState) -> None:
    product = state.world.catalog[1]
    wh = state.world.warehouses.ozon_id
    pid = product.ozon_product_id
    body = {
        "stocks": [
            {"offer_id": product.sku, "product_id": pid, "stock": 9, "warehouse_id": wh},
            {"offer_id": "nope", "product_id": 1, "stock": 1, "warehouse_id": wh},
        ]
    }
    result = (await client.post(f"{BASE}/v2/products/stocks", json=body, headers=OZON)).json()[
        "result"
    ]
    assert [r["updated"] for r in result] == [True, False]
    # product_id is required (productv2ProductsStocksRequestStock.required).
    no_id = {"stocks": [{"offer_id": product.sku, "stock": 3, "warehouse_id": wh}]}
    refused = await client.post(f"{BASE}/v2/products/stocks", json=no_id, headers=OZON)
    assert refused.status_code == 400 and "ProductId" in refused.json()["message"]
    info = await client.post(
        f"{BASE}/v4/product/info/stocks",
        json={"filter": {"offer_id": [product.sku]}, "limit": 10},
        headers=OZON,
    )
    assert info.json()["items"][0]["stocks"][0]["present"] == 9
    prices = {
        "prices": [
            {
                "offer_id": product.sku,
                "price": "1448",
                "old_price": "1990.50",
                "currency_code": "RUB",
            }
        ]
    }
    assert (
        await client.post(f"{BASE}/v1/product/import/prices", json=prices, headers=OZON)
    ).json()["result"][0]["updated"]
    read = await client.post(
        f"{BASE}/v5/product/info/prices",
        json={"filter": {"offer_id": [product.sku]}, "limit": 10},
        headers=OZON,
    )
    # ItemPricev5 money is JSON numbers (number/double), not strings.
    assert read.json()["items"][0]["price"]["price"] == 1448
    assert read.json()["items"][0]["price"]["old_price"] == Decimal("1990.5")
    # A price without old_price leaves the crossed-out price as it is; "0" resets it.
    prices["prices"][0].pop("old_price")
    await client.post(f"{BASE}/v1/product/import/prices", json=prices, headers=OZON)
    assert state.world.price("ozon", product.index).old_price_kop == 1990_50
    prices["prices"][0]["old_price"] = "0"
    await client.post(f"{BASE}/v1/product/import/prices", json=prices, headers=OZON)
    assert state.world.price("ozon", product.index).old_price_kop == 0
    all_prices = await client.post(
        f"{BASE}/v5/product/info/prices", json={"filter": {}, "limit": 15}, headers=OZON
    )
    assert all_prices.json()["cursor"] and all_prices.json()["total"] == len(state.world.catalog)


async def test_stock_read_keeps_ozon_held_stock_apart(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """/v4/product/info/stocks covers FBO, FBS, rFBS and FBP (NEWER swagger, path description;
    its example has a ``type: fbo`` entry): Ozon's stock comes as its own entries."""
    page = await client.post(
        f"{BASE}/v4/product/info/stocks", json={"filter": {}, "limit": 1000}, headers=OZON
    )
    entries = [stock for item in page.json()["items"] for stock in item["stocks"]]
    fbs = [e for e in entries if e["type"] == "fbs"]
    fbo = [e for e in entries if e["type"] == "fbo"]
    assert len(fbs) == len(state.world.catalog) and 0 < len(fbo) < len(fbs)
    assert all("warehouse_ids" not in e for e in fbo)
    assert all(e["warehouse_ids"] == [str(state.world.warehouses.ozon_id)] for e in fbs)


async def test_warehouses_v2_and_product_list(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """/v1/warehouse/list is switched off (2026-04-07): v2 answers, and requires ``limit``."""
    old = await client.post(f"{BASE}/v1/warehouse/list", json={}, headers=OZON)
    assert old.status_code == 404
    assert (
        await client.post(f"{BASE}/v2/warehouse/list", json={}, headers=OZON)
    ).status_code == 400
    r = await client.post(f"{BASE}/v2/warehouse/list", json={"limit": 50}, headers=OZON)
    (warehouse,) = r.json()["warehouses"]
    assert warehouse["warehouse_id"] == state.world.warehouses.ozon_id
    assert r.json()["has_next"] is False
    listed, last_id = [], ""
    while True:
        page = await client.post(
            f"{BASE}/v3/product/list", json={"last_id": last_id, "limit": 15}, headers=OZON
        )
        result = page.json()["result"]
        listed += result["items"]
        last_id = result["last_id"]
        if not last_id:
            break
    ids = {(p.sku, p.ozon_product_id, p.ozon_sku) for p in state.world.catalog}
    assert {(i["offer_id"], i["product_id"], i["sku"]) for i in listed} == ids
    assert len(listed) == len(ids)


async def test_errors_auth_and_rate_limit(
    client: httpx.AsyncClient, state: SandboxState, clock: FakeClock
) -> None:
    r = await client.post(f"{BASE}/v4/posting/fbs/list", json={}, headers={"Api-Key": "x"})
    assert r.status_code == 401 and r.json()["code"] == 16
    r = await client.post(
        f"{BASE}/v4/posting/fbs/list", json={}, headers={"Client-Id": "1", "Api-Key": "invalid"}
    )
    assert r.status_code == 403 and "Api-Key" in r.json()["message"]
    r = await client.post(
        f"{BASE}/v4/posting/fbs/list", json={"filter": {}, "limit": 10}, headers=OZON
    )
    assert r.status_code == 400 and set(r.json()) == {"code", "message", "details"}
    r = await client.post(f"{BASE}/v9/nothing", json={}, headers=OZON)
    assert r.status_code == 404
    state.limiter.scale = 1.0
    codes = [
        (
            await client.post(f"{BASE}/v5/product/info/prices", json={"limit": 1}, headers=OZON)
        ).status_code
        for _ in range(51)
    ]
    assert codes.count(429) == 1 and codes[-1] == 429
    r = await client.post(f"{BASE}/v5/product/info/prices", json={"limit": 1}, headers=OZON)
    assert r.json() == {
        "code": 8,
        "message": "You have reached request rate limit per second",
        "details": [],
    }
    clock.now += 1.0
    assert (
        await client.post(f"{BASE}/v5/product/info/prices", json={"limit": 1}, headers=OZON)
    ).status_code == 200


async def test_not_accepted_is_a_detour_between_hand_over_and_delivery(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """``not_accepted`` ("не принято на сортировочном центре") follows the hand-over and
    comes before delivery; /v4/posting/fbs/unfulfilled/list still lists it (NEWER swagger,
    the path's description), and its truth keeps the status the order had."""
    flow = state.world.flows["ozon"]
    detour = flow.index("not_accepted", "posting_not_in_sort_center")
    table = state.world.tables["ozon"]
    rows = [r for r in range(len(table)) if detour in [s for _, s in state.world.script("ozon", r)]]
    assert 0 < len(rows) < len(table) // 5  # some postings, not most
    states = [s for _, s in state.world.script("ozon", rows[0])]
    at = states.index(detour)
    assert flow.states[states[at - 1]].status == "awaiting_deliver"
    assert flow.states[states[at + 1]].status == "delivering"
    state.advance(24 * 60)
    now_detoured = [r for r in range(len(table)) if table.state[r] == detour]
    assert now_detoured, "a day of orders puts some postings in not_accepted"
    row = now_detoured[0]
    truth = state.truth_order("ozon", row)
    assert truth["marketplace_status"] == "not_accepted"
    assert (truth["status"], truth["status_kept"]) == ("ready_to_ship", True)
    created = table.created[row]
    window = {"cutoff_from": iso(created), "cutoff_to": iso(created + 2 * 86400)}
    queue = await _pages(
        client, "/v4/posting/fbs/unfulfilled/list", {"filter": window, "limit": 100}
    )
    assert state.external_id("ozon", row) in {p["posting_number"] for p in queue}


async def test_write_quotas_of_the_swagger(
    client: httpx.AsyncClient, state: SandboxState, clock: FakeClock
) -> None:
    """/v2/products/stocks: a product-warehouse pair once per 30 s (TOO_MANY_REQUESTS in
    result.errors), 80 requests per minute (429); /v1/product/import/prices: a product's
    price at most 10 times per hour (the paths' descriptions)."""
    product, wh = state.world.catalog[4], state.world.warehouses.ozon_id
    stock = {"offer_id": product.sku, "product_id": product.ozon_product_id, "warehouse_id": wh}

    async def push_stock(quantity: int) -> dict[str, Any]:
        body = {"stocks": [{**stock, "stock": quantity}]}
        r = await client.post(f"{BASE}/v2/products/stocks", json=body, headers=OZON)
        return dict(r.json()["result"][0])

    assert (await push_stock(5))["updated"] is True
    again = await push_stock(6)
    assert again["updated"] is False and again["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    state.advance_seconds(30)
    assert (await push_stock(7))["updated"] is True
    price = {"prices": [{"offer_id": product.sku, "price": "990"}]}
    answers = [
        (await client.post(f"{BASE}/v1/product/import/prices", json=price, headers=OZON)).json()
        for _ in range(11)
    ]
    assert [a["result"][0]["updated"] for a in answers] == [True] * 10 + [False]
    assert "acquire limit per item" in answers[-1]["result"][0]["errors"][0]["message"]
    state.limiter.scale = 1.0
    others = [{**stock, "offer_id": p.sku, "product_id": p.ozon_product_id, "stock": 1}
              for p in state.world.catalog[10:11]]  # fmt: skip
    codes = []
    for _ in range(90):
        clock.now += 0.021  # under 50 rps: only the per-minute limit applies
        r = await client.post(f"{BASE}/v2/products/stocks", json={"stocks": others}, headers=OZON)
        codes.append(r.status_code)
    assert codes[:80] == [200] * 80 and codes[-1] == 429
    assert "per minute" in r.json()["message"] and int(r.headers["Retry-After"]) >= 1

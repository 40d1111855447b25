"""Yandex Market endpoints of the sandbox: business orders, status, offers, 420 limits."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import httpx
from sandbox_helpers import YM
from tests.contracts.checker import validate
from tests.contracts.yandex_market_models import GetOfferMappingsResponse, OrderDTO

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
        "updatedAt": "2025-06-01T12:00:00Z",  # OfferDefaultPriceDTO.updatedAt, in `price`
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


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{BASE}{path}", json=body, headers=YM)


async def test_the_default_creation_window_is_the_last_30_days(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """OrderDatesFilterDTO: creationDateFrom defaults to 30 days ago, whatever else is asked;
    older orders need explicit creation dates (From included, To excluded, <= 30 days)."""
    table = state.world.tables["yandex_market"]
    row = 0
    table.created[row] = int(state.world.now) - 45 * 86400  # an order from 45 days ago...
    state.world.move("yandex_market", row, 9, int(state.world.now))  # ...returned just now
    returned = {"updateDateFrom": "2025-06-01T11:00:00Z", "updateDateTo": "2025-06-01T12:00:00Z"}
    default = await _orders(client, {"dates": returned})
    assert 51_000_000_000 not in {o["orderId"] for o in default}
    old = {**returned, "creationDateFrom": "2025-04-10", "creationDateTo": "2025-05-10"}
    (found,) = await _orders(client, {"dates": old})
    assert (found["orderId"], found["status"]) == (51_000_000_000, "RETURNED")
    by_id = {"orderIds": [51_000_000_000]}
    assert await _orders(client, by_id) == []  # the default window applies to ids too
    assert len(await _orders(client, {**by_id, "dates": old})) == 1
    # A To less than a day after From is From + 1 day; To itself is excluded.
    day = await _orders(
        client, {"dates": {"creationDateFrom": "2025-05-31", "creationDateTo": "2025-05-31"}}
    )
    assert day and all(o["creationDate"].startswith("2025-05-31") for o in day)
    wide = await _post(client, "/v1/businesses/1000001/orders",
                       {"dates": {"creationDateFrom": "2025-04-01", "creationDateTo": "2025-05-02"}})  # fmt: skip
    assert wide.status_code == 400


async def test_line_money_and_ship_by_day_follow_the_spec(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """ItemPriceDTO amounts are the line's; shipmentDate is the Moscow day after creation."""
    orders = await _orders(client, {})
    truth = {o["external_id"]: o for o in state.truth("yandex_market")["orders"]}
    several = [o for o in orders if any(i["count"] > 1 for i in o["items"])]
    assert several
    for order in several:
        for item, line in zip(order["items"], truth[str(order["orderId"])]["lines"], strict=True):
            prices = item["prices"]
            cost = prices["payment"]["value"] + prices.get("cashback", {"value": 0})["value"]
            assert (
                Decimal(str(cost))
                == Decimal(line["total"])
                == Decimal(line["unit_price"]) * item["count"]
            )
    late = next(o for o in orders if o["creationDate"][11:13] >= "21")  # 21:00+ Moscow time
    created = late["creationDate"][:10]
    assert late["delivery"]["shipment"]["shipmentDate"] > created  # the next Moscow day


async def test_status_update_answers_with_the_whole_legacy_order(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    state.advance(5)
    (order, *_) = await _orders(client, {"statuses": ["PROCESSING"], "substatuses": ["STARTED"]})
    url = f"{BASE}/v2/campaigns/21000000/orders/{order['orderId']}/status"
    ready = {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
    answer = (await client.put(url, json=ready, headers=YM)).json()["order"]
    assert validate(OrderDTO, answer, "OrderDTO") == []
    assert (answer["id"], answer["substatus"], answer["currency"]) == (
        order["orderId"], "READY_TO_SHIP", "RUR",
    )  # fmt: skip
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", answer["creationDate"])


async def test_price_updates_follow_the_spec(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """UpdateBusinessPricesDTO: discountBase a whole number 5-99 % above the price; without
    minimumForBestseller the minimum set before is erased."""
    sku = state.world.catalog[3].sku
    path = "/v2/businesses/1000001/offer-prices/updates"

    def offer(**price: Any) -> dict[str, Any]:
        return {"offers": [{"offerId": sku, "price": {"currencyId": "RUR", **price}}]}

    bad = [
        offer(value=590, discountBase=790.5),  # not whole
        offer(value=785, discountBase=790),  # under 5 %
        offer(value=0),  # not above 0
        offer(value=590, currencyId="RUB"),  # not a CurrencyType
    ]
    for body in bad:
        assert (await _post(client, path, body)).status_code == 400, body
    assert (
        await _post(client, path, offer(value=590, discountBase=790, minimumForBestseller=550))
    ).status_code == 200
    read = await _post(client, "/v2/businesses/1000001/offer-prices", {"offerIds": [sku]})
    assert read.json()["result"]["offers"][0]["price"]["minimumForBestseller"] == 550
    assert (await _post(client, path, offer(value=600))).status_code == 200
    price = (await _post(client, "/v2/businesses/1000001/offer-prices", {"offerIds": [sku]})).json()
    assert set(price["result"]["offers"][0]["price"]) == {"value", "currencyId", "updatedAt"}


async def test_offer_mappings_bind_offer_ids_to_market_skus(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    first = (await client.post(f"{BASE}/v2/businesses/1000001/offer-mappings",
                               params={"limit": 30}, json={}, headers=YM)).json()  # fmt: skip
    token = first["result"]["paging"]["nextPageToken"]
    rest = (await client.post(f"{BASE}/v2/businesses/1000001/offer-mappings",
                              params={"limit": 500, "pageToken": token}, json={},
                              headers=YM)).json()  # fmt: skip
    mappings = first["result"]["offerMappings"] + rest["result"]["offerMappings"]
    assert len(mappings) == len(state.world.catalog) and len(rest["result"]["offerMappings"]) == 10
    skus = {m["mapping"]["marketSku"] for m in mappings}
    assert len(skus) == len(mappings)  # one card each
    product = state.world.catalog[0]
    one = (
        await _post(client, "/v2/businesses/1000001/offer-mappings", {"offerIds": [product.sku]})
    ).json()
    (mapping,) = one["result"]["offerMappings"]
    assert (mapping["offer"]["offerId"], mapping["offer"]["barcodes"], mapping["offer"]["name"]) == (
        product.sku, [product.barcode], product.name,
    )  # fmt: skip
    assert validate(GetOfferMappingsResponse, one, "mappings") == []


async def test_item_limits_count_items_not_requests(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    """getDefaultPrices allows 5,000 offers a minute at the lowest tier, counted on the
    answer's offers: 40 offers a page leave room for 125 pages, then 420."""
    state.limiter.scale = 1.0
    path = "/v2/businesses/1000001/offer-prices"
    statuses = [(await _post(client, path, {})).status_code for _ in range(126)]
    assert statuses[:125] == [200] * 125 and statuses[125] == 420


async def test_a_limit_above_the_maximum_is_truncated(client: httpx.AsyncClient) -> None:
    """PageLimit50Truncate (getBusinessOrders): 500 reads as 50, it is not refused."""
    r = await client.post(
        f"{BASE}/v1/businesses/1000001/orders", params={"limit": 500}, json={}, headers=YM
    )
    assert r.status_code == 200 and len(r.json()["orders"]) == 50

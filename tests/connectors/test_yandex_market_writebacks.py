"""Yandex Market write-backs and quotas as the official spec states them.

Sources (yandex-market/yandex-market-partner-api openapi/ at 1318e9b8):
UpdateBusinessPricesDTO.yaml, DiscountBase.yaml, CurrencyType.yaml,
paths/v2_businesses_businessId_offer-prices.yaml (x-resource-limit-config: 5,000 offers a
minute at the lowest tier), paths/v2_businesses_businessId_offer-prices_updates.yaml (10,000),
OrderDatesFilterDTO.yaml (the 30-day default creation window).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from mpsync_connectors.yandex_market import YandexMarketConnector

from mpsync.connector.base import FetchWindow, PriceUpdate, StockUpdate

UPDATES = f"{BASE}/v2/businesses/1000001/offer-prices/updates"
PRICES = f"{BASE}/v2/businesses/1000001/offer-prices"
NONE_SET = {"status": "OK", "result": {"offers": []}}  # Market has no discount nor minimum
STOCKS = f"{BASE}/v2/campaigns/21000000/offers/stocks"


def _price(sku: str, *args: Any, **kwargs: Any) -> PriceUpdate:
    """A price update of a SKU bound to the offer of the same name."""
    return PriceUpdate(sku, *args, ids={"offerId": sku}, **kwargs)


def _ym(sleep: RecordingSleep) -> YandexMarketConnector:
    return YandexMarketConnector(account("yandex_market"), sleep=sleep, now=lambda: NOW)


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (_price("A", Decimal(590), Decimal("790.50")), "not a whole number"),
        (_price("A", Decimal(785), Decimal(790)), "not 5–99 % above"),
        (_price("A", Decimal(800), Decimal(790)), "not 5–99 % above"),
        (_price("A", Decimal(0)), "must be above 0"),
        (_price("A", Decimal(590), currency="XYZ"), "not one Yandex Market takes"),
        (_price("A", Decimal(590), min_price=Decimal(0)), "out of 0..100000000"),
    ],
)
async def test_a_price_the_spec_refuses_is_not_sent(
    sleep: RecordingSleep, update: PriceUpdate, reason: str
) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.post(PRICES).respond(json=NONE_SET)
        route = router.post(UPDATES).respond(json={"status": "OK"})
        result = await _ym(sleep).push_prices([_price("B", Decimal(100)), update])
    assert not result.ok and result.message.startswith("A: ") and reason in result.message
    assert route.call_count == 0  # nothing of the batch is sent


@respx.mock
async def test_prices_send_an_integer_discount_base_and_keep_the_minimum(
    sleep: RecordingSleep,
) -> None:
    """discountBase must be whole; leaving minimumForBestseller out erases it at Market."""
    route = respx.post(UPDATES).respond(json={"status": "OK"})
    respx.post(PRICES).respond(json=NONE_SET)
    items = [
        _price("A", Decimal("590.50"), Decimal("790.00"), Decimal(550)),
        _price("B", Decimal(1000), currency="BYN"),
    ]
    assert (await _ym(sleep).push_prices(items)).ok
    assert route.calls[0].request.content == (
        b'{"offers": [{"offerId": "A", "price": {"value": 590.5, "currencyId": "RUR",'
        b' "discountBase": 790, "minimumForBestseller": 550}}, {"offerId": "B", "price":'
        b' {"value": 1000, "currencyId": "BYN"}}]}'
    )


@respx.mock
async def test_price_reads_are_paced_at_the_lowest_tier(sleep: RecordingSleep) -> None:
    """5,000 offers a minute, 200 a page: 25 pages at once, then one every 2.4 s."""
    tokens = [f"t{n}" for n in range(1, 27)] + [None]

    def page(n: int) -> httpx.Response:
        paging = {"nextPageToken": tokens[n]} if tokens[n] else {}
        result = {"offers": [{"offerId": f"o{n}"}], "paging": paging}
        return httpx.Response(200, json={"status": "OK", "result": result})

    respx.post(f"{BASE}/v2/businesses/1000001/offer-prices").mock(
        side_effect=[page(n) for n in range(27)]
    )
    connector = _ym(sleep)
    pages = [p async for p in connector.fetch("prices", FetchWindow(None, NOW))]
    assert len(pages) == 27
    # The recorded sleeps do not move the clock: the 27th page owes two tokens' time (less
    # the real time the pages took).
    first, second = sleep.waits
    assert 1.5 < first <= 2.4 and 3.9 < second <= 4.8
    await connector.aclose()


@respx.mock
async def test_price_pushes_are_paced_by_their_quota(sleep: RecordingSleep) -> None:
    """10,000 offers a minute, 500 a request: 20 requests at once, the 21st waits 3 s."""
    route = respx.post(UPDATES).respond(json={"status": "OK"})
    items = [_price(f"S{n}", Decimal(100), Decimal(0), Decimal(90)) for n in range(21 * 500)]
    assert (await _ym(sleep).push_prices(items)).ok
    assert route.call_count == 21
    (wait,) = sleep.waits
    assert 2.0 < wait <= 3.0  # a token's time, less the real time the requests took


@respx.mock
async def test_single_orders_are_looked_for_slice_by_slice(sleep: RecordingSleep) -> None:
    """A push about an order created 50 days ago: without creation dates the order list
    answers only for the last 30 days, so the read walks back until it has found it."""
    found = {"orderId": 42, "status": "RETURNED"}

    def answer(request: httpx.Request) -> httpx.Response:
        sent: dict[str, Any] = json.loads(request.content)
        old = sent["dates"]["creationDateFrom"] == "2026-01-06"
        return httpx.Response(200, json={"orders": [found] if old else [], "paging": {}})

    route = respx.post(f"{BASE}/v1/businesses/1000001/orders").mock(side_effect=answer)
    assert await _ym(sleep).fetch_orders(["42"]) == [found]
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [s["dates"]["creationDateFrom"] for s in sent] == [
        "2026-03-07",
        "2026-02-05",
        "2026-01-06",
    ]
    assert all(s["orderIds"] == [42] for s in sent)


@respx.mock
async def test_write_backs_send_the_bound_offer_id_and_refuse_an_unbound_sku(
    sleep: RecordingSleep,
) -> None:
    """The offer is the catalogue's ``offerId`` (getOfferMappings), never the SKU text; an
    update without one is refused naming the SKU and the command that binds it."""
    stocks = respx.put(STOCKS).respond(json={"status": "OK"})
    prices = respx.post(UPDATES).respond(json={"status": "OK"})
    respx.post(PRICES).respond(json=NONE_SET)
    ym = _ym(sleep)
    bound = {"offerId": "OFFER-9", "marketSku": "100000000011"}
    assert (await ym.push_stock([StockUpdate("sku-9", "21000000", 4, ids=bound)])).ok
    assert (await ym.push_prices([PriceUpdate("sku-9", Decimal(100), ids=bound)])).ok
    assert json.loads(stocks.calls[0].request.content)["skus"][0]["sku"] == "OFFER-9"
    assert json.loads(prices.calls[0].request.content)["offers"][0]["offerId"] == "OFFER-9"
    for result in (
        await ym.push_stock([StockUpdate("sku-1", "21000000", 4)]),
        await ym.push_prices([PriceUpdate("sku-1", Decimal(100))]),
    ):
        assert not result.ok and result.message.startswith("sku-1: not bound")
        assert "mpsync sync --account acc-1 --stream products" in result.message
    assert (stocks.call_count, prices.call_count) == (1, 1)


@respx.mock
async def test_a_price_update_that_leaves_the_discount_sends_the_current_one(
    sleep: RecordingSleep,
) -> None:
    """Omitting discountBase or minimumForBestseller erases them at Market; an update that
    leaves them (None) reads what Market has and sends it back. 0 removes the discount."""
    current = {"offerId": "A", "price": {"value": 600, "currencyId": "RUR", "discountBase": 800,
                                         "minimumForBestseller": 550}}  # fmt: skip
    read = respx.post(PRICES).respond(json={"status": "OK", "result": {"offers": [current]}})
    route = respx.post(UPDATES).respond(json={"status": "OK"})
    ym = _ym(sleep)
    assert (await ym.push_prices([_price("A", Decimal(590))])).ok
    assert json.loads(read.calls[0].request.content) == {"offerIds": ["A"]}
    sent = json.loads(route.calls[0].request.content)["offers"][0]["price"]
    assert (sent["discountBase"], sent["minimumForBestseller"]) == (800, 550)
    assert (await ym.push_prices([_price("A", Decimal(590), Decimal(0), Decimal(500))])).ok
    assert read.call_count == 1  # nothing left as it is: no read
    sent = json.loads(route.calls[1].request.content)["offers"][0]["price"]
    assert sent == {"value": 590, "currencyId": "RUR", "minimumForBestseller": 500}

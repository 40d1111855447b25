"""Wildberries facts the connector used to get wrong, each against WB's own spec.

Sources: ``eslazarev/wildberries-sdk:specs/02-products.yaml`` (``POST /api/v2/upload/task``
takes ``nmID`` "Артикул WB", ``price`` before the seller's discount and ``discount`` in %;
``PUT /api/v3/stocks/{warehouseId}`` takes ``chrtId`` "ID размера" and answers 204 to names
it cannot read) and ``03-orders-fbs.yaml`` (limits per method family).
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from hypothesis import given
from hypothesis import strategies as st
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.wildberries.writes import price_pair, sells_at

from mpsync.connector.base import FetchWindow, OrderRef, PriceUpdate, StockUpdate
from mpsync.domain.models import OrderRecord

UPLOADED = {"data": {"id": 5, "alreadyExists": False}, "error": False, "errorText": ""}


def _wb(sleep: RecordingSleep) -> WildberriesConnector:
    # Both clocks frozen: a bucket refills only when a test says time passed.
    return WildberriesConnector(account("wildberries"), sleep=sleep, now=lambda: NOW,
                                clock=lambda: 0.0)  # fmt: skip


@respx.mock
async def test_a_price_push_sends_the_bound_nm_id_and_the_pair_that_yields_the_price(
    sleep: RecordingSleep,
) -> None:
    """``prices push --sku SKU-0001 --price 1399`` with 1749 crossed out: WB gets the card's
    nmID, price 1749 and discount 20 % (1749 × 0.80 = 1399.20), not nmID=int("SKU-0001")."""
    route = respx.post(f"{BASE}/api/v2/upload/task").respond(json=UPLOADED)
    wb = _wb(sleep)
    update = PriceUpdate(
        "SKU-0001", Decimal("1399"), old_price=Decimal("1749"), ids={"nmID": "140000003"}
    )
    result = await wb.push_prices([update])
    await wb.aclose()
    assert result.ok, result.message
    assert json.loads(route.calls[0].request.content) == {
        "data": [{"nmID": 140000003, "price": 1749, "discount": 20}]
    }
    assert result.details["sent"]["SKU-0001"]["sells_at"] == "1399.20"
    assert "1399.20" in result.message


@respx.mock
async def test_a_numeric_vendor_code_is_never_taken_for_an_nm_id(sleep: RecordingSleep) -> None:
    prices = respx.post(f"{BASE}/api/v2/upload/task").respond(json=UPLOADED)
    stocks = respx.put(f"{BASE}/api/v3/stocks/658434").respond(204)
    wb = _wb(sleep)
    bound = {"nmID": "777", "chrtId": "888"}
    assert (await wb.push_prices([PriceUpdate("12345", Decimal("500"), ids=bound)])).ok
    assert (await wb.push_stock([StockUpdate("12345", "658434", 3, "12345", ids=bound)])).ok
    await wb.aclose()
    assert json.loads(prices.calls[0].request.content)["data"][0]["nmID"] == 777
    assert json.loads(stocks.calls[0].request.content) == {"stocks": [{"chrtId": 888, "amount": 3}]}


@respx.mock
async def test_an_unbound_sku_is_refused_by_name_and_nothing_is_sent(
    sleep: RecordingSleep,
) -> None:
    """WB answers 204 to a wrong chrtId: a guess from the SKU text would fail silently."""
    prices = respx.post(f"{BASE}/api/v2/upload/task").respond(json=UPLOADED)
    stocks = respx.put(f"{BASE}/api/v3/stocks/658434").respond(204)
    wb = _wb(sleep)
    price = await wb.push_prices([PriceUpdate("SKU-0009", Decimal("10"), marketplace_sku="5")])
    stock = await wb.push_stock([StockUpdate("SKU-0009", "658434", 1, "140000003/250000007")])
    await wb.aclose()
    assert (price.ok, stock.ok) == (False, False)
    assert price.message == "SKU-0009: not bound to a Wildberries nmID"
    assert stock.message == "SKU-0009: not bound to a Wildberries chrtId"
    assert not prices.called and not stocks.called


@respx.mock
async def test_what_wb_cannot_take_is_refused_before_sending(sleep: RecordingSleep) -> None:
    stocks = respx.put(f"{BASE}/api/v3/stocks/658434").respond(204)
    prices = respx.post(f"{BASE}/api/v2/upload/task").respond(json=UPLOADED)
    wb = _wb(sleep)
    bound = {"nmID": "1", "chrtId": "2"}
    over = await wb.push_stock([StockUpdate("a", "658434", 100_001, ids=bound)])
    minimum = await wb.push_prices(
        [PriceUpdate("a", Decimal("10"), min_price=Decimal("9"), ids=bound)]
    )
    await wb.aclose()
    assert not over.ok and "100000" in over.message  # amount: maximum 100000
    assert not minimum.ok and "no minimum price" in minimum.message
    assert not stocks.called and not prices.called


@respx.mock
async def test_prices_already_set_are_a_success(sleep: RecordingSleep) -> None:
    """400 "The specified prices and discounts are already set": the asked prices hold."""
    respx.post(f"{BASE}/api/v2/upload/task").respond(
        400,
        json={
            "data": None,
            "error": True,
            "errorText": "The specified prices and discounts are already set",
        },
    )
    wb = _wb(sleep)
    result = await wb.push_prices([PriceUpdate("a", Decimal("700"), ids={"nmID": "1"})])
    await wb.aclose()
    assert result.ok, result.message


@pytest.mark.parametrize(
    ("selling", "before", "pair", "pays"),
    [
        ("1399", "1749", (1749, 20), "1399.20"),  # the README's example, 1749 crossed out
        ("699.30", "999", (999, 30), "699.30"),  # the spec's example pair, exactly
        ("350", "500", (500, 30), "350.00"),  # the goods list example
        ("1000", None, (1000, 0), "1000.00"),  # nothing crossed out: no discount
        ("999.50", None, (1000, 0), "1000.00"),  # whole prices only: half up
        ("1500", "1000", (1500, 0), "1500.00"),  # a "crossed-out" price below is no discount
        ("333", "1000", (1009, 67), "332.97"),  # 66.7 % → 67 %, the price follows
        ("10", "10000", (1000, 99), "10.00"),  # at most 99 %
    ],
)
def test_the_price_and_discount_pair(
    selling: str, before: str | None, pair: tuple[int, int], pays: str
) -> None:
    got = price_pair(Decimal(selling), None if before is None else Decimal(before))
    assert got == pair
    assert sells_at(*got) == Decimal(pays)


@given(
    selling=st.decimals(min_value=1, max_value=1_000_000, places=2),
    markup=st.decimals(min_value=0, max_value=20, places=2),
)
def test_the_pair_sells_within_half_a_unit_of_the_asked_price(
    selling: Decimal, markup: Decimal
) -> None:
    before = None if markup == 0 else selling * (1 + markup)
    price, discount = price_pair(selling, before)
    assert 0 <= discount <= 99 and price >= 1
    assert abs(sells_at(price, discount) - selling) <= Decimal("0.5")


@respx.mock
async def test_the_goods_list_is_read_until_an_empty_page(sleep: RecordingSleep) -> None:
    """ "Повторяйте запрос, пока вы не получите ответ с пустым массивом": a short page is not
    the end of the list."""
    card = {"nmID": 1, "vendorCode": "a", "currencyIsoCode4217": "RUB", "discount": 0,
            "sizes": [{"sizeID": 2, "price": 5, "discountedPrice": 5,
                       "clubDiscountedPrice": 5, "techSizeName": "0"}]}  # fmt: skip
    pages = [{"data": {"listGoods": goods}, "error": False, "errorText": ""} for goods in
             ([card], [{**card, "nmID": 3, "vendorCode": "b"}], [])]  # fmt: skip
    route = respx.get(f"{BASE}/api/v2/list/goods/filter").mock(
        side_effect=[respx.MockResponse(json=page) for page in pages]
    )
    wb = _wb(sleep)
    found = [page async for page in wb.fetch("prices", _window())]
    await wb.aclose()
    assert [c.request.url.params["offset"] for c in route.calls] == ["0", "1", "2"]
    assert sum(len(p.records) for p in found if p.record_type == "price") == 2


@respx.mock
async def test_the_content_cards_are_read_with_every_card_and_the_cursor(
    sleep: RecordingSleep,
) -> None:
    """withPhoto defaults to 0, "только карточки без фото": every card needs -1; pages follow
    the answer's cursor until total is below the limit."""

    def card(n: int) -> dict[str, object]:
        return {"nmID": n, "vendorCode": f"v{n}", "title": f"t{n}", "updatedAt": "2026-01-01T00:00:00Z",
                "sizes": [{"chrtID": 10 + n, "techSize": "0", "skus": [f"bc{n}"]}]}  # fmt: skip

    answers = [
        {"cards": [card(1), card(2)], "cursor": {"updatedAt": "2026-01-01T00:00:00Z", "nmID": 2, "total": 2}},
        {"cards": [card(3)], "cursor": {"updatedAt": "2026-01-01T00:00:00Z", "nmID": 3, "total": 1}},
    ]  # fmt: skip
    route = respx.post(f"{BASE}/content/v2/get/cards/list").mock(
        side_effect=[respx.MockResponse(json=answer) for answer in answers]
    )
    wb = _wb(sleep)
    wb.cards_page_size = 2  # type: ignore[misc]
    found = [page async for page in wb.fetch("products", _window())]
    await wb.aclose()
    sent = [json.loads(call.request.content)["settings"] for call in route.calls]
    assert [s["filter"] for s in sent] == [{"withPhoto": -1}] * 2
    assert [s["cursor"] for s in sent] == [
        {"limit": 2},
        {"limit": 2, "updatedAt": "2026-01-01T00:00:00Z", "nmID": 2},
    ]
    assert [len(p.records) for p in found] == [2, 1] and found[-1].resume is None


async def test_each_method_family_waits_for_its_own_budget(sleep: RecordingSleep) -> None:
    """Tasks, warehouses, stocks and cancelling have separate budgets (03-orders-fbs.yaml,
    02-products.yaml): 20 task requests in a burst do not hold back a warehouse read."""
    with respx.mock:
        respx.post(f"{BASE}/api/v3/orders/status").respond(json={"orders": []})
        respx.get(f"{BASE}/api/v3/warehouses").respond(json=[])
        respx.patch(f"{BASE}/api/v3/orders/1/cancel").respond(204)
        wb = _wb(sleep)
        for _ in range(21):
            await wb.declared("order_status").by_ids([1]).records()
        assert len(sleep.waits) == 1  # the 21st task request waits for the orders bucket
        await wb._warehouses()
        assert (await wb.cancel(OrderRef("1"))).ok
        await wb.aclose()
    assert len(sleep.waits) == 1


def test_a_task_amount_goes_with_its_own_currency() -> None:
    """price/currencyCode are the sale currency, convertedPrice/convertedCurrencyCode the
    seller's: without a converted price the sale currency labels the sale price."""
    task = {"id": 1, "orderUid": "u", "rid": "r", "createdAt": "2026-01-01T00:00:00Z",
            "article": "a", "nmId": 1, "chrtId": 2, "price": 1014, "currencyCode": 933,
            "convertedCurrencyCode": 643, "supplierStatus": "new"}  # fmt: skip
    schema = WildberriesConnector.load_mapping(account("wildberries"))
    (order,) = schema.map_page("order", [task], "acc-1", observed_at=NOW).records
    assert isinstance(order, OrderRecord)
    assert (order.currency, order.total) == ("BYN", Decimal("10.14"))
    converted = {**task, "convertedPrice": 28322}
    (order,) = schema.map_page("order", [converted], "acc-1", observed_at=NOW).records
    assert isinstance(order, OrderRecord)
    assert (order.currency, order.total) == ("RUB", Decimal("283.22"))


def _window() -> FetchWindow:
    return FetchWindow(since=NOW - timedelta(minutes=10), until=NOW)


@respx.mock
async def test_a_supply_takes_one_warehouse_and_one_cargo_type(sleep: RecordingSleep) -> None:
    """03-orders-fbs.yaml: "Поставку можно собрать только из сборочных заданий одного
    габаритного типа cargoType" and "В поставку нельзя добавить сборочные задания,
    поступившие на разные склады": tasks of a day share a supply per warehouse and type."""
    created = respx.post(f"{BASE}/api/v3/supplies").mock(
        side_effect=[respx.MockResponse(201, json={"id": f"WB-GI-{n}"}) for n in (1, 2, 3)]
    )
    added = respx.patch(url__regex=r".*/api/marketplace/v3/supplies/WB-GI-\d/orders").respond(204)
    wb = _wb(sleep)
    tasks = [("1", 658434, 1), ("2", 658434, 2), ("3", 700000, 1), ("4", 658434, 1)]
    supplies = [
        (await wb.confirm(OrderRef(task, raw={"warehouseId": wh, "cargoType": cargo}))).details[
            "supply_id"
        ]
        for task, wh, cargo in tasks
    ]
    await wb.aclose()
    assert supplies == ["WB-GI-1", "WB-GI-2", "WB-GI-3", "WB-GI-1"]
    assert created.call_count == 3 and added.call_count == 4

"""The [returns] sections of the built-in mappings, applied to the official examples.

Sources: WB ``specs/12-reports.yaml`` ``/api/v1/analytics/goods-return`` (every field's
``example`` as one row); Ozon ``swagger.json`` ``POST /v1/returns/list`` (the 200 example);
YM ``openapi/components/schemas/ReturnDTO.yaml`` (no example: ``fixtures/ym_returns.json``
follows the schema).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mpsync.finance.records import ReturnLine, ReturnRecord
from mpsync.mapping import load_mapping
from tests.finance.test_finance_mapping import load


def returns(mapping: str, rows: list[dict[str, Any]]) -> list[ReturnRecord]:
    page = load_mapping(mapping).map_page("return", rows, "acc")
    assert page.failures == []
    return [r for r in page.records if isinstance(r, ReturnRecord)]  # type: ignore[misc]


def test_wildberries_goods_return_row() -> None:
    [record] = returns("wildberries", load("wb_goods_return_official.json")["report"])
    assert record.external_id == "ad3817664d3046c5a8d55054d8be96d6-23411783472"
    assert record.order_external_id == "2034240826"  # orderId: the assembly task
    assert (record.kind, record.reason, record.state) == ("full", "Цвет", "В пути в пвз")
    assert record.created_at == datetime(2024, 8, 25, 21, tzinfo=UTC)  # orderDt, Moscow
    assert record.source_updated_at == datetime(2025, 3, 31, 8, 33, 53, tzinfo=UTC)
    assert record.lines == (ReturnLine(marketplace_sku="12862181", quantity=1),)
    assert record.refund_amount is None  # the report carries no money


def test_ozon_official_return() -> None:
    [record] = returns("ozon", load("ozon_returns_list_official.json")["returns"])
    assert (record.external_id, record.order_external_id) == ("1000015552", "58544282-0057-1")
    assert record.kind == "unredeemed"  # FullReturn: "полный отказ при вручении"
    assert record.reason == "Покупатель отказался при вручении: недоволен качеством товара"
    assert (record.state, record.refund_amount) == ("ArrivedAtReturnPlace", Decimal("3318"))
    assert record.lines == (ReturnLine(sku="81451", marketplace_sku="1100526203", quantity=1,
                                       amount=Decimal("3318")),)  # fmt: skip
    assert record.created_at == datetime(2024, 7, 29, 6, 15, 48, 998146, tzinfo=UTC)


def test_yandex_market_returns_and_unredeemed() -> None:
    back, unredeemed = returns("yandex_market", load("ym_returns.json")["result"]["returns"])
    assert (back.kind, back.order_external_id, back.refund_amount, back.currency) == (
        "full",
        "123456790",
        Decimal("1500.00"),
        "RUB",
    )
    assert (back.reason, back.state) == ("BAD_QUALITY", "REFUNDED")
    assert back.lines == (ReturnLine(sku="LAMP-1", marketplace_sku="100501", quantity=1),)
    assert back.created_at == datetime(2020, 2, 2, 11, 30, 30, tzinfo=UTC)
    assert (unredeemed.kind, unredeemed.refund_amount) == ("unredeemed", None)


def test_a_return_type_no_rule_knows_is_a_dead_letter_naming_it() -> None:
    row = {**load("ozon_returns_list_official.json")["returns"][0], "type": "BrandNewType"}
    page = load_mapping("ozon").map_page("return", [row], "acc")
    assert page.records == []
    assert "BrandNewType" in page.failures[0].reason


def test_ozon_rfbs_return_request() -> None:
    """Shaped by ReturnsRfbsListResponseReturns of the swagger (no example given there):
    return_id, state, product with its price as text; the connector drops client_name."""
    row = {"created_at": "2026-11-10T10:00:00Z", "order_number": "1234-5678",
           "posting_number": "1234-5678-1", "return_id": 77, "return_number": "R-77",
           "product": {"name": "Кружка", "offer_id": "MUG-1", "currency_code": "RUB",
                       "price": "450.00", "sku": 555},
           "state": {"group_state": "New", "money_return_state_name": "",
                     "state": "CREATED", "state_name": "Создана"}}  # fmt: skip
    [record] = returns("ozon", [row])
    assert (record.external_id, record.order_external_id, record.kind) == (
        "rfbs-77",
        "1234-5678-1",
        "full",
    )
    assert (record.state, record.refund_amount) == ("CREATED", Decimal("450.00"))
    assert record.lines == (ReturnLine(sku="MUG-1", marketplace_sku="555", quantity=1,
                                       amount=Decimal("450.00")),)  # fmt: skip
    assert record.created_at == datetime(2026, 11, 10, 10, tzinfo=UTC)

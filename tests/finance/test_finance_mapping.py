"""The [finance] sections of the built-in mappings, applied to the official examples.

Sources:
* WB: eslazarev/wildberries-sdk:specs/13-finances.yaml, components/schemas/DetailReportItem
  (every ``example`` of the schema, as one row: ``fixtures/wb_report_detail_official.json``).
* Ozon: salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json,
  POST /v3/finance/transaction/list, the 200 example.
* YM: yandex-market/yandex-market-partner-api:openapi/components/schemas/OrdersStats*.yaml
  (the spec has no example: ``fixtures/ym_stats_orders.json`` follows the schema).
Every figure below is worked out by hand from the fixture.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mpsync.finance.records import FinanceEntryRecord
from mpsync.finance.sections import MappedMoneyPage
from mpsync.mapping import load_mapping
from mpsync.mapping.loader import MappingFileError

FIXTURES = Path(__file__).with_name("fixtures")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def entries(mapping: str, rows: list[dict[str, Any]]) -> MappedMoneyPage:
    page = load_mapping(mapping).map_page("finance", rows, "acc")
    assert isinstance(page, MappedMoneyPage)
    assert page.failures == []
    return page


def by_kind(records: list[Any]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for entry in records:
        assert isinstance(entry, FinanceEntryRecord)
        totals[entry.kind] = totals.get(entry.kind, Decimal(0)) + entry.amount
    return totals


def test_wildberries_official_report_row() -> None:
    page = entries("wildberries", load("wb_report_detail_official.json"))
    assert by_kind(page.records) == {
        "sale": Decimal("367.00"),  # retail_amount
        "commission": Decimal("9.99"),  # ppvz_for_pay 376.99 − retail_amount 367
        "storage": Decimal("-12647.29"),
        "acceptance": Decimal("-865.00"),
        "penalty": Decimal("-231.35"),
        "other": Decimal("-6354.00"),  # deduction, named by bonus_type_name
    }
    assert sum(e.amount for e in page.records) == Decimal("-19720.65")  # type: ignore[union-attr]
    first = page.records[0]
    assert isinstance(first, FinanceEntryRecord)
    assert first.order_external_id == "2816993144"  # assembly_id: the FBS task
    assert first.sku == "MAB123" and first.marketplace_sku == "1234567"
    assert first.occurred_at == datetime(2022, 10, 19, 21, tzinfo=UTC)  # rr_dt, Moscow
    assert first.currency == "RUB"  # currency_name "руб"
    assert first.source_id == "1232610467"
    assert page.unknown_operations == []


def test_wildberries_return_and_logistics_rows() -> None:
    base = load("wb_report_detail_official.json")[0]
    zero = {k: 0 for k in ("penalty", "storage_fee", "deduction", "acceptance", "retail_amount",
                           "ppvz_for_pay", "delivery_rub", "additional_payment")}  # fmt: skip
    back = {**base, **zero, "rrd_id": 2, "doc_type_name": "Возврат", "supplier_oper_name":
            "Возврат", "retail_amount": Decimal("367"), "ppvz_for_pay": Decimal("376.99")}  # fmt: skip
    there = {**base, **zero, "rrd_id": 3, "doc_type_name": "", "supplier_oper_name":
             "Логистика", "delivery_rub": Decimal("50.5"), "delivery_amount": 1}  # fmt: skip
    home = {**base, **zero, "rrd_id": 4, "doc_type_name": "", "supplier_oper_name": "Логистика",
            "delivery_rub": Decimal("33"), "return_amount": 1}  # fmt: skip
    odd = {**base, **zero, "rrd_id": 5, "doc_type_name": "", "supplier_oper_name":
           "Новая операция", "ppvz_for_pay": Decimal("10")}  # fmt: skip
    page = entries("wildberries", [back, there, home, odd])
    assert by_kind(page.records) == {
        "return": Decimal("-367.00"), "commission": Decimal("-9.99"),
        "logistics": Decimal("-50.50"), "reverse_logistics": Decimal("-33.00"),
        "other": Decimal("10.00"),
    }  # fmt: skip
    assert page.unknown_operations == ["Новая операция"]


def test_ozon_official_transaction() -> None:
    body = load("ozon_transaction_list_official.json")
    page = entries("ozon", body["result"]["operations"])
    [entry] = page.records
    assert isinstance(entry, FinanceEntryRecord)
    assert (entry.kind, entry.amount, entry.operation) == (
        "advertising",
        Decimal("-6.46"),
        "MarketplaceMarketingActionCostOperation",
    )
    assert entry.order_external_id is None  # posting_number "" names no posting
    assert entry.occurred_at == datetime(2021, 10, 31, 21, tzinfo=UTC)


def test_ozon_sale_splits_into_its_parts_and_adds_up_to_amount() -> None:
    sale = {
        "operation_id": 1, "operation_type": "OperationAgentDeliveredToCustomer",
        "operation_date": "2026-11-03 10:00:00", "operation_type_name": "Доставка покупателю",
        "delivery_charge": 0, "return_delivery_charge": 0,
        "accruals_for_sale": Decimal("1000.00"), "sale_commission": Decimal("-150.00"),
        "amount": Decimal("775.00"), "type": "orders",
        "posting": {"delivery_schema": "FBS", "order_date": "2026-11-01 10:00:00",
                    "posting_number": "0123-0001-1", "warehouse_id": 1},
        "items": [{"name": "Кружка", "sku": 555}],
        "services": [{"name": "MarketplaceServiceItemDirectFlowLogistic", "price": Decimal("-60")},
                     {"name": "MarketplaceServiceItemDelivToCustomer", "price": Decimal("-15")}],
    }  # fmt: skip
    page = entries("ozon", [sale])
    assert by_kind(page.records) == {"sale": Decimal("1000.00"), "commission": Decimal("-150.00"),
                                     "logistics": Decimal("-75.00")}  # fmt: skip
    assert {e.order_external_id for e in page.records} == {"0123-0001-1"}  # type: ignore[union-attr]
    assert {e.marketplace_sku for e in page.records} == {"555"}  # type: ignore[union-attr]


def test_yandex_market_order_stats() -> None:
    body = load("ym_stats_orders.json")
    page = entries("yandex_market", body["result"]["orders"])
    delivered = [e for e in page.records if e.order_external_id == "123456789"]  # type: ignore[union-attr]
    returned = [e for e in page.records if e.order_external_id == "123456790"]  # type: ignore[union-attr]
    assert by_kind(delivered) == {
        "sale": Decimal("971.00"),  # 900 BUYER + 51 CASHBACK + 20 MARKETPLACE
        "commission": Decimal("-106.81"),  # FEE 97.10 + AGENCY 9.71
        "logistics": Decimal("-75.00"),  # DELIVERY_TO_CUSTOMER 60 + SORTING 15
        "compensation": Decimal("12.34"),  # subsidy ACCRUAL
    }
    assert sum(e.amount for e in delivered) == Decimal("801.53")  # type: ignore[union-attr]
    assert by_kind(returned) == {"sale": Decimal("1500.00"), "return": Decimal("-1500.00"),
                                 "commission": Decimal("-150.00"),
                                 "reverse_logistics": Decimal("-30.00"),
                                 "other": Decimal("-1.01")}  # fmt: skip
    assert page.unknown_operations == ["NEW_SERVICE_NOBODY_KNOWS"]
    sale = next(e for e in delivered if e.kind == "sale")  # type: ignore[union-attr]
    assert sale.sku == "MUG-1" and sale.currency == "RUB"  # type: ignore[union-attr]
    assert sale.occurred_at == datetime(2026, 11, 5, 9, 30, tzinfo=UTC)  # type: ignore[union-attr]


def test_a_replayed_row_maps_to_the_same_entries() -> None:
    rows = load("wb_report_detail_official.json")
    first = entries("wildberries", rows).records
    again = entries("wildberries", rows).records
    assert first == again
    assert len({e.external_id for e in first}) == len(first)  # type: ignore[union-attr]


def test_a_bad_finance_section_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[meta]\nmarketplace = "x"\n[finance]\nid = "a"\noccurred_at = "b"\n'
                   '[[finance.amounts]]\npath = "c"\nkind = "fees"\n'
                   '[finance.operations]\nX = "profit"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(MappingFileError) as caught:
        load_mapping(str(bad))
    text = str(caught.value)
    assert "finance.amounts[0].kind: 'fees' is not a kind" in text
    assert "finance.operations.'X': 'profit' is not a kind" in text

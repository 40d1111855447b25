"""The mapping engine: types, currencies, zones, customers, statuses, file validation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mpsync.domain.models import OrderRecord, PriceRecord, StockRecord
from mpsync.domain.status import OrderStatus
from mpsync.mapping import MappingFileError, load_mapping
from mpsync.mapping.convert import currency, kopecks, phone, to_datetime, to_decimal

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
MINIMAL = """
[order.status]
path = "st"
substatus_path = "sub"
[order.status.map]
A = "new"
"B/x" = "shipped"
"*/gone" = "cancelled"
H = "keep"
[order.fields]
external_id = { path = "id", type = "str" }
created_at = { path = "at", format = "%d-%m-%Y %H:%M:%S", zone = "Europe/Moscow" }
source_updated_at = { from = "observed_at" }
currency = { path = "cur", type = "currency", default = "RUB" }
items_total = { path = "sum", type = "kopecks" }
total = { path = "sum", type = "kopecks", transform = "shout" }
[order.customer.fields]
phone = "tel"
email = "mail"
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _schema(tmp_path: Path, text: str = MINIMAL):  # type: ignore[no-untyped-def]
    return load_mapping(_write(tmp_path, text), transforms={"shout": lambda v: v})


def test_types_currencies_and_times() -> None:
    assert kopecks(504600) == Decimal("5046.00")
    assert to_decimal({"amount": "499.9", "currency": "RUB"}) == Decimal("499.90")
    assert to_decimal("1530.0000") == Decimal("1530.00")
    assert [currency(c) for c in (643, "RUR", "rub", 933)] == ["RUB", "RUB", "RUB", "BYN"]
    moscow = to_datetime(
        "2022-03-04T18:08:31", zone=__import__("zoneinfo").ZoneInfo("Europe/Moscow")
    )
    assert moscow == datetime(2022, 3, 4, 15, 8, 31, tzinfo=UTC)
    assert to_datetime("2021-01-26T06:56:36.294Z").tzinfo == UTC
    assert phone("8 (916) 123-45-67") == "+79161234567" and phone("12") is None


def test_a_naive_time_without_a_zone_fails_the_record(tmp_path: Path) -> None:
    schema = _schema(tmp_path, MINIMAL.replace(', zone = "Europe/Moscow"', ""))
    raw = {"id": 1, "st": "A", "at": "23-09-2022 09:12:41", "sum": 100}
    mapped = schema.map_page("order", [raw], "a", observed_at=NOW)
    assert mapped.records == []
    assert mapped.failures[0].field == "created_at" and "time zone" in mapped.failures[0].reason


def test_statuses_substatus_wildcard_keep_and_unknown(tmp_path: Path) -> None:
    schema = _schema(tmp_path)
    base = {"id": 1, "at": "23-09-2022 09:12:41", "sum": 12345, "cur": 643}
    rows = [
        {**base, "st": "A"},
        {**base, "st": "B", "sub": "x"},
        {**base, "st": "Z", "sub": "gone"},
        {**base, "st": "H"},
        {**base, "st": "B", "sub": "y"},
        {**base, "st": "Q"},
    ]
    mapped = schema.map_page("order", rows, "acc", observed_at=NOW)
    statuses = [r.status for r in mapped.records]  # type: ignore[union-attr]
    assert statuses == [
        OrderStatus.NEW,
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
        None,
        None,
        None,
    ]
    assert mapped.unknown_statuses == ["B/y", "Q"]
    first = mapped.records[0]
    assert isinstance(first, OrderRecord)
    assert first.created_at == datetime(2022, 9, 23, 6, 12, 41, tzinfo=UTC)
    assert first.total == Decimal("123.45") and first.currency == "RUB"
    assert first.source_updated_at == NOW and first.raw["id"] == 1


def test_customer_phone_e164_and_email_lowercase(tmp_path: Path) -> None:
    schema = _schema(tmp_path)
    raw = {
        "id": 1,
        "st": "A",
        "at": "23-09-2022 09:12:41",
        "sum": 1,
        "tel": "8 916 123 45 67",
        "mail": " Ivan@Example.RU ",
    }
    order = schema.map_one("order", raw, "acc", observed_at=NOW)
    assert isinstance(order, OrderRecord) and order.customer is not None
    assert (order.customer.phone, order.customer.email) == ("+79161234567", "ivan@example.ru")
    assert order.customer.identity == "phone:+79161234567"


def test_every_problem_is_reported_with_file_key_and_fix(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'total = { path = "sum", type = "kopecks", transform = "shout" }',
        'total = { path = "sum[", type = "money", transform = "nope" }\nfoo = "x"',
    )
    path = _write(tmp_path, text + "\n[order.status.extra]\n[weird]\n")
    with pytest.raises(MappingFileError) as caught:
        load_mapping(path, documented_statuses={"A", "B", "C"})
    problems = caught.value.problems
    joined = "\n".join(problems)
    for expected in (
        "order.fields.total.path: bad JMESPath",
        "unknown type 'money'",
        "unknown transform 'nope'",
        "order.fields.foo: unknown target field",
        "weird: unknown section",
        "order.status.map.C: documented marketplace status",
    ):
        assert expected in joined, joined
    assert all(p.startswith(path) and "fix:" in p for p in problems)


def test_missing_required_field_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping(
            _write(tmp_path, MINIMAL.replace("external_id", "# external_id")),
            transforms={"shout": str},
        )
    assert any(
        "order.fields.external_id: required field is not mapped" in p for p in caught.value.problems
    )
    with pytest.raises(MappingFileError, match=r"known: .*ozon"):
        load_mapping("amazon")


def test_builtin_stock_and_price_sections() -> None:
    ozon = load_mapping("ozon")
    row = {
        "product_id": 1,
        "sku": 147451939,
        "updated_at": "2021-09-01T14:15:22Z",
        "warehouse_id": 22142605386000,
        "present": 7,
        "reserved": 2,
    }
    stock = ozon.map_one("stock", row, "acc")
    assert isinstance(stock, StockRecord)
    assert (stock.sku, stock.warehouse, stock.on_hand, stock.reserved) == (
        "147451939",
        "22142605386000",
        7,
        2,
    )
    ym = load_mapping("yandex_market")
    price = ym.map_one(
        "price",
        {"offerId": "SKU-1", "price": {"value": 590, "currencyId": "RUR", "discountBase": 790}},
        "acc",
    )
    assert isinstance(price, PriceRecord)
    assert (price.price, price.old_price, price.currency) == (Decimal(590), Decimal(790), "RUB")

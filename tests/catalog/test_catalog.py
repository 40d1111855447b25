"""The product catalogue: the `[product]` mapping section, the per-page merge of ids,
names filled into order lines, and ``resolve`` refusing unbound SKUs (SQLite, PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from mpsync.catalog import UnboundSkuError, resolve
from mpsync.domain import OrderLineRecord, OrderRecord, OrderStatus, ProductRecord
from mpsync.mapping import MappedPage, MappingFileError, load_mapping
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
PRODUCT_SECTION = """
[product.fields]
sku = "vendorCode"
name = "title"
barcodes = "sizes[].skus[]"
source_updated_at = "updatedAt"

[product.ids]
nmID = "nmID"
chrtId = "sizes[0].chrtID"
"""


def _schema(tmp_path: Path, text: str = PRODUCT_SECTION) -> Any:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(str(path))


def test_the_product_section_maps_ids_by_name_and_barcodes_as_a_list(tmp_path: Path) -> None:
    schema = _schema(tmp_path)
    card = {"vendorCode": "SKU-1", "nmID": 12345678, "title": "Кружка",
            "updatedAt": "2026-11-01T09:00:00Z",
            "sizes": [{"chrtID": 987, "skus": ["460000000001", "460000000002"]},
                      {"chrtID": 988, "skus": ["460000000001"]}]}  # fmt: skip
    record = schema.map_one("product", card, "wb")
    assert record == ProductRecord(
        account_id="wb", sku="SKU-1", name="Кружка",
        barcodes=("460000000001", "460000000002"), ids={"nmID": "12345678", "chrtId": "987"},
        source_updated_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    # An id the record lacks is left out, not stored empty; no barcodes is an empty tuple.
    bare = schema.map_one("product", {"vendorCode": "SKU-2", "nmID": 5}, "wb")
    assert isinstance(bare, ProductRecord)
    assert bare.ids == {"nmID": "5"} and bare.barcodes == () and bare.name is None
    page = schema.map_page("product", [{"nmID": 7}], "wb")
    assert page.failures and page.failures[0].field == "sku"


def test_the_product_section_is_validated_with_key_and_fix(tmp_path: Path) -> None:
    broken = PRODUCT_SECTION.replace('chrtId = "sizes[0].chrtID"', '"chrt id" = "x"')
    broken += "colour = 1\n"
    with pytest.raises(MappingFileError) as info:
        _schema(tmp_path, broken.replace("[product.fields]", "[product.fields]\nprice = 'p'"))
    problems = "\n".join(info.value.problems)
    assert "product.fields.price: unknown target field" in problems
    assert "product.ids.chrt id: not an id name" in problems


def _account(store: Engine, account: str = "wb") -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": account,  # type: ignore[attr-defined]
                    "marketplace": "wildberries", "created_at": T1}], ["id"], update=[],
                    returning=None)  # fmt: skip


def _write(store: Engine, records: list[Any], record_type: str = "product",
           at: datetime = T1) -> Any:  # fmt: skip
    target = PageTarget("wb", "wildberries", "prices", record_type, notify=True)
    with store.begin() as connection:
        return write_page(connection, None, target, MappedPage(records=records), now=at)


def _product(sku: str, **values: Any) -> ProductRecord:
    return ProductRecord(account_id="wb", sku=sku, **values)


def _order(external_id: str, *skus: str, name: str | None = None) -> OrderRecord:
    lines = tuple(
        OrderLineRecord(line_no=i, sku=sku, name=name, quantity=1, unit_price=Decimal(10),
                        total=Decimal(10))
        for i, sku in enumerate(skus, start=1)
    )  # fmt: skip
    return OrderRecord(
        account_id="wb", external_id=external_id, status=OrderStatus.NEW,
        marketplace_status="new", created_at=T1, source_updated_at=T1, currency="RUB",
        items_total=Decimal(10), total=Decimal(10), lines=lines,
    )  # fmt: skip


def _ids(store: Engine) -> dict[str, dict[str, str]]:
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.sku, i.name, i.value FROM product_ids i JOIN products p"
            " ON p.id = i.product_id ORDER BY p.sku, i.name"
        )).all()  # fmt: skip
    found: dict[str, dict[str, str]] = {}
    for sku, name, value in rows:
        found.setdefault(sku, {})[name] = value
    return found


def test_a_read_that_lacks_an_id_name_or_barcodes_erases_nothing(store: Engine) -> None:
    _account(store)
    counts = _write(store, [_product("A", name="Mug", barcodes=("111",),
                                     ids={"nmID": "1", "chrtId": "10"})])  # fmt: skip
    assert (counts.inserted, counts.updated) == (1, 0)
    # The prices read knows the nmID and a new chrtId, but no name, barcodes or other id.
    counts = _write(store, [_product("A", ids={"chrtId": "11"}), _product("B", ids={"nmID": "2"})])
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 0)
    assert _ids(store) == {"A": {"chrtId": "11", "nmID": "1"}, "B": {"nmID": "2"}}
    binding = resolve(store, "wb", ["A"])["A"]
    assert (binding.name, binding.barcodes) == ("Mug", ("111",))
    # The same read again changes nothing: one statement per table, nothing rewritten.
    counts = _write(store, [_product("A", ids={"chrtId": "11"}), _product("B", ids={"nmID": "2"})])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 2)


def test_order_lines_take_their_missing_names_from_the_catalogue(store: Engine) -> None:
    _account(store)
    # WB tasks carry no product names: an order read before the catalogue has none.
    _write(store, [_order("1", "A", "B")], "order")
    _write(store, [_product("A", name="Mug", ids={"nmID": "1"})])
    # An order read after it takes the name, in its lines and in its notification payload.
    _write(store, [_order("2", "A")], "order")
    # A line's own name fills a catalogue that has none, and never replaces one.
    _write(store, [_order("3", "A", "B", name="from the order")], "order")
    with store.connect() as connection:
        lines = connection.execute(text(
            "SELECT o.external_id, l.sku, l.name FROM order_lines l JOIN orders o"
            " ON o.id = l.order_id ORDER BY o.external_id, l.line_no"
        )).all()  # fmt: skip
        names = dict(connection.execute(text("SELECT sku, name FROM products")).all())
        payload = connection.execute(text(
            "SELECT payload FROM domain_events WHERE key = 'wb:2:order.created'"
        )).scalar_one()  # fmt: skip
    assert [tuple(row) for row in lines] == [
        ("1", "A", "Mug"), ("1", "B", None), ("2", "A", "Mug"),
        ("3", "A", "from the order"), ("3", "B", "from the order"),
    ]  # fmt: skip
    assert names == {"A": "Mug", "B": "from the order"}
    assert '"name":"Mug"' in payload.replace(" ", "")


def test_resolve_refuses_an_unbound_sku_naming_it_and_the_command(store: Engine) -> None:
    _account(store)
    _write(store, [_product("A", ids={"nmID": "1"}), _product("C", name="no ids yet")])
    assert resolve(store, "wb", ["A"])["A"].ids == {"nmID": "1"}
    for sku in ("C", "never-seen"):
        with pytest.raises(UnboundSkuError) as info:
            resolve(store, "wb", ["A", sku], stream="prices")
        message = str(info.value)
        assert f"SKU {sku!r}" in message and "mpsync sync --account wb --stream prices" in message
        assert "\n" not in message
    # A write-back that needs a chrtId refuses a SKU bound only by its nmID.
    with pytest.raises(UnboundSkuError, match="has no chrtId"):
        resolve(store, "wb", ["A"], require=("chrtId",))


def test_an_unchanged_catalogue_read_does_not_touch_order_lines(store: Engine) -> None:
    _account(store)
    _write(store, [_product("A", name="Mug", ids={"nmID": "1"})])
    _write(store, [_order("1", "A")], "order")
    with store.begin() as connection:
        connection.execute(text("UPDATE order_lines SET name = NULL"))
    # Nothing about A changed: its lines are not scanned again (a renamed product is).
    _write(store, [_product("A", name="Mug")], at=T1 + timedelta(hours=1))
    with store.connect() as connection:
        assert connection.execute(text("SELECT name FROM order_lines")).scalar_one() is None
    _write(store, [_product("A", name="Big mug")], at=T1 + timedelta(hours=2))
    with store.connect() as connection:
        assert connection.execute(text("SELECT name FROM order_lines")).scalar_one() == "Big mug"

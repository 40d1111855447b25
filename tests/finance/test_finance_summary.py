"""``mpsync finance summary`` and ``products costs`` over a fixture period, every figure
worked out by hand below.

The entries are the YM order stats fixture (``fixtures/ym_stats_orders.json``, shaped by
OrdersStats*.yaml of yandex-market/yandex-market-partner-api) mapped by the built-in
mapping and stored as the finance stream stores them:

order 123456789, DELIVERED 2026-11-05: sale MUG-1 ×2 971.00 (900 + 51 + 20), commission
−97.10 −9.71, logistics −60.00 −15.00, compensation +12.34 → payout 801.53;
order 123456790, RETURNED 2026-11-20: sale LAMP-1 ×1 1500.00, return −1500.00, commission
−150.00, reverse logistics −30.00, other −1.01 (an unknown service) → payout −181.01.

November: revenue 2471.00, returns −1500.00, payout 620.52. Costs: MUG-1 300.00 from
2026-10-01 and 320.00 from 2026-11-10 (the sale on 11-05 uses 300.00), LAMP-1 700.00 from
2026-11-01 (sold and returned: 0). COGS 2 × 300.00 = 600.00; margin 20.52; margin %
20.52 / 2471.00 = 0.83.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.config import load_config
from mpsync.finance.store import write_entries
from mpsync.mapping import load_mapping
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.store.tables import Account
from tests.finance.test_finance_mapping import load

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "mpsync.toml"
    path.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "store.db"}"

[display]
timezone = "Europe/Moscow"

[[accounts]]
id = "ym"
marketplace = "yandex_market"
api_key = "k"
business_id = 1
campaign_ids = [2]
""", encoding="utf-8")  # fmt: skip
    engine = create_store_engine(load_config(path).store.url, create=True)
    upgrade(engine)
    orders = load("ym_stats_orders.json")["result"]["orders"]
    page = load_mapping("yandex_market").map_page("finance", orders, "ym")
    with engine.begin() as connection:
        connection.execute(Account.__table__.insert(), [  # type: ignore[attr-defined]
            {"id": "ym", "marketplace": "yandex_market", "created_at": NOW}])  # fmt: skip
        write_entries(connection, "ym", page.records, NOW)  # type: ignore[arg-type]
    engine.dispose()
    costs = tmp_path / "costs.csv"
    costs.write_text("sku,cost,valid_from\nMUG-1,300.00,2026-10-01\nMUG-1,320,2026-11-10\n"
                     "LAMP-1,700,2026-11-01\n", encoding="utf-8")  # fmt: skip
    imported = CliRunner().invoke(app, ["products", "costs", "import", str(costs), "--config",
                                        str(path), "--json"])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"rows": 3, "inserted": 3, "updated": 0, "unchanged": 0}
    return path


def run(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_summary_json_equals_the_figures_worked_out_by_hand(config: Path) -> None:
    assert run(config, "finance", "summary", "--period", "2026-11", "--json") == {
        "period": "2026-11", "account": None, "currency": "RUB",
        "revenue": "2471.00", "returns": "-1500.00", "payout": "620.52", "cogs": "600.00",
        "margin": "20.52", "margin_pct": "0.83",
        "fees": {"commission": "-256.81", "logistics": "-75.00", "reverse_logistics": "-30.00",
                 "compensation": "12.34", "other": "-1.01"},
        "costs_missing": [],
    }  # fmt: skip
    one = run(config, "finance", "summary", "--period", "2026-11", "--account", "ym", "--json")
    assert one["account"] == "ym" and one["payout"] == "620.52"
    october = run(config, "finance", "summary", "--period", "2026-10", "--json")
    assert (october["payout"], october["revenue"], october["fees"]) == ("0.00", "0.00", {})


def test_summary_by_order_and_by_day(config: Path) -> None:
    orders = run(config, "finance", "summary", "--period", "2026-11", "--by", "order", "--json")
    assert [(o["order"], o["revenue"], o["returns"], o["payout"], o["cogs"], o["margin"],
             o["margin_pct"]) for o in orders] == [
        ("123456789", "971.00", "0.00", "801.53", "600.00", "201.53", "20.75"),
        ("123456790", "1500.00", "-1500.00", "-181.01", "0.00", "-181.01", "-12.07"),
    ]  # fmt: skip
    days = run(config, "finance", "summary", "--period", "2026-11", "--by", "day", "--json")
    assert [(d["day"], d["payout"]) for d in days] == [("2026-11-05", "801.53"),
                                                       ("2026-11-20", "-181.01")]  # fmt: skip
    skus = run(config, "finance", "summary", "--period", "2026-11", "--by", "sku", "--json")
    by_sku = {s["sku"]: (s["revenue"], s["cogs"]) for s in skus}
    assert by_sku["MUG-1"] == ("971.00", "600.00")
    assert by_sku["LAMP-1"] == ("1500.00", "0.00")  # sold and taken back


def test_a_cost_missing_leaves_the_margin_unknown(config: Path, tmp_path: Path) -> None:
    engine = create_store_engine(load_config(config).store.url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM product_costs WHERE sku = 'MUG-1'")
    engine.dispose()
    result = run(config, "finance", "summary", "--period", "2026-11", "--json")
    assert (result["cogs"], result["margin"], result["margin_pct"]) == (None, None, None)
    assert result["costs_missing"] == ["MUG-1"]
    assert result["payout"] == "620.52"


def test_costs_keep_their_history_and_csv_prints(config: Path) -> None:
    assert run(config, "products", "costs", "list", "--sku", "MUG-1", "--json") == [
        {"sku": "MUG-1", "valid_from": "2026-10-01", "cost": "300.00", "currency": "RUB"},
        {"sku": "MUG-1", "valid_from": "2026-11-10", "cost": "320.00", "currency": "RUB"},
    ]
    text = run(config, "finance", "summary", "--period", "2026-11", "--csv")
    header, row = text.splitlines()[:2]
    assert header.startswith("period,account,currency,revenue,returns,payout,cogs,margin")
    assert row.startswith("2026-11,,RUB,2471.00,-1500.00,620.52,600.00,20.52,0.83")


def test_a_bad_cost_file_names_the_line(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,cost,valid_from\nMUG-1,abc,2026-10-01\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["products", "costs", "import", str(bad), "--config",
                                      str(config)])  # fmt: skip
    assert result.exit_code == 2
    assert "line 2: cost 'abc' is not a number" in result.output


def test_check_names_the_operations_no_rule_knows(config: Path) -> None:
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code != 0
    assert "finance operations ym" in result.output
    assert "NEW_SERVICE_NOBODY_KNOWS" in result.output


def test_reconcile_lists_missing_orders_and_fees_without_an_order(config: Path) -> None:
    """The stored YM entries name orders the store does not hold (no orders read): each
    fee is "fee without an order"; a report row the store lacks, of an order it has no
    entry of, is "missing order"; the payouts differ by that row."""
    from zoneinfo import ZoneInfo

    from mpsync.analytics.period import parse_period
    from mpsync.finance.reconcile import compare

    orders = load("ym_stats_orders.json")["result"]["orders"]
    extra = {**orders[0], "id": 999, "commissions": [], "subsidies": []}
    report = load_mapping("yandex_market").map_page("finance", [*orders, extra], "ym").records
    period = parse_period("2026-11", ZoneInfo("Europe/Moscow"), NOW.date())
    engine = create_store_engine(load_config(config).store.url)
    with engine.connect() as connection:
        result = compare(connection, "ym", period, report)  # type: ignore[arg-type]
    engine.dispose()
    assert not result["balanced"]
    assert (result["store_payout"], result["marketplace_payout"]) == ("620.52", "1591.52")
    kinds = sorted((d["type"], d["order"], d["kind"]) for d in result["differences"])
    assert kinds[0] == ("fee without an order", "123456789", "commission")
    assert ("missing order", "999", "sale") in kinds
    fees = [k for k in kinds if k[0] == "fee without an order"]
    assert len(fees) == 8  # 4 fees + 1 subsidy of one order, 3 fees of the other

"""Every KPI, funnel and SKU figure against values worked out by hand (see dataset.py),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from mpsync.analytics.funnel import funnel
from mpsync.analytics.kpi import kpis
from mpsync.analytics.period import Period, parse_period
from mpsync.analytics.skus import skus
from mpsync.analytics.sql import Scope
from tests.analytics import dataset

MSK = ZoneInfo(dataset.ZONE)
MARCH = parse_period("2026-03", MSK, date(2026, 4, 2))


@pytest.fixture
def loaded(store: Engine) -> Engine:
    dataset.load(store)
    return store


def test_kpis_of_the_month_and_the_previous_period(loaded: Engine) -> None:
    result = kpis(loaded, MARCH, Scope(), now=dataset.NOW)
    # O1 (created 21:30 UTC on Feb 28 = Mar 1 in Moscow) is in; O2 (Apr 1 local) is out.
    assert result["period"] == "2026-03"
    assert result["orders"] == 5  # O1 O3 O4 O5 O7, cancelled O3 included
    assert result["units"] == 11  # 2 + 3 + 5 + 1, not the cancelled O3
    assert result["revenue"] == "1600.00"  # 200 + 900 + 100 + 400
    assert result["aov"] == "400.00"  # 1600 / 4 orders not cancelled
    assert result["cancellation_rate"] == 0.2  # 1 / 5
    assert result["return_rate"] == 0.25  # O4 of the 4 not cancelled
    assert result["ship_by_compliance"] == 0.5  # O1 O5 on time; O4 late; O7 overdue
    assert result["processing_hours"] == {
        "to_confirmed": {"p50": 3.5, "p90": 5.4},  # 2 3 4 6
        "to_shipped": {"p50": 20.0, "p90": 28.0},  # 10 20 30
    }
    assert result["payout"] == "700.00"  # 1000 - 150 - 50 - 100; f6 is April locally
    assert result["net_revenue"] == "900.00"  # sale 1000 + return -100
    assert result["finance_entries"] == 4
    assert result["identified_share"] == 0.4  # O5, O7 of 5
    assert result["repeat_buyer_rate"] == 0.5  # customer 1 (O6 then O5), not customer 2
    previous = result["previous"]
    assert (previous["period"], previous["from"], previous["to"]) == (
        "2026-01-29..2026-02-28", "2026-01-29", "2026-02-28")  # fmt: skip
    assert (previous["orders"], previous["units"], previous["revenue"], previous["aov"]) == (
        1, 3, "300.00", "300.00")  # fmt: skip
    assert previous["cancellation_rate"] == 0.0 and previous["return_rate"] == 0.0
    assert previous["ship_by_compliance"] is None  # O6 had no ship-by
    assert previous["processing_hours"]["to_shipped"] == {"p50": 5.0, "p90": 5.0}
    assert (previous["payout"], previous["net_revenue"]) == ("300.00", "300.00")
    assert previous["repeat_buyer_rate"] == 0.0
    change = result["change"]
    assert change["orders"] == 4.0 and change["revenue"] == 4.3333
    assert change["cancellation_rate"] == 0.2 and change["ship_by_compliance"] is None


def test_kpis_per_account_and_marketplace(loaded: Engine) -> None:
    oz = kpis(loaded, MARCH, Scope(marketplace="ozon"), now=dataset.NOW)
    assert (oz["orders"], oz["units"], oz["revenue"], oz["payout"]) == (3, 9, "1400.00", "700.00")
    wb = kpis(loaded, MARCH, Scope(account="wb1"), now=dataset.NOW)
    assert (wb["orders"], wb["revenue"], wb["cancellation_rate"], wb["payout"]) == (
        2, "200.00", 0.5, "0.00")  # fmt: skip
    assert wb["finance_entries"] == 0  # sums of nothing: no finance rows for wb1 in March


def test_an_empty_period_has_no_rates_to_measure(loaded: Engine) -> None:
    empty = kpis(loaded, parse_period("2025-06", MSK, date(2026, 4, 2)), Scope(),
                 now=dataset.NOW)  # fmt: skip
    assert (empty["orders"], empty["revenue"], empty["aov"]) == (0, "0.00", None)
    assert empty["cancellation_rate"] is None and empty["payout"] == "0.00"


def test_status_funnel(loaded: Engine) -> None:
    result = funnel(loaded, MARCH, Scope())
    stages = {s["stage"]: s for s in result["stages"]}
    assert result["orders"] == 5
    assert [s["orders"] for s in result["stages"]] == [5, 4, 3, 3, 2, 0]
    assert stages["new"]["cancelled"] == 1  # O3 never left "new"
    assert stages["delivered"]["returned"] == 1  # O4
    assert sum(s["cancelled"] + s["returned"] for s in result["stages"]) == 2
    assert stages["confirmed"]["share"] == 0.8
    assert stages["confirmed"]["median_hours_from_previous"] == 2.5  # O1 2h, O7 3h
    assert stages["ready_to_ship"]["median_hours_from_previous"] is None  # none seen in both
    assert stages["shipped"]["median_hours_from_previous"] == 15.0  # O4 26h, O5 4h
    assert stages["delivered"]["median_hours_from_previous"] == 39.0  # O1 28h, O4 50h


def test_sku_figures(loaded: Engine) -> None:
    rows = {r["sku"]: r for r in skus(loaded, MARCH, Scope(), now=dataset.NOW)}
    assert list(rows) == ["B", "A", "C", "D"]  # by revenue
    b, a, c, d = rows["B"], rows["A"], rows["C"], rows["D"]
    assert (b["units"], b["revenue"], b["abc"]) == (3, "1200.00", "A")  # O3 cancelled: out
    assert (a["units"], a["revenue"], a["abc"]) == (3, "300.00", "A")  # 75 % before it
    assert (c["units"], c["revenue"], c["abc"]) == (5, "100.00", "B")  # 93.75 % before it
    assert (d["units"], d["revenue"], d["abc"]) == (0, "0.00", "C")
    # A: 1 unit in the 28 days Mar 4-31, out of stock Mar 10 and 12 (Mar 11 the second
    # warehouse had 2): demand 1/26 a day, cover 3 available / (1/26) = 78 days.
    assert (a["oos_days"], a["avg_daily_units"], a["available"], a["cover_days"]) == (
        2, 0.038, 3, 78.0)  # fmt: skip
    assert (a["lost_units"], a["lost_revenue"]) == (0.08, "7.69")  # 2/26 × 100
    assert a["reorder"] is None and a["margin"] is None  # no cost for A
    # B never out of stock: 3 units / 28 days; 10 available.
    assert (b["oos_days"], b["avg_daily_units"], b["cover_days"], b["lost_revenue"]) == (
        0, 0.107, 93.3, "0.00")  # fmt: skip
    assert (b["cost"], b["margin"]) == ("800.00", "400.00")  # 2×250 (Mar 15) + 1×300 (Mar 25)
    # C: zero carried from Feb 20 until the Mar 18 read: Mar 1-17 out (17 days), 14 of
    # them in the window; demand 5/14, cover 5 / (5/14) = 14 days < 14 + 7: reorder
    # ceil(5/14 × (14 + 7 + 28)) - 5 = 18 - 5 = 13.
    assert (c["oos_days"], c["avg_daily_units"], c["cover_days"], c["reorder"]) == (
        17, 0.357, 14.0, 13)  # fmt: skip
    assert (c["lost_units"], c["lost_revenue"]) == (6.07, "121.43")  # 17 × 5/14 × 20
    assert c["cost"] is None  # its only cost starts the day after its sale
    assert (d["cover_days"], d["oos_days"], d["lost_revenue"], d["reorder"]) == (
        None, 0, "0.00", None)  # fmt: skip


def test_previous_period_has_equal_length() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 10), MSK)
    assert period.previous() == Period(date(2026, 2, 19), date(2026, 2, 28), MSK)
    assert parse_period("2026-02-01..2026-02-03", MSK, date(2026, 4, 2)).days == 3

"""Forecasts: the backtest's MASE by hand, the model used only where it beats seasonal-naive."""

from __future__ import annotations

from datetime import date

import pytest

from mpsync.analytics.forecast import overall
from mpsync.analytics.forecasting import HORIZON, forecast_series

pytest.importorskip("statsmodels")


def _naive_mase(y: list[float]) -> float:
    """Seasonal-naive MASE over the last 28 days, written out plainly."""
    origin = len(y) - 28
    scale = sum(abs(y[t] - y[t - 7]) for t in range(7, origin)) / (origin - 7)
    errors = []
    for start in range(origin, len(y), 7):
        last_week = y[start - 7 : start]
        errors += [abs(y[start + j] - last_week[j % 7]) for j in range(min(7, len(y) - start))]
    return round(sum(errors) / len(errors) / scale, 4)


def test_the_model_is_used_where_it_beats_seasonal_naive() -> None:
    # Noisy demand around a stable weekly pattern: last week's noise misleads
    # seasonal-naive; Holt-Winters smooths it.
    numpy = pytest.importorskip("numpy")
    days = numpy.arange(200)
    y = [
        float(v)
        for v in numpy.random.default_rng(1).poisson(5 + 3 * numpy.sin(days * 2 * numpy.pi / 7))
    ]
    result = forecast_series(y)
    assert result.mase_naive == _naive_mase(y)
    assert result.method == "holt_winters"
    assert result.mase_model is not None and result.mase_model < result.mase_naive
    assert len(result.mean) == HORIZON
    assert all(
        lo <= m <= hi for lo, m, hi in zip(result.low, result.mean, result.high, strict=True)
    )
    assert result.high[-1] - result.low[-1] >= result.high[0] - result.low[0]  # never narrower


def test_seasonal_naive_wins_where_the_model_is_no_better() -> None:
    # Weeks alternate flat 2s and 4s: seasonal-naive is off by 2 every day, and so is
    # its in-sample error (MASE 1.0); Holt-Winters follows the level just as late.
    weeks = [[2.0] * 7 if n % 2 == 0 else [4.0] * 7 for n in range(12)]
    y = [v for week in weeks for v in week]
    result = forecast_series(y)
    assert result.mase_naive == _naive_mase(y) == 1.0
    assert result.method == "seasonal_naive" and result.mean[:7] == [4.0] * 7


def test_seasonal_naive_is_kept_where_the_model_does_not_beat_it() -> None:
    pattern = [1.0, 0.0, 0.0, 5.0, 2.0, 0.0, 3.0]
    result = forecast_series(pattern * 10)
    assert result.method == "seasonal_naive"
    assert result.mase_naive is None  # no in-sample error to scale by: compared by MAE
    assert result.mean == pattern * 4


def test_short_series_use_seasonal_naive_and_tiny_ones_the_mean() -> None:
    short = forecast_series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] * 3)
    assert short.method == "seasonal_naive" and short.mean[:7] == [
        1.0,
        2.0,
        3.0,
        4.0,
        5.0,
        6.0,
        7.0,
    ]
    assert forecast_series([2.0, 4.0]).mean == [3.0] * HORIZON


def test_overall_mase_averages_scored_skus() -> None:
    rows = [
        {"model": "holt_winters", "mase_model": 0.5, "mase_naive": 1.0},
        {"model": "seasonal_naive", "mase_model": 1.5, "mase_naive": 0.9},
        {"model": "seasonal_naive", "mase_model": None, "mase_naive": None},
    ]
    assert overall(rows) == {"skus": 3, "scored": 2, "model_used": 1, "mase_model": 1.0,
                             "mase_naive": 0.95, "mase_used": 0.7}  # fmt: skip


def test_forecast_days_follow_the_as_of_day() -> None:
    from zoneinfo import ZoneInfo

    from mpsync.analytics.forecast import _sku_row
    from mpsync.analytics.period import Period

    window = Period(date(2026, 1, 1), date(2026, 3, 31), ZoneInfo("UTC"))
    row = _sku_row("A", {date(2026, 3, 1): 2, date(2026, 3, 8): 2}, window, date(2026, 3, 31))
    assert row["forecast"][0]["day"] == "2026-04-01" and len(row["forecast"]) == 28
    assert row["history"][0] == {"day": "2026-03-01", "units": 2} and len(row["history"]) == 31

"""Daily demand forecasts for one series: Holt-Winters (statsmodels) beside seasonal-naive.

A rolling backtest over the last 28 days (four weekly origins, seven days ahead each)
scores both by MASE; the model's forecast is used only where it beats seasonal-naive.
Holt-Winters is additive with a weekly season and no trend; its parameters are fitted
once on the history before the backtest, then one run of its filter with them over all
the data gives the state at every origin: each origin's forecast is that state's
(level + the season's value a week back), exactly what a refit up to the origin forecasts,
and the last state gives the forecast ahead.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from mpsync.analytics.extra import require

SEASON = 7
HORIZON = 28
BACKTEST = 28
FOLD = 7
MIN_TRAIN = 4 * SEASON  # the model needs a few seasons to fit before the backtest
Z80 = 1.2816  # the 80 % interval


@dataclass(frozen=True)
class SeriesForecast:
    """The forecast of one series: the method used, both backtest errors, 28 days ahead."""

    method: str  # "holt_winters" | "seasonal_naive"
    mase_model: float | None
    mase_naive: float | None
    mean: list[float]
    low: list[float]
    high: list[float]


def forecast_series(values: list[float]) -> SeriesForecast:
    """Forecast *values* (units per day, oldest first) for the next 28 days."""
    with warnings.catch_warnings():
        # statsmodels warns on flat or sparse series (convergence, log of zero); the
        # backtest judges the result instead.
        warnings.simplefilter("ignore")
        return _forecast(values)


def _forecast(values: list[float]) -> SeriesForecast:
    np = require("numpy", "forecasting")
    y = np.asarray(values, dtype=float)
    if len(y) < SEASON:
        level = float(y.mean()) if len(y) else 0.0
        flat = [level] * HORIZON
        return SeriesForecast("seasonal_naive", None, None, flat, flat, flat)
    origin = len(y) - BACKTEST
    scale = _scale(y[:origin]) if origin > SEASON else None
    naive_errors = _backtest(y, origin, naive_forecast) if origin > SEASON else None
    mase_naive = _mase(naive_errors, scale)
    if origin < MIN_TRAIN:
        return _naive_result(y, None, mase_naive)
    params = _fit(y[:origin])
    fitted = _holt_winters(y, params)
    model_errors = _backtest(y, origin, lambda past, h: _from_state(fitted, len(past), h))
    mase_model = _mase(model_errors, scale)
    if not _beats(model_errors, naive_errors, mase_model, mase_naive):
        return _naive_result(y, mase_model, mase_naive)
    return _model_result(fitted, params, mase_model, mase_naive)


def naive_forecast(past: Any, horizon: int) -> Any:
    """Seasonal-naive: each day repeats the same weekday of the last week seen."""
    np = require("numpy", "forecasting")
    last_week = past[-SEASON:]
    return np.array([last_week[j % SEASON] for j in range(horizon)], dtype=float)


def _backtest(y: Any, origin: int, predict: Any) -> Any:
    """Absolute errors over the last 28 days, four origins seven days apart."""
    np = require("numpy", "forecasting")
    errors = []
    for start in range(origin, len(y), FOLD):
        actual = y[start : start + FOLD]
        errors.append(np.abs(actual - predict(y[:start], len(actual))))
    return np.concatenate(errors)


def _scale(train: Any) -> float | None:
    """MASE's denominator: the in-sample mean error of seasonal-naive (lag 7)."""
    np = require("numpy", "forecasting")
    value = float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))
    return value or None


def _mase(errors: Any, scale: float | None) -> float | None:
    if errors is None or scale is None:
        return None
    return round(float(errors.mean()) / scale, 4)


def _beats(model: Any, naive: Any, mase_model: float | None, mase_naive: float | None) -> bool:
    """The model wins only with a strictly lower error (MASE, or MAE when MASE is undefined)."""
    if mase_model is not None and mase_naive is not None:
        return mase_model < mase_naive
    return naive is not None and float(model.mean()) < float(naive.mean())


PARAMS = ("smoothing_level", "smoothing_seasonal", "initial_level", "initial_seasons")


def _holt_winters(y: Any, params: dict[str, Any] | None = None) -> Any:
    """Fit (no *params*) or run the filter with fixed *params* over *y*."""
    holtwinters = require("statsmodels.tsa.holtwinters", "forecasting")
    shape = {"trend": None, "seasonal": "add", "seasonal_periods": SEASON}
    if params is None:
        estimated = holtwinters.ExponentialSmoothing(y, **shape, initialization_method="estimated")
        return estimated.fit()
    known = holtwinters.ExponentialSmoothing(
        y, **shape, initialization_method="known", initial_level=params["initial_level"],
        initial_seasonal=params["initial_seasons"],
    )  # fmt: skip
    return known.fit(
        smoothing_level=params["smoothing_level"],
        smoothing_seasonal=params["smoothing_seasonal"],
        optimized=False,
    )


def _fit(train: Any) -> dict[str, Any]:
    fitted = _holt_winters(train)
    return {key: fitted.params[key] for key in PARAMS}


def _from_state(fitted: Any, origin: int, horizon: int) -> Any:
    """The forecast from the filter's state after *origin* observations: l_t + s_(t+h-7(k+1))."""
    np = require("numpy", "forecasting")
    level, season, last = fitted.level, fitted.season, origin - 1
    values = [level[last] + season[last + h - SEASON * ((h - 1) // SEASON + 1)]
              for h in range(1, horizon + 1)]  # fmt: skip
    return np.clip(np.asarray(values, dtype=float), 0, None)


def _naive_result(y: Any, mase_model: float | None, mase_naive: float | None) -> SeriesForecast:
    np = require("numpy", "forecasting")
    mean = naive_forecast(y, HORIZON)
    residuals = y[SEASON:] - y[:-SEASON]
    sigma = float(np.sqrt(np.mean(residuals**2))) if len(residuals) else 0.0
    widths = [Z80 * sigma * math.sqrt(h // SEASON + 1) for h in range(HORIZON)]
    return _result("seasonal_naive", mase_model, mase_naive, mean, widths)


def _model_result(fitted: Any, params: dict[str, Any], mase_model: float | None,
                  mase_naive: float | None) -> SeriesForecast:  # fmt: skip
    """The model's forecast with the ETS(A,N,A) interval: σ²(1 + Σ c_j²), c_j = α + γ[j ≡ 0]."""
    np = require("numpy", "forecasting")
    sigma = float(np.sqrt(np.mean(np.asarray(fitted.resid) ** 2)))
    alpha, gamma = float(params["smoothing_level"]), float(params["smoothing_seasonal"])
    widths, total = [], 0.0
    for h in range(1, HORIZON + 1):
        widths.append(Z80 * sigma * math.sqrt(1 + total))
        total += (alpha + (gamma if h % SEASON == 0 else 0.0)) ** 2
    mean = np.clip(fitted.forecast(HORIZON), 0, None)
    return _result("holt_winters", mase_model, mase_naive, mean, widths)


def _result(method: str, mase_model: float | None, mase_naive: float | None, mean: Any,
            widths: list[float]) -> SeriesForecast:  # fmt: skip
    values = [round(float(v), 3) for v in mean]
    return SeriesForecast(
        method, mase_model, mase_naive, values,
        [round(max(0.0, v - w), 3) for v, w in zip(values, widths, strict=True)],
        [round(v + w, 3) for v, w in zip(values, widths, strict=True)],
    )  # fmt: skip

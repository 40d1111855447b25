"""Forecast benchmark: 1,000 SKUs × 365 days of daily demand through ``forecast_series``.

Each SKU's series is drawn from a seed: a weekly pattern times a level (from a long
tail: most SKUs sell a few units a day, some dozens), Poisson noise, a slow trend for a
third of them and intermittent zeros for the slowest. Every SKU gets what ``mpsync
report forecast`` computes: the rolling 28-day backtest of Holt-Winters and
seasonal-naive (MASE), the choice, and 28 days ahead with an 80 % interval.

Printed: total and per-SKU time (wall and CPU: the machine may be busy with other work), memory (the process's max RSS, its growth over the run,
and the Python heap peak of one SKU measured apart),
how many SKUs use the model, and the mean MASE of each method and of what was used.

Usage: .venv/bin/python bench/forecast.py [--skus 1000] [--days 365] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from typing import Any

from mpsync.analytics.extra import require
from mpsync.analytics.forecast import overall
from mpsync.analytics.forecasting import forecast_series

np: Any = require("numpy", "the forecast benchmark")  # single-threaded BLAS, as mpsync runs it


def series(rng: Any, days: int) -> list[float]:
    level = rng.pareto(1.5) * 2 + 0.2
    week = 1 + 0.4 * np.sin(np.arange(days) * 2 * np.pi / 7 + rng.uniform(0, 7))
    trend = 1 + (rng.uniform(-0.5, 1.0) * np.arange(days) / days if rng.random() < 1 / 3 else 0)
    return [float(v) for v in rng.poisson(level * week * trend)]


def _max_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    data = [series(rng, args.days) for _ in range(args.skus)]
    forecast_series(data[0])  # imports statsmodels outside the timing
    before = _max_rss()
    started, cpu = time.perf_counter(), time.process_time()
    rows = []
    for values in data:
        result = forecast_series(values)
        rows.append({"model": result.method, "mase_model": result.mase_model,
                     "mase_naive": result.mase_naive})  # fmt: skip
    seconds, used = time.perf_counter() - started, time.process_time() - cpu
    rss = _max_rss()
    # Python-heap peak of one SKU's work, measured apart: tracing slows everything tenfold.
    tracemalloc.start()
    forecast_series(data[-1])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    summary = overall(rows)
    print(f"{args.skus} SKUs × {args.days} days: {seconds:.1f} s wall, {used:.1f} s CPU "
          f"({seconds / args.skus * 1000:.1f} ms wall per SKU); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"memory: max RSS {rss:.0f} MiB ({rss - before:+.0f} MiB over the run; statsmodels "
          f"imported before it), Python heap peak of one SKU {peak / 2**20:.1f} MiB")  # fmt: skip
    print(f"model used for {summary['model_used']} of {summary['skus']} SKUs; mean MASE: "
          f"model {summary['mase_model']}, seasonal-naive {summary['mase_naive']}, "
          f"used {summary['mase_used']}")  # fmt: skip


if __name__ == "__main__":
    main()

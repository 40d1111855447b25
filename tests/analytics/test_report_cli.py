"""``mpsync report …`` and ``mpsync customers …`` on the hand-worked dataset."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from tests.analytics import dataset


@pytest.fixture
def config(tmp_path: Path) -> Path:
    # The figures are checked on both backends in test_figures.py; here, on SQLite, the
    # commands around them.
    store_url = f"sqlite:///{tmp_path / 'mpsync.db'}"
    store = create_store_engine(store_url, create=True)
    upgrade(store)
    dataset.load(store)
    store.dispose()
    path = tmp_path / "mpsync.toml"
    path.write_text(f"""
[store]
url = "{store_url}"

[display]
timezone = "{dataset.ZONE}"
locale = "en"

[[accounts]]
id = "wb1"
marketplace = "wildberries"
token = "t0ken-wb"

[[accounts]]
id = "oz1"
marketplace = "ozon"
client_id = "1"
api_key = "k3y"
""")
    return path


def _run(config: Path, *args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--config", str(config)])


def test_report_kpi_json_is_the_contract(config: Path) -> None:
    result = _run(config, "report", "kpi", "--period", "2026-03", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"period", "orders", "units", "revenue", "net_revenue", "payout", "aov",
            "cancellation_rate", "return_rate", "ship_by_compliance", "processing_hours",
            "previous"} <= set(data)  # fmt: skip
    assert (data["orders"], data["revenue"], data["aov"]) == (5, "1600.00", "400.00")
    assert data["processing_hours"]["to_shipped"] == {"p50": 20.0, "p90": 28.0}
    assert data["revenue_by_day"] == [
        {"day": "2026-03-01", "marketplace": "wildberries", "revenue": "200.00", "orders": 1},
        {"day": "2026-03-15", "marketplace": "ozon", "revenue": "900.00", "orders": 1},
        {"day": "2026-03-20", "marketplace": "ozon", "revenue": "100.00", "orders": 1},
        {"day": "2026-03-25", "marketplace": "ozon", "revenue": "400.00", "orders": 1},
    ]
    ranged = json.loads(_run(config, "report", "kpi", "--period", "2026-03-01..2026-03-15",
                             "--marketplace", "ozon", "--json").stdout)  # fmt: skip
    assert (ranged["orders"], ranged["revenue"], ranged["previous"]["period"]) == (
        1, "900.00", "2026-02-14..2026-02-28")  # fmt: skip


def test_report_skus_json_and_csv(config: Path) -> None:
    rows = json.loads(_run(config, "report", "skus", "--period", "2026-03", "--json").stdout)
    assert [r["sku"] for r in rows] == ["B", "A", "C", "D"]
    assert {"sku", "units", "revenue", "abc", "avg_daily_units", "cover_days", "oos_days",
            "lost_revenue"} <= set(rows[0])  # fmt: skip
    text = _run(config, "report", "skus", "--period", "2026-03", "--csv").stdout
    table = list(csv.DictReader(io.StringIO(text)))
    assert table[2]["sku"] == "C" and table[2]["reorder"] == "13" and table[2]["oos_days"] == "17"


def test_report_funnel_and_customers_print(config: Path) -> None:
    funnel = _run(config, "report", "funnel", "--period", "2026-03")
    assert funnel.exit_code == 0 and "ready_to_ship" in funnel.stdout
    customers = json.loads(_run(config, "report", "customers", "--period", "2026-03",
                                "--json").stdout)  # fmt: skip
    assert customers["identified_share"] is not None and len(customers["segments"]) == 10
    listed = json.loads(_run(config, "customers", "list", "--json").stdout)
    assert [c["id"] for c in listed] == [1, 2] and "name" not in listed[0]
    shown = _run(config, "customers", "show", "1")
    assert shown.exit_code == 0 and "+7999•••0001" in shown.stdout and "wb1:O6" in shown.stdout
    assert _run(config, "customers", "show", "42").exit_code == 2


def test_bad_options_get_one_line_errors(config: Path) -> None:
    bad = _run(config, "report", "kpi", "--period", "March")
    assert bad.exit_code == 2 and "--period 'March'" in bad.output and "YYYY-MM" in bad.output
    both = _run(config, "report", "kpi", "--json", "--csv")
    assert both.exit_code == 2 and "exclude each other" in both.output
    account = _run(config, "report", "skus", "--account", "nope")
    assert account.exit_code == 2 and "known: wb1, oz1" in account.output
    chart = _run(config, "report", "kpi", "--chart", "x.pdf")
    assert chart.exit_code == 2 and ".png or .svg" in chart.output


@pytest.mark.parametrize("kind", ["kpi", "skus", "funnel", "customers", "forecast"])
def test_charts_are_images(config: Path, tmp_path: Path, kind: str) -> None:
    image = pytest.importorskip("matplotlib.image")
    target = tmp_path / f"{kind}.png"
    result = _run(config, "report", kind, "--period", "2026-03", "--chart", str(target))
    assert result.exit_code == 0, result.output
    pixels = image.imread(target)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    if kind == "skus":  # the format follows the file name
        svg = tmp_path / f"{kind}.svg"
        assert (
            _run(config, "report", kind, "--period", "2026-03", "--chart", str(svg)).exit_code == 0
        )
        assert svg.read_text().lstrip().startswith("<?xml")


def test_a_missing_extra_says_how_to_install_it(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    real = importlib.import_module

    def without_the_extra(name: str, *args: Any) -> Any:
        if name.split(".")[0] in ("numpy", "statsmodels", "matplotlib"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr("mpsync.analytics.extra.importlib.import_module", without_the_extra)
    result = _run(config, "report", "forecast", "--period", "2026-03", "--json")
    assert result.exit_code == 2  # a usage error: the extra is not installed (README, exit codes)
    assert "forecasting needs numpy" in result.output
    assert "pip install 'mpsync[analytics]'" in result.output
    chart = _run(config, "report", "kpi", "--period", "2026-03", "--chart", "kpi.png")
    assert chart.exit_code == 2 and "charts needs matplotlib" in chart.output
    assert _run(config, "report", "kpi", "--period", "2026-03", "--json").exit_code == 0


def test_reports_never_create_a_store(tmp_path: Path) -> None:
    config = tmp_path / "none.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "absent" / "x.db"}"\n')
    for args in (["report", "kpi"], ["customers", "list"]):
        result = _run(config, *args)
        assert result.exit_code == 2 and "no store at" in result.output
    assert not (tmp_path / "absent").exists()


# Loading the config loads each configured account's connector (its credentials are
# checked), so httpx comes in; what only the daemon, charts or forecasts need does not.
HEAVY = ("statsmodels", "matplotlib", "fpdf", "numpy", "pandas", "alembic", "uvicorn",
         "starlette", "apscheduler", "mpsync.daemon", "mpsync.sandbox", "mpsync.sync",
         "mpsync.workflow", "mpsync.notify")  # fmt: skip


def test_report_kpi_imports_only_what_it_needs(config: Path) -> None:
    # Issue 19: the command over a large store must be quick; its start is most of it.
    probe = ("import sys, runpy\n"
             f"sys.argv = ['mpsync', 'report', 'kpi', '--period', '2026-03', '--json',"
             f" '--config', {str(config)!r}]\n"
             "try:\n    runpy.run_module('mpsync', run_name='__main__')\n"
             "except SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
             "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    assert json.loads(result.stdout)["orders"] == 5
    loaded = set(result.stderr.split())
    assert not {m for m in loaded for h in HEAVY if m == h or m.startswith(f"{h}.")}, loaded

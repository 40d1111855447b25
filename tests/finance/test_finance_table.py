"""``finance summary`` without --json prints a table a terminal can read, and the SKUs
without a cost are named under it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mpsync.cli import app
from tests.finance.test_finance_summary import config  # noqa: F401 - the fixture


def test_summary_table(config: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(app, ["finance", "summary", "--period", "2026-11", "--by",
                                      "order", "--config", str(config)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "123456789" in result.output and "801.53" in result.output
    assert "payout" in result.output


def test_summary_table_of_the_period_fits_80_columns(config: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(app, ["finance", "summary", "--period", "2026-11", "--config",
                                      str(config)], terminal_width=80)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "620.52" in result.output and "fee commission" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_the_console_script_finds_the_finance_and_costs_commands() -> None:
    """``mpsync`` registers only the module of the command it runs: ``products costs``
    comes with ``products``, ``finance`` with its own module."""
    import subprocess
    import sys

    for args in (["products", "costs", "list", "--help"], ["finance", "reconcile", "--help"]):
        done = subprocess.run([sys.executable, "-m", "mpsync", *args], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr

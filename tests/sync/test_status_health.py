"""``mpsync status`` health: failing, overdue and never-synced streams stand out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.config import load_config_data
from mpsync.status import collect_status
from mpsync.sync import state
from mpsync.sync.writer import PageCounts

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
# The streams these tests look at (finance and returns have their own schedules).
WATCHED = ("orders", "stock", "prices", "products", "questions", "reviews")
ACCOUNT = {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k",
           "poll": {"orders": "1m", "stock": "10m", "prices": "30m"}}  # fmt: skip


def _run(engine: Engine, stream: str, at: datetime, outcome: str = "ok") -> None:
    run_id = state.start_run(engine, "oz", stream, "sync", at)
    error = "ApiError: 503" if outcome == "failed" else None
    state.finish_run(engine, run_id, outcome=outcome, counts=PageCounts(), now=at, error=error)


def test_health_per_stream(store: Engine, store_url: str) -> None:
    settings = load_config_data({"store": {"url": store_url}, "accounts": [ACCOUNT]}, env={})
    state.ensure_accounts(store, settings, NOW)
    _run(store, "orders", NOW - timedelta(minutes=1))  # within 3 intervals
    _run(store, "stock", NOW - timedelta(hours=2))  # 12 intervals ago: overdue
    _run(store, "prices", NOW - timedelta(hours=3))
    _run(store, "prices", NOW - timedelta(minutes=5), outcome="failed")
    # Ozon reviews without the Premium Plus subscription: shown, not a failure.
    _run(store, "reviews", NOW - timedelta(minutes=5), outcome="unavailable")
    report = collect_status(store, settings, now=NOW)
    health = {s.stream: (s.health, s.last_success is not None) for s in report.streams
              if s.stream in WATCHED}  # fmt: skip
    assert health == {"orders": ("ok", True), "stock": ("overdue", True),
                      "prices": ("failing", True), "products": ("never", False),
                      "questions": ("never", False),
                      "reviews": ("unavailable", False)}  # fmt: skip
    unhealthy = {s.stream for s in report.unhealthy if s.stream in WATCHED}
    assert unhealthy == {"stock", "prices", "products", "questions"}


def test_a_configured_stream_that_never_ran_is_listed(store: Engine, store_url: str) -> None:
    settings = load_config_data({"store": {"url": store_url}, "accounts": [ACCOUNT]}, env={})
    state.ensure_accounts(store, settings, NOW)
    _run(store, "orders", NOW)
    report = collect_status(store, settings, now=NOW)
    assert {(s.stream, s.health) for s in report.streams if s.stream in WATCHED} == {
        ("orders", "ok"), ("stock", "never"), ("prices", "never"), ("products", "never"),
        ("questions", "never"), ("reviews", "never")}  # fmt: skip


def test_status_check_exit_code(store: Engine, store_url: str, tmp_path: Path) -> None:
    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n')
    settings = load_config_data({"store": {"url": store_url}}, env={})
    state.ensure_accounts(store, settings, NOW)
    runner = CliRunner()
    healthy = runner.invoke(app, ["status", "--check", "--config", str(config)])
    assert healthy.exit_code == 0, healthy.output  # no accounts: nothing to be late
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[[accounts]]\nid = "oz"\nmarketplace = "ozon"\n'
        'client_id = "1"\napi_key = "k"\n'
    )
    late = runner.invoke(app, ["status", "--check", "--json", "--config", str(config)])
    assert late.exit_code == 1
    assert '"health": "never"' in late.stdout

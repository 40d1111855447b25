"""Fixtures for sync tests: a sandbox with history and a config pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from mpsync.config import Settings, load_config_data
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sync.service import SyncService

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STATUS_KEYS = ("external_id", "status", "marketplace_status", "total", "currency")


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=7, backlog=150, orders_per_minute=0.5, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def make_settings(
    sandbox: SandboxServer, store_url: str, *, lookback: str = "10m", **extra: Any
) -> Settings:
    poll = {"history": "30d", "lookback": lookback}
    accounts = [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb", "poll": poll,
         "api_base_url": sandbox.url_for("wildberries")},
        {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "k3y-ozon",
         "poll": poll, "api_base_url": sandbox.url_for("ozon"),
         "webhook": {"token": "hook-oz-secret"}},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "k3y-ym", "business_id": 1000001,
         "campaign_ids": [21000000], "poll": poll, "api_base_url": sandbox.url_for("yandex_market"),
         "webhook": {"token": "hook-ym-secret"}},
    ]  # fmt: skip
    return load_config_data({"store": {"url": store_url}, "accounts": accounts, **extra}, env={})


def service_for(server: SandboxServer, engine: Engine, settings: Settings) -> SyncService:
    async def no_sleep(_: float) -> None:
        return None

    service = SyncService(
        Runtime.build(engine, settings, clock=lambda: server.state.world.now_dt, sleep=no_sleep)
    )
    service.runtime.register_accounts()
    return service


def store_orders(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    marketplaces = {"wb": "wildberries", "oz": "ozon", "ym": "yandex_market"}
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT o.id, o.account_id, o.external_id, o.status, o.marketplace_status, o.total,"
            " o.currency, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS lines"
            " FROM orders o"
        )).all()  # fmt: skip
    return {
        (marketplaces[r.account_id], r.external_id): {
            "status": r.status, "marketplace_status": r.marketplace_status,
            "total": f"{r.total:.2f}", "currency": r.currency, "lines": r.lines,
        }
        for r in rows
    }  # fmt: skip


class KeptStatus:
    """The canonical status of an order on a state its mapping keeps (Ozon ``not_accepted``):
    whatever the CRM last saw, up to the status the order had before (``truth["status"]``);
    None when the CRM met the order only on that state."""

    PROGRESS = ("new", "confirmed", "ready_to_ship", "shipped", "delivered")

    def __init__(self, before: str) -> None:
        self.allowed = {None, *self.PROGRESS[: self.PROGRESS.index(before) + 1]}

    def __eq__(self, other: object) -> bool:
        return other in self.allowed

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"KeptStatus(one of {sorted(map(str, self.allowed))})"


def truth_orders(server: SandboxServer) -> dict[tuple[str, str], dict[str, Any]]:
    truth = server.state.truth()["orders"]
    return {
        (o["marketplace"], o["external_id"]): {
            "status": KeptStatus(o["status"]) if o["status_kept"] else o["status"],
            "marketplace_status": o["marketplace_status"],
            "total": f"{float(o['total']):.2f}", "currency": o["currency"],
            "lines": len(o["lines"]),
        }
        for o in truth
    }  # fmt: skip


@pytest.fixture
def config(sandbox: SandboxServer, store_url: str, tmp_path: Path) -> Path:
    """A config file with one account per sandbox marketplace: oz, wb, ym."""
    path = tmp_path / "mpsync.toml"
    path.write_text(f"""
[store]
url = "{store_url}"

[[accounts]]
id = "oz"
marketplace = "ozon"
client_id = "100001"
api_key = "k3y-ozon"
api_base_url = "{sandbox.url_for("ozon")}"
poll = {{ history = "60d" }}

[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t0ken-wb"
api_base_url = "{sandbox.url_for("wildberries")}"

[[accounts]]
id = "ym"
marketplace = "yandex_market"
api_key = "k3y-ym"
business_id = 1000001
campaign_ids = [21000000]
api_base_url = "{sandbox.url_for("yandex_market")}"
""")
    return path


def run_cli(config: Path, *args: str) -> Any:
    """``mpsync ARGS --config CONFIG`` in-process; the typer result."""
    from typer.testing import CliRunner

    from mpsync.cli import app

    return CliRunner().invoke(app, [*args, "--config", str(config)])


def cli_json(config: Path, *args: str) -> Any:
    """The parsed ``--json`` output of a command that must succeed."""
    import json

    result = run_cli(config, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)

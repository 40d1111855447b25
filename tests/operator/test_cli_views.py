"""Issue 13 points 8 and 4: views that find what matters, in local time, at 80 columns.

Orders and an invoice are made directly in a SQLite store; the installed script reads
them with ``[display] timezone = "Europe/Moscow"``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from tests.invoicing.helpers import SETTINGS, issue, order_maker
from tests.operator.conftest import Cli, write_config

MOSCOW = ZoneInfo("Europe/Moscow")
NB = "\u00a0"


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, datetime]:
    """Four orders of ozon-main: overdue, due today, due tomorrow, shipped (invoiced)."""
    now = datetime.now(UTC)
    midnight = datetime.combine((now.astimezone(MOSCOW) + timedelta(days=1)).date(), time(0),
                                tzinfo=MOSCOW)  # fmt: skip
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    make = order_maker(engine)
    make("A-1", ship_by=now - timedelta(hours=1))
    make("A-2", ship_by=now + (midnight - now) / 2)
    make("A-3", ship_by=midnight + timedelta(hours=12))
    shipped = make("A-4", ship_by=now - timedelta(days=1))
    issue(engine, shipped, SETTINGS, now=now)
    with engine.begin() as connection:
        for external_id, status in (("A-1", "new"), ("A-2", "confirmed"),
                                    ("A-3", "ready_to_ship")):  # fmt: skip
            connection.execute(text("UPDATE orders SET status = :s WHERE external_id = :e"),
                               {"s": status, "e": external_id})  # fmt: skip
    engine.dispose()
    config = write_config(
        tmp_path,
        """
[display]
timezone = "Europe/Moscow"
locale = "ru"
[[accounts]]
id = "ozon-main"
marketplace = "ozon"
client_id = "1"
api_key = "${OZON_API_KEY}"
""",
    )
    return config, now


def test_enum_options_list_the_allowed_values(cli: Cli, shop: tuple[Path, datetime]) -> None:
    config, _ = shop
    typo = cli("orders", "list", "--status", "shiped", "--config", str(config))
    assert typo.returncode == 2
    assert "--status 'shiped' is not allowed; did you mean 'shipped'? use one of: new, " \
           "confirmed, ready_to_ship, shipped" in typo.stderr  # fmt: skip
    state = cli("deadletters", "list", "--state", "opn", "--config", str(config))
    assert state.returncode == 2 and "did you mean 'open'?" in state.stderr


def test_due_today_and_overdue_with_counts_per_account(
    cli: Cli, shop: tuple[Path, datetime]
) -> None:
    config, _ = shop
    today = json.loads(cli("orders", "list", "--due", "today", "--json", "--config",
                           str(config)).stdout)  # fmt: skip
    assert [o["external_id"] for o in today["orders"]] == ["A-1", "A-2"]  # by ship-by
    assert today["counts"] == {"ozon-main": {"due": 2, "overdue": 1}}
    overdue = cli("orders", "list", "--due", "overdue", "--config", str(config))
    assert overdue.returncode == 0 and "Due overdue (1)" in overdue.stdout
    assert "A-1" in overdue.stdout and "A-2" not in overdue.stdout
    assert "ozon-main: 1 to ship, 1 overdue" in overdue.stdout
    by_ship = json.loads(cli("orders", "list", "--sort", "ship-by", "--json", "--config",
                             str(config)).stdout)  # fmt: skip
    assert [o["external_id"] for o in by_ship] == ["A-4", "A-1", "A-2", "A-3"]


def test_tables_read_at_80_columns_in_local_time_and_ru_money(
    cli: Cli, shop: tuple[Path, datetime]
) -> None:
    config, now = shop
    narrow = cli("orders", "list", "--config", str(config), env={"COLUMNS": "80"})
    lines = narrow.stdout.splitlines()
    assert narrow.returncode == 0 and max(len(line) for line in lines) <= 80
    assert "ship by" in narrow.stdout and "…" not in narrow.stdout
    assert f"1{NB}234,50{NB}₽" in narrow.stdout  # ru money, as in notifications
    late = (now - timedelta(hours=1)).astimezone(MOSCOW)
    local = late.strftime("%d.%m %H:%M" if late.year == now.astimezone(MOSCOW).year
                          else "%d.%m.%Y %H:%M")  # fmt: skip
    assert f"{local} overdue" in narrow.stdout and "times in Europe/Moscow" in narrow.stdout
    wide = cli("orders", "list", "--wide", "--config", str(config), env={"COLUMNS": "80"})
    assert "marketplace status" in wide.stdout and "delivering" in wide.stdout
    status = cli("status", "--config", str(config), env={"COLUMNS": "80"})
    assert status.returncode == 0 and "ozon-main" in status.stdout and "…" not in status.stdout
    assert max(len(line) for line in status.stdout.splitlines()) <= 80
    assert "synced until" in cli("status", "--wide", "--config", str(config)).stdout


def test_invoices_filters_marketplace_ids_and_show_json(
    cli: Cli, shop: tuple[Path, datetime]
) -> None:
    config, _ = shop
    listed = json.loads(cli("invoices", "list", "--account", "ozon-main", "--since",
                            "2020-01-01", "--limit", "5", "--json", "--config",
                            str(config)).stdout)  # fmt: skip
    assert [(i["account"], i["order_external_id"]) for i in listed] == [("ozon-main", "A-4")]
    none = json.loads(cli("invoices", "list", "--account", "other", "--json", "--config",
                          str(config)).stdout)  # fmt: skip
    assert none == []
    table = cli("invoices", "list", "--config", str(config))
    assert "A-4" in table.stdout and f"{NB}₽" in table.stdout
    number = listed[0]["number"]
    shown = json.loads(cli("invoices", "show", number, "--json", "--config", str(config)).stdout)
    assert shown["number"] == number and shown["document"]["lines"]
    text = cli("invoices", "show", number, "--config", str(config))
    assert f"Invoice {number} (issued)" in text.stdout and "Кружка" in text.stdout

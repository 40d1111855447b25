"""``mpsync status`` shows who holds what: live processes, their tasks down, held work."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.coordination import Coordinator, Identity, Lease
from mpsync.coordination.supervisor import Supervisor


def test_status_lists_processes_their_tasks_down_and_held_work(
    store: Engine, store_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    daemon = Coordinator(store, identity=Identity("replica-2", 4242, "cafe", "elsewhere"),
                         role="run")  # fmt: skip
    tasks = Supervisor(clock=lambda: now)
    tasks._up("pushes")
    tasks._crashed("dispatcher", OverflowError("cannot convert float infinity to integer"))
    daemon.tasks = tasks.snapshot
    assert isinstance(daemon.try_acquire("sync:oz:orders"), Lease)
    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["status", "--json", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    [process] = report["processes"]
    assert (process["process"], process["role"]) == ("replica-2:4242", "run")
    assert process["tasks"]["dispatcher"]["state"] == "down"
    assert process["tasks"]["pushes"]["state"] == "running"
    [held] = report["leases"]
    assert (held["unit"], held["holder"], held["expired"]) == ("sync:oz:orders",
                                                               "replica-2:4242", False)  # fmt: skip
    table = runner.invoke(app, ["status", "--config", str(config)])
    assert table.exit_code == 0, table.output
    for shown_text in ("Processes", "replica-2:4242", "dispatcher:", "OverflowError",
                       "Held work", "sync:oz:orders"):  # fmt: skip
        assert shown_text in table.stdout, table.stdout

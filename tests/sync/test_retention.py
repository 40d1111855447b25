"""Retention: processed bookkeeping rows go; records and anything needing an operator stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.store.retention import OUTBOX, PUSHES, RUNS, prune

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=100), NOW - timedelta(days=1)


def _seed(store: Engine) -> None:
    with store.begin() as connection:
        connection.execute(insert(PUSHES), [
            {"account_id": "oz", "dedupe_key": key, "kind": "x", "body": {}, "state": state,
             "next_attempt_at": at, "received_at": at, "processed_at": at}
            for key, state, at in (("done-old", "done", OLD), ("done-new", "done", RECENT),
                                   ("failed-old", "failed", OLD), ("pending-old", "pending", OLD))
        ])  # fmt: skip
        connection.execute(insert(OUTBOX), [
            {"dedupe_key": key, "channel": "console", "event_kind": "order.created",
             "payload": {}, "state": state, "next_attempt_at": at, "created_at": at,
             "sent_at": at if state == "sent" else None}
            for key, state, at in (("sent-old", "sent", OLD), ("sent-new", "sent", RECENT),
                                   ("failed-old", "failed", OLD))
        ])  # fmt: skip
        connection.execute(insert(RUNS), [
            {"run_id": run_id, "account_id": "oz", "stream": stream, "kind": "sync",
             "started_at": OLD + timedelta(minutes=n), "outcome": outcome}
            for n, (run_id, stream, outcome) in enumerate((
                ("r1", "orders", "ok"), ("r2", "orders", "failed"), ("r3", "orders", "ok"),
                ("r4", "orders", "failed"), ("s1", "stock", "ok")))
        ])  # fmt: skip


def _left(store: Engine) -> tuple[set[str], set[str], set[str]]:
    with store.connect() as connection:
        return (set(connection.execute(select(PUSHES.c.dedupe_key)).scalars()),
                set(connection.execute(select(OUTBOX.c.dedupe_key)).scalars()),
                set(connection.execute(select(RUNS.c.run_id)).scalars()))  # fmt: skip


def test_prune_keeps_records_failures_and_the_latest_runs(store: Engine) -> None:
    _seed(store)
    assert prune(store, now=NOW, keep=timedelta(days=90)) == {
        "pushes": 1, "outbox": 1, "sync_runs": 2}  # fmt: skip
    pushes, outbox, runs = _left(store)
    assert pushes == {"done-new", "failed-old", "pending-old"}
    assert outbox == {"sent-new", "failed-old"}
    assert runs == {"r3", "r4", "s1"}  # newest ok and newest per stream stay
    assert prune(store, now=NOW, keep=timedelta(days=90)) == {
        "pushes": 0, "outbox": 0, "sync_runs": 0}  # fmt: skip


def test_db_prune_command(store: Engine, store_url: str, tmp_path: Path) -> None:
    _seed(store)
    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n')
    runner = CliRunner()
    bad = runner.invoke(app, ["db", "prune", "--older-than", "soon", "--config", str(config)])
    assert bad.exit_code == 2 and "--older-than" in bad.stderr
    done = runner.invoke(app, ["db", "prune", "--older-than", "1h", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert "pushes 2, outbox 2, sync runs 2" in done.stdout


def test_the_workflow_prunes_at_most_hourly(store: Engine, store_url: str) -> None:
    import asyncio

    from mpsync.config import load_config_data
    from mpsync.runtime import Runtime
    from mpsync.sync.service import SyncService
    from mpsync.workflow import WorkflowRunner

    _seed(store)
    settings = load_config_data({"store": {"url": store_url, "retention": "90d"}}, env={})
    clock = [NOW]
    service = SyncService(Runtime.build(store, settings, clock=lambda: clock[0]))
    service.runtime.register_accounts()
    runner = WorkflowRunner(service.runtime, service)
    asyncio.run(runner.run_once())
    assert _left(store)[0] == {"done-new", "failed-old", "pending-old"}
    with store.begin() as connection:
        connection.execute(insert(PUSHES), [{
            "account_id": "oz", "dedupe_key": "done-old-2", "kind": "x", "body": {},
            "state": "done", "next_attempt_at": OLD, "received_at": OLD, "processed_at": OLD,
        }])  # fmt: skip
    clock[0] = NOW + timedelta(minutes=30)
    asyncio.run(runner.run_once())
    assert "done-old-2" in _left(store)[0]  # within the hour: not yet
    clock[0] = NOW + timedelta(hours=2)
    asyncio.run(runner.run_once())
    assert "done-old-2" not in _left(store)[0]

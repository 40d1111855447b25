"""Issue 13 points 1 and 7: read commands need no secrets; no store appears by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operator.conftest import SECRET_ACCOUNTS, Cli, run_in_process, write_config

READ_COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["orders", "list"],
    ["invoices", "list"],
    ["stock", "list"],
    ["prices", "list"],
    ["products", "list"],
    ["deadletters", "list"],
    ["products", "list"],
    ["config", "show"],
]


def test_read_commands_run_without_any_secret(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, SECRET_ACCOUNTS)
    created = cli("db", "upgrade", "--config", str(config))
    assert created.returncode == 0, created.stderr
    for command in (["status"], ["orders", "list"]):
        done = cli(*command, "--config", str(config))
        assert done.returncode == 0, (command, done.stderr)
        assert "is not set" not in done.stderr + done.stdout, command
    # status --check fails as a check (never synced), not as a config error.
    assert cli("status", "--check", "--config", str(config)).returncode == 1
    for name in ("WB_TOKEN", "OZON_API_KEY", "OZON_CLIENT_ID", "YM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for command in READ_COMMANDS:
        code, output = run_in_process(*command, "--config", str(config))
        assert code == 0 and "is not set" not in output, (command, output)


def test_commands_that_call_a_marketplace_name_the_missing_variable(
    cli: Cli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, SECRET_ACCOUNTS)
    done = cli("sync", "--account", "wb-main", "--config", str(config))
    assert done.returncode == 2
    assert "accounts[0].token: environment variable WB_TOKEN is not set" in done.stderr
    assert "OZON" not in done.stderr  # only the selected account's secrets
    daemon = cli("run", "--config", str(config))
    assert daemon.returncode == 2
    for name in ("WB_TOKEN", "OZON_API_KEY", "OZON_WEBHOOK_TOKEN", "YM_BUSINESS_ID",
                 "TG_BOT_TOKEN"):  # fmt: skip
        assert name in daemon.stderr
    push = cli("stock", "push", "--account", "ozon-main", "--sku", "A", "--warehouse", "1",
               "--quantity", "1", "--config", str(config))  # fmt: skip
    assert push.returncode == 2 and "OZON_API_KEY" in push.stderr
    check = cli("check", "--json", "--config", str(config))
    assert check.returncode == 0 and "not set in this environment" in check.stdout
    assert "TG_BOT_TOKEN" in check.stdout


def test_read_commands_on_a_missing_store_exit_2_and_create_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    missing = tmp_path / "typo" / "mpsync.db"
    config = write_config(tmp_path, store=missing)
    message = f"no store at {missing} (run `mpsync db upgrade` to create one)"
    done = cli("orders", "list", "--config", str(config))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    store_reads = [c for c in READ_COMMANDS if c[0] != "config"]
    for command in [*store_reads, ["orders", "show", "1"], ["invoices", "show", "1"],
                    ["invoices", "render", "1", "--out", str(tmp_path / "x.pdf")],
                    ["deadletters", "drop", "1"], ["deadletters", "retry", "--all"],
                    ["db", "prune"]]:  # fmt: skip
        code, output = run_in_process(*command, "--config", str(config))
        assert code == 2 and message in " ".join(output.split()), (command, output)
    assert not missing.exists() and not missing.parent.exists()
    created = cli("db", "upgrade", "--config", str(config))
    assert created.returncode == 0 and "Created a new store at" in created.stdout
    assert missing.exists()
    again = cli("db", "upgrade", "--config", str(config))
    assert "already at revision" in again.stdout
    assert cli("orders", "list", "--config", str(config)).returncode == 0

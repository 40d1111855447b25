"""Config loading: every error names its key; env overrides and ${VAR} work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.config import (
    ConfigError,
    MissingSecretError,
    load_config,
    load_config_data,
    parse_duration,
)
from mpsync.connector.registry import load_connector

OZON = {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k-secret-1"}


def _error(data: dict[str, object], env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config_data(data, env=env or {})
    return str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("14d", timedelta(days=14)),
        ("2h", timedelta(hours=2)),
        (90, timedelta(seconds=90)),
        ("250ms", timedelta(milliseconds=250)),
    ],
)
def test_durations(value: object, expected: timedelta) -> None:
    assert parse_duration(value) == expected


def test_typo_key_is_named_with_suggestion() -> None:
    message = _error({"store": {"urll": "sqlite:///x.db"}})
    assert message == "config: store.urll: unknown key; did you mean 'url'?"


def test_bad_duration_names_key_and_value() -> None:
    message = _error({"accounts": [{**OZON, "poll": {"orders": "5x"}}]})
    assert "accounts[0].poll.orders = '5x'" in message
    assert "'30s'" in message


def test_unknown_marketplace_lists_known_connectors() -> None:
    message = _error({"accounts": [{"id": "a", "marketplace": "amazon"}]})
    assert "accounts[0].marketplace = 'amazon'" in message
    assert "ozon" in message and "wildberries" in message and "yandex_market" in message


def test_typo_in_credential_key_is_caught_by_the_connector() -> None:
    message = _error({"accounts": [{"id": "w", "marketplace": "wildberries", "tokn": "abc"}]})
    assert "accounts[0].tokn" in message


def test_duplicate_account_ids() -> None:
    message = _error({"accounts": [OZON, OZON]})
    assert "duplicate account id 'oz'" in message


def test_rule_with_unknown_channel() -> None:
    message = _error(
        {"notifications": {"rules": [{"events": ["order.created"], "channels": ["x"]}]}}
    )
    assert "notifications.rules[0].channels" in message and "'x'" in message


def test_env_overrides_nested_keys_and_accounts_by_id() -> None:
    env = {"MPSYNC_STORE__URL": "sqlite:///other.db", "MPSYNC_ACCOUNTS__OZ__POLL__ORDERS": "7m"}
    settings = load_config_data({"accounts": [OZON]}, env=env)
    assert settings.store.url == "sqlite:///other.db"
    assert settings.accounts[0].poll.orders == timedelta(minutes=7)


def test_interpolation_reads_secrets_from_env() -> None:
    data = {"accounts": [{**OZON, "api_key": "${OZON_KEY}"}]}
    settings = load_config_data(data, env={"OZON_KEY": "from-env-123"})
    assert settings.accounts[0].credentials.api_key.get_secret_value() == "from-env-123"


def test_missing_env_var_names_key_and_variable() -> None:
    # A secret is needed when its connector is built, not when the config is read.
    settings = load_config_data({"accounts": [{**OZON, "api_key": "${NOPE_KEY}"}]}, env={})
    with pytest.raises(MissingSecretError) as info:
        load_connector("ozon")(settings.accounts[0])
    message = str(info.value)
    assert "accounts[0].api_key" in message and "NOPE_KEY" in message
    # What reads need is still checked at once.
    assert "NOPE_URL" in _error({"store": {"url": "${NOPE_URL}"}})


def test_secret_values_never_echoed_in_errors() -> None:
    message = _error({"accounts": [{**OZON, "api_key": 12345678}]})
    assert "12345678" not in message


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mpsync init"):
        load_config(tmp_path / "nope.toml")


def test_cli_exits_2_with_one_line_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[server]\nprot = 8080\n[workflow]\nreturn_window = "soon"\n')
    result = CliRunner().invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any("server.prot: unknown key; did you mean 'port'?" in line for line in lines)
    assert any("workflow.return_window = 'soon'" in line for line in lines)


def test_example_config_is_valid() -> None:
    settings = load_config(Path(__file__).parents[2] / "config.example.toml")
    assert settings.notifications.channels[0].type == "console"


def test_notification_lease_is_a_duration() -> None:
    settings = load_config_data({"notifications": {"lease": "90s"}}, env={})
    assert settings.notifications.lease == timedelta(seconds=90)
    assert "notifications.lease = 'soon'" in _error({"notifications": {"lease": "soon"}})

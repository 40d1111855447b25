"""Issue 13 points 5 and 6: config discovery and visibility; network errors that help."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from mpsync.config import ConfigError, load_config_data
from mpsync.config.discovery import ConfigNotFound, find_config
from tests.operator.conftest import Cli, write_config

ACCOUNT = """
[[accounts]]
id = "wb-main"
marketplace = "wildberries"
token = "${WB_TOKEN}"
"""


def _shown(cli: Cli, *args: str, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> dict[str, object]:  # fmt: skip
    done = cli("config", "show", "--json", *args, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_discovery_order_and_the_error_lists_what_was_tried(
    cli: Cli, tmp_path: Path, home: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    missing = cli("status", cwd=work)
    assert missing.returncode == 2
    assert (f"tried mpsync.toml, {home}/.config/mpsync/mpsync.toml, "
            "/etc/mpsync/mpsync.toml") in missing.stderr  # fmt: skip
    user = home / ".config" / "mpsync"
    user.mkdir(parents=True)
    write_config(user)
    assert _shown(cli, cwd=work)["file"] == str(user / "mpsync.toml")
    write_config(work)
    assert _shown(cli, cwd=work)["file"] == str(work / "mpsync.toml")
    named = write_config(tmp_path)
    assert _shown(cli, env={"MPSYNC_CONFIG": str(named)}, cwd=work)["file"] == str(named)
    other = tmp_path / "other"
    other.mkdir()
    explicit = write_config(other)
    found = _shown(cli, "--config", str(explicit), env={"MPSYNC_CONFIG": str(named)}, cwd=work)
    assert found["file"] == str(explicit) and found["found_as"] == "--config"
    gone = cli("status", env={"MPSYNC_CONFIG": str(tmp_path / "nope.toml")}, cwd=work)
    assert gone.returncode == 2 and "nope.toml' ($MPSYNC_CONFIG) not found" in gone.stderr


def test_system_config_is_the_last_place(tmp_path: Path) -> None:
    system = tmp_path / "etc"
    system.mkdir()
    with pytest.raises(ConfigNotFound, match="no config file found; tried"):
        find_config(env={"HOME": str(tmp_path)}, system_dir=system)
    (system / "mpsync.toml").write_text("")
    assert find_config(env={"HOME": str(tmp_path)}, system_dir=system).origin == "system"


def test_config_show_masks_secrets_and_names_each_source(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, ACCOUNT + '[display]\ntimezone = "Europe/Moscow"\n')
    text = config.read_text().replace(
        f"sqlite:///{tmp_path}/store.db", "postgresql+psycopg://mp:pg-pass-42@db/mp"
    )
    config.write_text(text)
    env = {"WB_TOKEN": "wb-secret-token-1", "MPSYNC_WORKFLOW__INTERVAL": "5m"}
    shown = _shown(cli, "--config", str(config), env=env)
    values = {v["key"]: v for v in shown["values"]}  # type: ignore[union-attr,index]
    assert values["store.url"] == {"key": "store.url", "source": "file",
                                   "value": "postgresql+psycopg://mp:***@db/mp"}  # fmt: skip
    assert values["accounts[0].token"]["value"] == "***"
    assert values["accounts[0].token"]["source"] == "file, ${WB_TOKEN}"
    assert values["workflow.interval"] == {"key": "workflow.interval", "value": "5m",
                                           "source": "env MPSYNC_WORKFLOW__INTERVAL"}  # fmt: skip
    assert values["display.timezone"]["source"] == "file"
    assert values["server.port"] == {"key": "server.port", "value": 8080, "source": "default"}
    plain = cli("config", "show", "--config", str(config), env=env)
    for output in (plain.stdout, json.dumps(shown)):
        assert "wb-secret-token-1" not in output and "pg-pass-42" not in output
    assert re.search(r"accounts\[0\]\.token\s+= \"\*\*\*\"  # file, \$\{WB_TOKEN\}", plain.stdout)
    # Without the secret, config show still works and says the variable is unset.
    unset = cli("config", "show", "--config", str(config))
    assert unset.returncode == 0 and "# unset WB_TOKEN" in unset.stdout


def test_typos_in_env_overrides_are_blamed_on_the_variable(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, ACCOUNT)
    section = cli("config", "show", "--config", str(config),
                  env={"MPSYNC_WORKFLO__INTERVAL": "5m"})  # fmt: skip
    assert section.returncode == 2
    assert ("environment variable MPSYNC_WORKFLO__INTERVAL: workflo: unknown section; "
            "did you mean 'workflow'?") in section.stderr  # fmt: skip
    assert str(config) not in section.stderr
    key = cli("config", "show", "--config", str(config),
              env={"MPSYNC_ACCOUNTS__WB_MAIN__TOKN": "x"})  # fmt: skip
    assert ("environment variable MPSYNC_ACCOUNTS__WB_MAIN__TOKN: accounts[0].tokn: unknown "
            "key; did you mean 'token'?") in key.stderr  # fmt: skip
    account = cli("config", "show", "--config", str(config),
                  env={"MPSYNC_ACCOUNTS__WB_MAYN__TOKEN": "x"})  # fmt: skip
    assert account.returncode == 2
    assert "MPSYNC_ACCOUNTS__WB_MAYN__TOKEN: no account 'wb_mayn'" in account.stderr
    assert "did you mean 'WB_MAIN'?" in account.stderr


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"accounts": [{"id": "o", "marketplace": "ozone"}]},
         "accounts[0].marketplace = 'ozone': unknown marketplace; did you mean 'ozon'?"),
        ({"accounts": [{"id": "w", "marketplace": "wildberries", "token": "t",
                        "api_base_ulr": "http://x"}]},
         "accounts[0].api_base_ulr: unknown key; did you mean 'api_base_url'?"),
        ({"accounts": [{"id": "w", "marketplace": "wildberries", "token": "t", "zz": 1}]},
         "known keys: token, id, marketplace, enabled, api_base_url, mapping, poll, webhook"),
        ({"notifcations": {}}, "notifcations: unknown section; did you mean 'notifications'?"),
    ],
)  # fmt: skip
def test_did_you_mean_for_keys_sections_and_marketplaces(
    data: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_data(data, env={})
    assert expected in str(caught.value)


def test_example_config_documents_every_key() -> None:
    from mpsync.config.model import Settings
    from mpsync.connector.registry import known_connectors, load_connector
    from mpsync.notify.channels.console import ConsoleOptions
    from mpsync.notify.channels.smtp import EmailOptions
    from mpsync.notify.channels.telegram import TelegramOptions
    from mpsync.notify.channels.webhook import WebhookOptions

    example = (Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8")
    documented = set(re.findall(r"^[#\s]*([a-z_]+)\s*=", example, re.M))
    documented |= set(re.findall(r"[{,]\s*([a-z_]+)\s*=", example))
    missing = []

    def check(model: object, where: str) -> None:
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            key = field.alias or name
            models = [inner for inner in (field.annotation,
                                          *getattr(field.annotation, "__args__", ()))
                      if hasattr(inner, "model_fields")]  # fmt: skip
            for inner in models:  # a section or table: its keys must be documented
                check(inner, f"{where}.{key}")
            if not models and key != "credentials" and key not in documented:
                missing.append(f"{where}.{key}")

    check(Settings, "")
    for name in known_connectors():
        check(load_connector(name).credentials_model, f"accounts({name})")
    for options in (ConsoleOptions, EmailOptions, TelegramOptions, WebhookOptions):
        check(options, options.__name__)
    for section in ("[store]", "[server]", "[logging]", "[display]", "[[accounts]]",
                    "[workflow]", "[invoicing]", "[notifications]",
                    "[[notifications.channels]]", "[[notifications.rules]]"):  # fmt: skip
        assert section in example, section
    for kind in ("console", "email", "telegram", "webhook"):
        assert f'type = "{kind}"' in example, kind
    assert missing == []


def test_an_unreachable_api_says_which_host_and_why(cli: Cli, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    body = ACCOUNT + f'api_base_url = "http://127.0.0.1:{port}"\n'
    config = write_config(tmp_path, body)
    done = cli("check", "--online", "--json", "--config", str(config),
               env={"WB_TOKEN": "t"}, timeout=30)  # fmt: skip
    assert done.returncode == 1, done.stderr
    api = next(r for r in json.loads(done.stdout) if r["name"] == "api wb-main")
    assert f"127.0.0.1:{port}: connection refused" in api["detail"]
    assert "api_base_url" in api["detail"]

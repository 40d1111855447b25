"""Issue #12 points 4 and 7: what the config names is checked when it is read, so `check`
refuses it with the key instead of the daemon failing on it at run time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mpsync.config import ConfigError, load_config_data


def _config(**sections: Any) -> dict[str, Any]:
    accounts = [
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k",
         "webhook": {"token": "t"}},
        {"id": "wb", "marketplace": "wildberries", "token": "k"},
    ]  # fmt: skip
    return {"accounts": accounts, "notifications": {"channels": [
        {"name": "log", "type": "console"}]}, **sections}  # fmt: skip


def _account(**changes: Any) -> dict[str, Any]:
    config = _config()
    config["accounts"][0].update(changes)
    return config


def _rule(**rule: Any) -> dict[str, Any]:
    config = _config()
    config["notifications"]["rules"] = [{"events": ["order.created"], "channels": ["log"],
                                         **rule}]  # fmt: skip
    return config


REFUSED = {
    # Why 4: "not-an-ip" passed check, then every push got a 500
    "allowlist entry": (_account(webhook={"token": "t", "allowed_ips": ["10.0.0.0/8",
                                                                        "not-an-ip"]}),
                        "accounts[0].webhook.allowed_ips[1] = 'not-an-ip': not an IP address"),
    "api base URL": (_account(api_base_url="localhost:8080"),
                     "accounts[0].api_base_url = 'localhost:8080': not an http(s) URL"),
    "api base URL port": (_account(api_base_url="http://h:99999"),
                          "accounts[0].api_base_url = 'http://h:99999': not an http(s) URL"),
    "public URL": ({**_config(), "server": {"public_url": "ftp://x"}},
                   "server.public_url = 'ftp://x': not an http(s) URL"),
    # Why 7: an unknown event name in a rule (order.creatd) passed check
    "event name": (_rule(events=["order.creatd"]),
                   "notifications.rules[0].events[0] = 'order.creatd': unknown event; "
                   "did you mean 'order.created'?"),
    # Why 7: an unknown account in auto_confirm passed check
    "auto_confirm account": ({**_config(), "workflow": {"auto_confirm": ["oz", "ozon"]}},
                             "workflow.auto_confirm[1]: unknown account 'ozon'; "
                             "did you mean 'oz'?"),
    "rule account": (_rule(accounts=["wbb"]),
                     "notifications.rules[0].accounts[0]: unknown account 'wbb'"),
    "rule marketplace": (_rule(marketplaces=["yandex-market"]),
                         "notifications.rules[0].marketplaces[0] = 'yandex-market': unknown "
                         "marketplace; did you mean 'yandex_market'?"),
    "rule channel": (_rule(channels=["lgo"]),
                     "notifications.rules[0].channels: unknown channel 'lgo'"),
    "zero poll interval": (_account(poll={"orders": "0s"}),
                           "accounts[0].poll.orders = '0s': must be longer than 0"),
    "duration unit": (_account(poll={"stock": "5 minutes"}),
                      "accounts[0].poll.stock = '5 minutes': not a duration"),
    "zero timeout": (_account(timeout={"read": 0}),
                     "accounts[0].timeout.read = 0: must be longer than 0"),
    "workflow interval": ({**_config(), "workflow": {"interval": "0m"}},
                          "workflow.interval = '0m': must be longer than 0"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED))
def test_check_refuses_with_the_key(case: str) -> None:
    data, expected = REFUSED[case]
    with pytest.raises(ConfigError) as caught:
        load_config_data(data, env={})
    assert expected in str(caught.value), str(caught.value)
    assert len(caught.value.problems) == 1


def test_good_values_pass() -> None:
    data = _rule(accounts=["oz"], marketplaces=["ozon"], events=["order.created", "stock.low"])
    data["accounts"][0].update(api_base_url="http://127.0.0.1:8080/ozon",
                               webhook={"token": "t", "allowed_ips": ["195.34.21.0/24",
                                                                      "10.0.0.7", "::1"]})  # fmt: skip
    data["workflow"] = {"auto_confirm": ["oz", "wb"]}
    settings = load_config_data(data, env={})
    assert settings.workflow.auto_confirm == ["oz", "wb"]


def test_check_command_names_the_key(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mpsync.cli import app

    config = tmp_path / "mpsync.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/s.db"\n'
        '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "1"\napi_key = "k"\n'
        'webhook = { token = "t", allowed_ips = ["not-an-ip"] }\n'
        '[workflow]\nauto_confirm = ["ozz"]\n'
        '[[notifications.channels]]\nname = "log"\ntype = "console"\n'
        '[[notifications.rules]]\nevents = ["order.creatd"]\nchannels = ["log"]\n'
    )
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2
    assert "accounts[0].webhook.allowed_ips[0] = 'not-an-ip'" in result.output
    assert "notifications.rules[0].events[0] = 'order.creatd'" in result.output
    assert "Traceback" not in result.output

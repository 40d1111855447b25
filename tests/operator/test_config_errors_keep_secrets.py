"""Issue #12 point 2: no config error shows a secret. A distinct secret is planted in every
secret-bearing key (and in variables of the environment those keys read); each error the
loader can raise is then provoked under ``check``, ``status``, ``sync`` and ``run``, and no
secret may reach their output or their logs."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SECRETS = {
    "store": "S3C-store-password-q81",
    "wb": "S3C-wb-token-a17",
    "oz": "S3C-ozon-api-key-b28",
    "oz_hook": "S3C-ozon-webhook-c39",
    "ym": "S3C-ym-api-key-d40",
    "ym_hook": "S3C-ym-webhook-e51",
    "tg": "S3C-telegram-bot-f62",
    "mail": "S3C-smtp-password-g73",
    "hook": "S3C-webhook-channel-h84",
    "env": "S3C-from-environment-i95",
}
BASE: dict[str, Any] = {
    "store": {"url": f"postgresql+psycopg://mpsync:{SECRETS['store']}@127.0.0.1:9/crm"},
    "accounts": [
        {"id": "wb", "marketplace": "wildberries", "token": SECRETS["wb"]},
        {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": SECRETS["oz"],
         "webhook": {"token": SECRETS["oz_hook"], "allowed_ips": ["10.0.0.0/8"]}},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "${YM_KEY}",
         "business_id": 1, "campaign_ids": [1], "webhook": {"token": SECRETS["ym_hook"]}},
    ],
    "notifications": {
        "channels": [
            {"name": "tg", "type": "telegram", "bot_token": SECRETS["tg"], "chat_id": "1"},
            {"name": "mail", "type": "email", "host": "127.0.0.1", "sender": "a@b.c",
             "to": ["d@e.f"], "username": "u", "password": SECRETS["mail"]},
            {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/x",
             "secret": SECRETS["hook"]},
        ],
        "rules": [{"events": ["order.created"], "channels": ["tg"]}],
    },
}  # fmt: skip
ENV = {"YM_KEY": SECRETS["ym"]}


def _toml(value: Any) -> str:
    """*value* as TOML inline text (JSON string escapes are TOML's)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return json.dumps(value)


def _account(data: dict[str, Any], index: int) -> dict[str, Any]:
    return data["accounts"][index]


# Each config error the loader can raise, as a change to the base config (or to the env).
Mutation = Callable[[dict[str, Any], dict[str, str]], None]
MUTATIONS: dict[str, Mutation] = {
    # No config error: the store (its password planted) cannot be reached; `run` logs.
    "none, the store unreachable": lambda d, e: None,
    "duplicate account id": lambda d, e: _account(d, 1).update(id="wb"),
    "rule names an unknown channel": lambda d, e: d["notifications"]["rules"][0].update(
        channels=["tgg"]),
    "reserved channel name": lambda d, e: d["notifications"]["channels"][0].update(
        name="marketplace"),
    "answer rule names an unknown account": lambda d, e: d.update(answers={"rules": [
        {"name": "r", "kinds": ["question"], "template": "t", "accounts": ["nope"]}]}),
    "duplicate answer rule": lambda d, e: d.update(answers={"rules": [
        {"name": "r", "kinds": ["question"], "template": "t"}] * 2}),
    "unsupported store URL": lambda d, e: d["store"].update(
        url=f"mysql://mpsync:{SECRETS['store']}@127.0.0.1/crm"),
    "unknown section": lambda d, e: d.update(stroe={"url": SECRETS["store"]}),
    "unknown account key": lambda d, e: _account(d, 0).update(tokne=SECRETS["wb"]),
    "secret of the wrong type": lambda d, e: _account(d, 1).update(api_key=[SECRETS["oz"]]),
    "section given a secret": lambda d, e: _account(d, 1).update(webhook=SECRETS["oz_hook"]),
    "account given as a string": lambda d, e: d["accounts"].append(SECRETS["wb"]),
    "missing credential": lambda d, e: _account(d, 1).pop("client_id"),
    "unknown marketplace": lambda d, e: _account(d, 0).update(marketplace="wildberies"),
    "bad account id": lambda d, e: _account(d, 0).update(id="WB main"),
    "unset variable": lambda d, e: _account(d, 0).update(token="${NOT_SET_ANYWHERE}"),
    "variable into a bad key": lambda d, e: _account(d, 1).update(client_id="${YM_KEY}",
                                                                    api_key=[1]),
    "env override into nothing": lambda d, e: e.update(MPSYNC_ACCOUNTS__NOPE__TOKEN=SECRETS["env"]),
    "env override of a value": lambda d, e: e.update(MPSYNC_ACCOUNTS__WB__TOKEN__X=SECRETS["env"]),
    "env override of a secret with a bad type": lambda d, e: e.update(
        MPSYNC_ACCOUNTS__OZ__WEBHOOK=SECRETS["env"]),
    "variable into a bad duration": lambda d, e: _account(d, 0).update(poll={"orders": "${YM_KEY}"}),
    "telegram channel without its token": lambda d, e: d["notifications"]["channels"][0].pop(
        "bot_token"),
    "webhook channel without its secret": lambda d, e: d["notifications"]["channels"][2].pop(
        "secret"),
    "not valid TOML": lambda d, e: d.update(__raw__=f'broken = "{SECRETS["wb"]}\n'),
    "TOML key defined twice": lambda d, e: d.update(__raw__=f'store = "{SECRETS["store"]}"\n'),
    "connector file missing": lambda d, e: d.update(connectors=["/nowhere/x.toml"]),
    "bad channel option": lambda d, e: d["notifications"]["channels"][1].update(port="x"),
}  # fmt: skip
COMMANDS = [["check"], ["check", "--json"], ["status"], ["sync"], ["run"]]


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_no_config_error_shows_a_secret(
    mutation: str, tmp_path: Path, capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from typer.testing import CliRunner

    from mpsync.cli import app

    data, env = copy.deepcopy(BASE), dict(ENV)
    MUTATIONS[mutation](data, env)
    config = tmp_path / "mpsync.toml"
    raw = data.pop("__raw__", "")
    config.write_text("".join(f"{k} = {_toml(v)}\n" for k, v in data.items()) + raw)
    for name in list(os.environ):
        if name.startswith("MPSYNC_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for command in COMMANDS:
        result = CliRunner().invoke(app, [*command, "--config", str(config)])
        out, err = capfd.readouterr()
        shown = result.output + out + err + repr(result.exception or "")
        assert not _leaks(shown), (command, shown)

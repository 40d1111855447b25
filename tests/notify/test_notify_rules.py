"""plan_notifications: rule filters, deterministic dedupe keys; the documented config shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mpsync.config import load_config_data
from mpsync.notify import ChannelConfigError, build_channels, plan_notifications
from mpsync.notify.rules import digest_groups


def settings_with(rules: list[dict[str, Any]], channels: list[str] | None = None) -> Any:
    names = channels or ["a", "b", "c"]
    # Rules may name only configured accounts (issue #12): the two the filters name.
    accounts = [
        {"id": "ozon-main", "marketplace": "ozon", "client_id": "1", "api_key": "k"},
        {"id": "wb-1", "marketplace": "wildberries", "token": "t"},
    ]
    return load_config_data(
        {
            "accounts": accounts,
            "notifications": {
                "channels": [{"name": n, "type": "console"} for n in names],
                "rules": rules,
            },
        },
        env={},
    )


def order_event(**order: Any) -> dict[str, Any]:
    base = {"external_id": "42", "status": "new", "total": "1500.00", "currency": "RUB"}
    return {
        "account": "ozon-main",
        "marketplace": "ozon",
        "kind": "order.created",
        "order": {**base, **order},
    }


def test_matching_rule_yields_channel_with_deterministic_key() -> None:
    settings = settings_with([{"events": ["order.created"], "channels": ["a", "b"]}])
    planned = plan_notifications(settings, "order.created", order_event(), event_key="ev-1")
    assert planned == [("a", "ev-1:a"), ("b", "ev-1:b")]
    again = plan_notifications(settings, "order.created", order_event(), event_key="ev-1")
    assert again == planned


def test_event_kind_not_in_rule_plans_nothing() -> None:
    settings = settings_with([{"events": ["order.cancelled"], "channels": ["a"]}])
    assert plan_notifications(settings, "order.created", order_event(), event_key="k") == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"accounts": ["ozon-main"]}, True),
        ({"accounts": ["wb-1"]}, False),
        ({"marketplaces": ["ozon"]}, True),
        ({"marketplaces": ["wildberries"]}, False),
        ({"statuses": ["new", "confirmed"]}, True),
        ({"statuses": ["shipped"]}, False),
        ({"min_total": "1500"}, True),
        ({"min_total": "1500.01"}, False),
    ],
)
def test_filters(rule: dict[str, Any], expected: bool) -> None:
    settings = settings_with([{"events": ["order.created"], "channels": ["a"], **rule}])
    planned = plan_notifications(settings, "order.created", order_event(), event_key="k")
    assert (planned == [("a", "k:a")]) is expected


def test_min_total_does_not_filter_stock_events() -> None:
    settings = settings_with([{"events": ["stock.low"], "channels": ["a"], "min_total": 100}])
    event = {"account": "x", "marketplace": "ozon", "sku": "S", "warehouse": "W", "available": 1}
    assert plan_notifications(settings, "stock.low", event, event_key="s") == [("a", "s:a")]


def test_channel_named_by_two_rules_is_planned_once() -> None:
    settings = settings_with(
        [
            {"events": ["order.created"], "channels": ["a"]},
            {"events": ["order.created"], "channels": ["a", "c"], "accounts": ["ozon-main"]},
        ]
    )
    planned = plan_notifications(settings, "order.created", order_event(), event_key="k")
    assert planned == [("a", "k:a"), ("c", "k:c")]


def test_digest_groups_collect_kinds_per_channel() -> None:
    settings = settings_with(
        [
            {"events": ["stock.low", "order.created"], "channels": ["a"], "digest": "10m"},
            {"events": ["order.cancelled"], "channels": ["b"]},
        ]
    )
    groups = digest_groups(settings)
    assert groups == {"a": (timedelta(minutes=10), ["order.created", "stock.low"])}


DOCUMENTED = {
    "notifications": {
        "channels": [
            {
                "name": "seller-mail",
                "type": "email",
                "host": "smtp.example.ru",
                "port": 587,
                "security": "starttls",
                "username": "robot@example.ru",
                "password": "${SMTP_PASSWORD}",
                "from": "robot@example.ru",
                "to": ["seller@example.ru"],
                "language": "ru",
            }
        ],
        "rules": [
            {
                "events": [
                    "order.created",
                    "order.cancelled",
                    "order.sla_warning",
                    "invoice.issued",
                    "stock.low",
                ],
                "channels": ["seller-mail"],
                "accounts": [],
                "digest": "0s",
            }
        ],
    }
}


def test_documented_email_config_builds_a_channel_with_secret_password() -> None:
    settings = load_config_data(DOCUMENTED, env={"SMTP_PASSWORD": "hunter2-secret"})
    channel = build_channels(settings)["seller-mail"]
    options = channel.options  # type: ignore[attr-defined]
    assert options.password.get_secret_value() == "hunter2-secret"
    assert "hunter2-secret" not in repr(options)
    assert options.sender == "robot@example.ru" and options.to == ["seller@example.ru"]
    planned = plan_notifications(settings, "stock.low", {"account": "a"}, event_key="e")
    assert planned == [("seller-mail", "e:seller-mail")]


def test_bad_channel_key_is_named_without_leaking_the_secret() -> None:
    data = {
        "notifications": {
            "channels": [
                {"name": "tg", "type": "telegram", "bot_token": "123:SECRET-TOKEN", "chat": "1"}
            ]
        }
    }
    settings = load_config_data(data, env={})
    with pytest.raises(ChannelConfigError) as caught:
        build_channels(settings)
    message = str(caught.value)
    assert "notifications.channels['tg'].chat_id" in message
    assert "notifications.channels['tg'].chat:" in message  # unknown key (typo)
    assert "SECRET-TOKEN" not in message

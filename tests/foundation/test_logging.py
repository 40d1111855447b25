"""Redaction: secrets from the config and customers' contacts never reach log output."""

from __future__ import annotations

import io
import json

import structlog

from mpsync.config import load_config_data
from mpsync.logging import configure_logging, secrets_of

SECRET = "wb-token-0123456789abcdef"


def test_config_secret_never_appears_in_log_output() -> None:
    settings = load_config_data(
        {
            "accounts": [
                {
                    "id": "wb",
                    "marketplace": "ozon",
                    "client_id": "77",
                    "api_key": SECRET,
                    "webhook": {"token": "hook-secret-xyz"},
                }
            ]
        },
        env={},
    )
    out = io.StringIO()
    configure_logging("json", secrets=secrets_of(settings), stream=out)
    log = structlog.get_logger().bind(account="wb")
    log.info("request failed", url=f"https://api/x?key={SECRET}", headers={"Api-Key": SECRET})
    log.warning(f"token {SECRET} rejected; push token hook-secret-xyz")
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        log.exception("crashed")
    text = out.getvalue()
    assert SECRET not in text and "hook-secret-xyz" not in text
    assert text.count("***") >= 4
    events = [json.loads(line) for line in text.splitlines()]
    assert events[0]["account"] == "wb" and events[0]["event"] == "request failed"


def test_phones_and_emails_are_masked() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    structlog.get_logger().info(
        "customer",
        phone="+7 912 345-67-89",
        note="mail ivan.petrov@example.ru or 8 (912) 345-67-89",
        order="79123456789",
    )
    event = json.loads(out.getvalue())
    assert event["phone"] == "[phone]"
    assert "example.ru" not in event["note"] and "345-67" not in event["note"]
    assert event["order"] == "79123456789"  # bare ids are not phones

"""``mpsync report satisfaction``: ratings as satisfaction, hand-worked, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from typer.testing import CliRunner

from mpsync.analytics.period import parse_period
from mpsync.analytics.sql import Scope
from mpsync.cli import app
from mpsync.config import load_config_data
from mpsync.domain import BuyerMessageRecord
from mpsync.inbox.satisfaction import satisfaction
from mpsync.mapping import MappedPage
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

DAY = datetime(2026, 11, 10, 9, tzinfo=UTC)
# (id, kind, sku, rating, answered after hours; None = unanswered)
MESSAGES = [
    ("r1", "review", "MUG", 5, 2), ("r2", "review", "MUG", 5, 4), ("r3", "review", "MUG", 4, None),
    ("r4", "review", "MUG", 1, 800),  # answered after the 30-day window: late
    ("r5", "review", "CUP", 3, None), ("q1", "question", "MUG", None, 6),
]  # fmt: skip


def _load(store: Engine) -> None:
    settings = load_config_data({"accounts": [
        {"id": "wb", "marketplace": "wildberries", "token": "t"}]}, env={})  # fmt: skip
    records = []
    for external_id, kind, sku, rating, hours in MESSAGES:
        answer = {} if hours is None else {"answer": "Спасибо",
                                           "answered_at": DAY + timedelta(hours=hours)}  # fmt: skip
        records.append(BuyerMessageRecord.model_validate({
            "account_id": "wb", "kind": kind, "external_id": external_id, "sku": sku,
            "rating": rating, "text": "текст", "created_at": DAY, **answer}))  # fmt: skip
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "wb", "marketplace": "wildberries",  # type: ignore[attr-defined]
                    "created_at": DAY}], ["id"], update=[], returning=None)  # fmt: skip
        write_page(connection, settings, PageTarget("wb", "wildberries", "reviews", "review",
                   notify=False), MappedPage(records=records), now=DAY)  # fmt: skip


def test_satisfaction_per_sku_and_total(store: Engine) -> None:
    _load(store)
    period = parse_period("2026-11", UTC, DAY.date())
    data = satisfaction(store, period, Scope())
    cup, mug = data["skus"]
    # MUG: ratings 5, 5, 4, 1 → avg 3.75, CSAT 3/4, NPS proxy (2 − 1)/4
    assert (mug["sku"], mug["reviews"], mug["avg_rating"]) == ("MUG", 4, 3.75)
    assert (mug["csat"], mug["nps_proxy"]) == (0.75, 0.25)
    # answered: r1 2 h, r2 4 h, r4 800 h, q1 6 h → median 5 h; in time: 3 of 5 messages
    assert (mug["questions"], mug["answered"], mug["median_hours_to_answer"]) == (1, 4, 5.0)
    assert mug["answered_in_time"] == 0.6
    assert (cup["reviews"], cup["csat"], cup["nps_proxy"], cup["answered"]) == (1, 0.0, -1.0, 0)
    total = data["total"]
    assert (total["reviews"], total["avg_rating"], total["csat"]) == (5, 3.6, 0.6)
    assert total["nps_proxy"] == 0.0 and data["nps_is_proxy"] is True
    assert satisfaction(store, parse_period("2026-10", UTC, DAY.date()), Scope())["skus"] == []


def test_report_satisfaction_json_and_csv(store: Engine, store_url: str, tmp_path: Path) -> None:
    _load(store)
    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n[display]\ntimezone = "UTC"\n'
                      '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\ntoken = "t"\n')  # fmt: skip

    def run(*args: str) -> Any:
        done = CliRunner().invoke(app, ["report", "satisfaction", "--period", "2026-11", *args,
                                        "--config", str(config)])  # fmt: skip
        assert done.exit_code == 0, done.output
        return done.output

    data = json.loads(run("--json"))
    assert data["total"]["csat"] == 0.6 and [s["sku"] for s in data["skus"]] == ["CUP", "MUG"]
    lines = run("--csv").splitlines()
    assert lines[0].startswith("account,sku,reviews,avg_rating,csat,nps_proxy")
    assert lines[-1].startswith("(all),(all),5,3.6,0.6,0.0")
    assert "nps" in run().lower()


def test_the_digest_counts_what_is_still_to_answer(store: Engine) -> None:
    from mpsync.analytics.digest import digest_payload
    from mpsync.notify.render import Renderer

    _load(store)  # r3 and r5 unanswered; r4's answer came late, still an answer
    settings = load_config_data({}, env={})
    period = parse_period("2026-11-09", UTC, DAY.date())
    payload = digest_payload(store, settings, period, DAY + timedelta(days=1))
    assert payload["unanswered"] == 2
    assert payload["table"]["en"][-1] == ["Unanswered questions and reviews", "2", "—", "—"]
    text = Renderer().render("report.digest", payload, "ru").text
    assert "Вопросы и отзывы без ответа: 2" in text
    later = digest_payload(store, settings, period, DAY + timedelta(days=31))
    assert later["unanswered"] == 0  # past the 30-day window a review cannot be answered

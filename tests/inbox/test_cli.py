"""``mpsync inbox list/show/test``: the --json contract keys, filters, no buyer names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.config import load_config
from mpsync.domain import BuyerMessageRecord
from mpsync.mapping import MappedPage
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

NOW = datetime.now(UTC)
CONTRACT = {"id", "account", "kind", "external_id", "sku", "rating", "text", "state", "answer"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "mpsync.toml"
    path.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "store.db"}"

[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t"

[[answers.rules]]
name = "delivery"
kinds = ["question"]
match = ["доставка"]
template = "Доставим за 1–3 дня, {{{{ buyer }}}}"
mode = "auto"
""")
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "sizes.toml").write_text(
        '[[rules]]\nname = "size"\nkinds = ["question"]\nmatch = ["размер"]\n'
        'template = "Размеры в карточке"\n', encoding="utf-8")  # fmt: skip
    engine = create_store_engine(load_config(path).store.url, create=True)
    upgrade(engine)
    _fill(engine)
    engine.dispose()
    return path


def _fill(engine: Engine) -> None:
    def message(external_id: str, kind: str, **values: Any) -> BuyerMessageRecord:
        return BuyerMessageRecord.model_validate({
            "account_id": "wb", "kind": kind, "external_id": external_id, "author": "Анна",
            "created_at": NOW - timedelta(days=1), "sku": "MUG-1", **values})  # fmt: skip

    records = [message("q1", "question", text="Когда доставка?"),
               message("r1", "review", text="Треснула", rating=1),
               message("r2", "review", text="Отлично", rating=5, answer="Спасибо!"),
               message("r3", "review", text="Старый", rating=4,
                       created_at=NOW - timedelta(days=40))]  # fmt: skip
    with engine.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "wb", "marketplace": "wildberries",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
        write_page(connection, None, PageTarget("wb", "wildberries", "reviews", "review"),
                   MappedPage(records=records), now=NOW)  # fmt: skip


def _json(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_inbox_list_json_keeps_the_contract_and_no_buyer_name(config: Path) -> None:
    rows = _json(config, "inbox", "list")
    assert len(rows) == 4 and all(set(row) >= CONTRACT for row in rows)
    assert "Анна" not in json.dumps(rows, ensure_ascii=False)
    states = {row["external_id"]: row["state"] for row in rows}
    # r3: a WB review unanswered for 30 days is archived: it can no longer be answered.
    assert states == {"q1": "unanswered", "r1": "unanswered", "r2": "answered", "r3": "expired"}


def test_inbox_list_filters(config: Path) -> None:
    assert {r["external_id"] for r in _json(config, "inbox", "list", "--unanswered")} == {
        "q1", "r1"}  # fmt: skip
    assert [r["external_id"] for r in _json(config, "inbox", "list", "--kind", "question")] == [
        "q1"]  # fmt: skip
    low = _json(config, "inbox", "list", "--rating-max", "3")
    assert [r["external_id"] for r in low] == ["r1"]
    bad = CliRunner().invoke(app, ["inbox", "list", "--kind", "chat", "--config", str(config)])
    assert bad.exit_code == 2 and "question, review" in bad.output


def test_inbox_test_names_the_rule_from_config_and_answers_files(config: Path) -> None:
    found = _json(config, "inbox", "test", "Сколько дней идёт доставки?")
    assert found == {"rule": "delivery", "mode": "auto", "answer": "Доставим за 1–3 дня,",
                     "problem": None}  # fmt: skip
    assert _json(config, "inbox", "test", "Какие размеры?")["rule"] == "size"
    assert _json(config, "inbox", "test", "Отставка")["rule"] is None
    limited = _json(config, "inbox", "test", "доставка", "--account", "wb")
    assert limited["problem"] is None  # WB question answers: no documented limit


def test_inbox_show_and_answer_refusals(config: Path) -> None:
    rows = {r["external_id"]: r for r in _json(config, "inbox", "list")}
    shown = CliRunner().invoke(app, ["inbox", "show", str(rows["r1"]["id"]), "--config",
                                     str(config)])  # fmt: skip
    assert shown.exit_code == 0 and "Треснула" in shown.output and "buyer: Анна" in shown.output
    done = CliRunner().invoke(app, ["inbox", "answer", str(rows["r2"]["id"]), "--text", "Ещё раз",
                                    "--config", str(config)])  # fmt: skip
    assert done.exit_code == 2 and "answered" in done.output
    short = CliRunner().invoke(app, ["inbox", "answer", str(rows["r1"]["id"]), "--text", "ы",
                                     "--config", str(config)])  # fmt: skip
    assert short.exit_code == 2 and "at least 2" in short.output

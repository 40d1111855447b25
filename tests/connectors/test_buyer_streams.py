"""The ``questions`` and ``reviews`` streams replay the specs' payloads and map them.

Sources (official specs, extracted under /work/specs):
* Wildberries: eslazarev/wildberries-sdk specs/09-communications.yaml — the examples of
  ``GET /api/v1/questions`` and ``GET /api/v1/feedbacks`` (fixtures ``wb_questions.json``,
  ``wb_feedbacks.json``) and of ``GET /api/v1/question`` / ``/api/v1/feedback``.
* Ozon: salacoste/ozon-daytona-seller-api ozon-swagger-docs/swagger.json — the example of
  ``/v1/question/list``; ``/v1/review/list`` has none, its fixture holds every field of
  ``v1ReviewListResponse``.
* Yandex Market: yandex-market/yandex-market-partner-api openapi/ — ``getGoodsQuestions``,
  ``getGoodsFeedbacks``, ``getGoodsFeedbackComments`` have no examples; the fixtures hold the
  documented fields of their DTOs (each names its schema in ``_source``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.yandex_market import YandexMarketConnector

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.errors import UnavailableError
from mpsync.domain import BuyerMessageRecord

FIXTURES = Path(__file__).parent / "fixtures" / "buyers"
WINDOW = FetchWindow(since=NOW - timedelta(days=3), until=NOW)


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


async def _read(connector: Any, stream: str, window: FetchWindow = WINDOW) -> list[Page]:
    pages = [page async for page in connector.fetch(stream, window)]
    await connector.aclose()
    return pages


def _mapped(connector: Any, pages: list[Page]) -> list[BuyerMessageRecord]:
    schema = type(connector).load_mapping(connector.account)
    records: list[BuyerMessageRecord] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        assert mapped.failures == []
        records += [r for r in mapped.records if isinstance(r, BuyerMessageRecord)]
    return records


@respx.mock
async def test_wildberries_questions_open_then_answered_in_the_window(
    sleep: RecordingSleep,
) -> None:
    example = _fixture("wb_questions.json")
    answered = {"data": {"countUnanswered": 0, "countArchive": 0, "questions": []},
                "error": False, "errorText": "", "additionalErrors": None}  # fmt: skip
    route = respx.get(f"{BASE}/api/v1/questions").mock(
        side_effect=[httpx.Response(200, json=example), httpx.Response(200, json=answered)]
    )
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    pages = await _read(connector, "questions")
    first, second = (call.request.url.params for call in route.calls)
    assert (first["isAnswered"], first["take"], first["skip"]) == ("false", "1000", "0")
    assert "dateFrom" not in first
    assert second["isAnswered"] == "true"
    assert int(second["dateFrom"]) == int(WINDOW.since.timestamp())  # type: ignore[union-attr]
    assert int(second["dateTo"]) == int(NOW.timestamp())
    assert route.calls[0].request.headers["Authorization"] == "wb-secret-token"
    (question,) = _mapped(connector, pages)
    assert question.kind == "question" and question.external_id == "2ncBtX4B9I0UHoornoqG"
    assert (question.sku, question.product_name) == ("123401", "Coffee")
    assert question.product_ids == {"nmID": "14917842"}
    assert question.text == "Question text" and not question.has_answer
    assert question.created_at == datetime(2022, 2, 1, 11, 18, 8, 769513, tzinfo=UTC)


@respx.mock
async def test_wildberries_reviews_with_rating_pros_cons_and_answer(sleep: RecordingSleep) -> None:
    example = _fixture("wb_feedbacks.json")
    empty = {"data": {"countUnanswered": 0, "countArchive": 0, "feedbacks": []}, "error": False}
    route = respx.get(f"{BASE}/api/v1/feedbacks").mock(
        side_effect=[httpx.Response(200, json=empty), httpx.Response(200, json=example)]
    )
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    pages = await _read(connector, "reviews")
    assert [p.record_type for p in pages] == ["review", "review"]
    assert route.calls[1].request.url.params["isAnswered"] == "true"
    (review,) = _mapped(connector, pages)
    assert review.external_id == "YX52RZEBhH9mrcYdEJuD" and review.rating == 5
    assert (review.text, review.pros, review.cons) == ("Спасибо, всё подошло", "Удобный", "Нет")
    assert review.sku == "DP02/черный" and review.author == "Николай"
    assert review.answer == "Пожалуйста. Ждём вас снова!" and review.has_answer
    assert review.created_at == datetime(2024, 9, 26, 7, 20, 48, tzinfo=UTC)


@respx.mock
async def test_wildberries_pages_by_skip_and_resumes_mid_phase(sleep: RecordingSleep) -> None:
    row = _fixture("wb_questions.json")["data"]["questions"][0]
    full = {"data": {"questions": [dict(row, id=f"q{i}") for i in range(1000)]}, "error": False}
    tail = {"data": {"questions": [dict(row, id="last")]}, "error": False}
    route = respx.get(f"{BASE}/api/v1/questions").mock(
        side_effect=[httpx.Response(200, json=full), httpx.Response(200, json=tail),
                     httpx.Response(200, json={"data": {"questions": []}})]
    )  # fmt: skip
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    pages = await _read(connector, "questions")
    assert [c.request.url.params["skip"] for c in route.calls] == ["0", "1000", "0"]
    resumed = FetchWindow(WINDOW.since, WINDOW.until, resume=pages[0].resume)
    route.side_effect = [httpx.Response(200, json=tail), httpx.Response(200, json=tail)]
    again = await _read(WildberriesConnector(account("wildberries"), sleep=sleep), "questions",
                        resumed)  # fmt: skip
    assert route.calls[3].request.url.params["skip"] == "1000"
    assert len(again) == 2


@respx.mock
async def test_wildberries_single_reads_of_the_spec_read_back_an_answer(
    sleep: RecordingSleep,
) -> None:
    from mpsync.connector.base import MessageRef

    respx.get(f"{BASE}/api/v1/question").respond(json=_fixture("wb_question.json"))
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    raw = await connector.read_message(MessageRef("question", "TfWOp5QBfEYrrd0AMJau"))
    await connector.aclose()
    assert raw is not None
    schema = WildberriesConnector.load_mapping(connector.account)
    record = schema.map_one("question", raw, "acc-1", observed_at=NOW)
    assert isinstance(record, BuyerMessageRecord)
    assert record.answer == "На следующей неделе" and record.has_answer


@respx.mock
async def test_ozon_questions_unprocessed_then_the_window(sleep: RecordingSleep) -> None:
    example = _fixture("ozon_question_list.json")
    route = respx.post(f"{BASE}/v1/question/list").mock(side_effect=[
        httpx.Response(200, json={"questions": [], "last_id": ""}),
        httpx.Response(200, json=example),
        httpx.Response(200, json={"questions": [], "last_id": ""}),
    ])  # fmt: skip
    connector = OzonConnector(account("ozon"), sleep=sleep)
    pages = await _read(connector, "questions")
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies[0] == {"filter": {"status": "UNPROCESSED"}, "last_id": ""}
    assert bodies[1]["filter"]["status"] == "ALL"
    assert bodies[1]["filter"]["date_from"] == WINDOW.since.isoformat()  # type: ignore[union-attr]
    assert bodies[2]["last_id"] == "019228a7-91d8-76af-a73a-e989dfac7ac8"
    (question,) = _mapped(connector, pages)
    assert question.external_id == "019294ff-6888-7009-89d8-26569e4e450d"
    assert question.product_ids == {"sku": "646399170"} and question.sku is None
    assert question.has_answer  # status PROCESSED
    assert question.author == "Пользователь OZON"


@respx.mock
async def test_ozon_reviews_unprocessed_then_newest_until_older_than_the_window(
    sleep: RecordingSleep,
) -> None:
    example = _fixture("ozon_review_list.json")
    old = dict(example["reviews"][0], id="old", status="PROCESSED",
               published_at="2020-01-01T00:00:00Z")  # fmt: skip
    route = respx.post(f"{BASE}/v1/review/list").mock(side_effect=[
        httpx.Response(200, json=example),
        httpx.Response(200, json={"reviews": [old], "has_next": True, "last_id": "old"}),
    ])  # fmt: skip
    connector = OzonConnector(account("ozon"), sleep=sleep)
    pages = await _read(connector, "reviews")
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies[0] == {"status": "UNPROCESSED", "sort_dir": "ASC", "limit": 100, "last_id": ""}
    assert bodies[1]["status"] == "PROCESSED" and bodies[1]["sort_dir"] == "DESC"
    assert len(route.calls) == 2  # stopped at a review older than the window
    fresh, stale = _mapped(connector, pages)
    assert (fresh.rating, fresh.text) == (2, "Пришла с опозданием, доставка подвела")
    assert not fresh.has_answer and stale.has_answer


@respx.mock
async def test_ozon_without_the_subscription_is_unavailable_not_failing(
    sleep: RecordingSleep,
) -> None:
    respx.post(f"{BASE}/v1/review/list").respond(
        403, json={"code": 7, "message": "Available for Premium Plus sellers", "details": []}
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    with pytest.raises(UnavailableError, match="Premium Plus"):
        await _read(connector, "reviews")


@respx.mock
async def test_yandex_market_questions_page_by_token_and_ask_which_wait(
    sleep: RecordingSleep,
) -> None:
    example = _fixture("ym_goods_questions.json")
    path = f"{BASE}/v1/businesses/1000001/goods-questions"
    waiting = {"status": "OK", "result": {"questions": [example["result"]["questions"][1]],
                                          "totalCount": 1}}  # fmt: skip
    last = {"status": "OK", "result": {"questions": [], "totalCount": 0}}
    route = respx.post(path).mock(side_effect=[
        httpx.Response(200, json=example), httpx.Response(200, json=waiting),
        httpx.Response(200, json=last),
    ])  # fmt: skip
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    pages = await _read(connector, "questions")
    first, ask, second = route.calls
    assert json.loads(first.request.content) == {
        "dateFrom": "2026-04-02",
        "dateTo": "2026-04-05",
        "sort": "CREATED_AT_ASC",
    }
    assert first.request.url.params["limit"] == "50"
    assert json.loads(ask.request.content) == {"questionIds": [5001, 5002], "needAnswer": True}
    assert second.request.url.params["pageToken"] == "eyJvcCI6Ij4iLCJrZXkiOiI1MDAyIn0"
    answered, open_ = _mapped(connector, pages)
    assert (answered.external_id, answered.sku) == ("5001", "MUG-1")
    assert answered.has_answer and not open_.has_answer
    assert open_.text == "Можно мыть в посудомойке?"


@respx.mock
async def test_yandex_market_reviews_with_the_cabinet_comment_and_the_order(
    sleep: RecordingSleep,
) -> None:
    respx.post(f"{BASE}/v2/businesses/1000001/goods-feedback").respond(
        json=_fixture("ym_goods_feedback.json"))  # fmt: skip
    comments = respx.post(f"{BASE}/v2/businesses/1000001/goods-feedback/comments").respond(
        json=_fixture("ym_goods_feedback_comments.json"))  # fmt: skip
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    pages = await _read(connector, "reviews")
    assert len(comments.calls) == 1  # only the review with comments is asked about
    answered, fresh = _mapped(connector, pages)
    assert (answered.rating, answered.order_external_id) == (3, "33000123")
    assert answered.cons == "Долгая доставка" and answered.pros == "Красивая"
    assert answered.answer == "Спасибо! Ускорим отправку." and answered.answer_id == "9101"
    assert fresh.rating == 5 and not fresh.has_answer and fresh.order_external_id is None

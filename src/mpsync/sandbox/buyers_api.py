"""The marketplaces' question and review endpoints over ``mpsync.sandbox.buyers``.

Paths, parameters, shapes and limits as the specs have them: Wildberries
09-communications.yaml (feedbacks host, 3 req/s bursts of 6), the Ozon swagger
(``/v1/question/*``, ``/v1/review/*``), Yandex Market ``goods-questions`` and
``goods-feedback`` (hourly resource limits).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from mpsync.sandbox import ozon, wildberries, yandex_market
from mpsync.sandbox.buyers import Message, book
from mpsync.sandbox.http import ApiError, Ctx, Json, Reply, integer, obj, route, timestamp
from mpsync.sandbox.state import SandboxState, iso

WB, OZ, YM = "wildberries", "ozon", "yandex_market"


def _text(value: Any, low: int, high: int | None, what: str = "text") -> str:
    if not isinstance(value, str) or len(value.strip()) < low or (high and len(value) > high):
        raise ApiError(400, f"{what} must be {low}..{high or 'any'} characters")
    return value


# -- Wildberries ---------------------------------------------------------------------------
def _wb_item(message: Message) -> Json:
    """A question (``/api/v1/questions`` items) or a review (``responseFeedback`` items)."""
    question = message.kind == "question"
    details = {"imtId": message.product.nm_id - 40_000_000, "nmId": message.product.nm_id,
               "productName": message.product.name, "supplierArticle": message.product.sku,
               "supplierName": "Песочница", "brandName": "Песочница"}  # fmt: skip
    answered = message.answer is not None
    item: Json = {"id": message.external_id, "text": message.text,
                  "createdDate": iso(message.created), "wasViewed": answered}  # fmt: skip
    item["state"] = "wbRu" if answered else ("suppliersPortalSynch" if question else "none")
    answer: Json | None = None
    if answered:  # a question's answer is dated; a review's has a state
        answer = {"text": message.answer, "editable": message.answers < 2}
        answer |= ({"createDate": iso(message.answered_at or message.created)} if question
                   else {"state": "wbRu"})  # fmt: skip
    item["answer"] = answer
    if question:
        item |= {"productDetails": details, "isWarned": False}
    else:
        item |= {"productDetails": {**details, "size": "0"}, "pros": message.pros,
                 "productValuation": message.rating, "cons": message.cons,
                 "userName": message.author}  # fmt: skip
    return item


def _wb_list(ctx: Ctx, kind: str, most_take: int, most_skip: int) -> Reply:
    answered = ctx.query("isAnswered")
    if answered not in ("true", "false") or ctx.query("take") is None or ctx.query("skip") is None:
        raise ApiError(400, "isAnswered, take and skip are required")
    take, skip = integer(ctx.query("take"), "take"), integer(ctx.query("skip"), "skip")
    if not 1 <= take <= most_take or not 0 <= skip <= most_skip or (
            kind == "question" and take + skip > 10_000):  # fmt: skip
        raise ApiError(400, "take/skip out of range")
    low, high = ctx.query("dateFrom"), ctx.query("dateTo")
    found = [m for m in book(ctx.state.world).visible(WB, kind)
             if (m.answer is not None) == (answered == "true")
             and (not low or m.created >= int(low))
             and (not high or m.created <= int(high))]  # fmt: skip
    if ctx.query("order") == "dateDesc":
        found.reverse()
    key = "questions" if kind == "question" else "feedbacks"
    unanswered = sum(m.answer is None for m in book(ctx.state.world).visible(WB, kind))
    data = {"countUnanswered": unanswered, "countArchive": len(found) if answered == "true" else 0,
            key: [_wb_item(m) for m in found[skip : skip + take]]}  # fmt: skip
    return Reply({"data": data, "error": False, "errorText": "", "additionalErrors": None})


def wb_questions(ctx: Ctx) -> Reply:
    return _wb_list(ctx, "question", 10_000, 10_000)


def wb_feedbacks(ctx: Ctx) -> Reply:
    return _wb_list(ctx, "review", 5_000, 199_990)


def _wb_one(ctx: Ctx, kind: str) -> Reply:
    message = book(ctx.state.world).find(WB, kind, ctx.query("id") or "")
    if message is None:
        raise ApiError(404, "Не найдено")
    return Reply({"data": _wb_item(message), "error": False, "errorText": "",
                  "additionalErrors": None})  # fmt: skip


def wb_question(ctx: Ctx) -> Reply:
    return _wb_one(ctx, "question")


def wb_feedback(ctx: Ctx) -> Reply:
    return _wb_one(ctx, "review")


def wb_answer_question(ctx: Ctx) -> Reply:
    body = obj(ctx.body)
    message = book(ctx.state.world).find(WB, "question", str(body.get("id") or ""))
    if message is None:
        raise ApiError(404, "Вопрос не найден")
    if "answer" not in body:  # marking it viewed
        return Reply({"data": None, "error": False, "errorText": "", "additionalErrors": None})
    if body.get("state") not in ("wbRu", "none"):
        raise ApiError(400, "state must be wbRu or none")
    text = _text(obj(body["answer"], "answer").get("text"), 1, None, "answer.text")
    if message.answers >= 2:
        raise ApiError(400, "Ответ можно отредактировать только один раз")
    message.take_answer(text, ctx.state.world.now)
    return Reply({"data": None, "error": False, "errorText": "", "additionalErrors": None})


def wb_answer_feedback(ctx: Ctx) -> Reply:
    body = obj(ctx.body)
    text = _text(body.get("text"), 2, 5000)
    # "ID отзыва не валидируется": a wrong id is taken without an error.
    message = book(ctx.state.world).find(WB, "review", str(body.get("id") or ""))
    if message is not None:
        message.take_answer(text, ctx.state.world.now)
    return Reply(None, 204)


def wildberries_routes(state: SandboxState) -> list[Route]:
    api = wildberries.API
    table = [("GET", "/api/v1/questions", wb_questions),
             ("PATCH", "/api/v1/questions", wb_answer_question),
             ("GET", "/api/v1/question", wb_question),
             ("GET", "/api/v1/feedbacks", wb_feedbacks),
             ("POST", "/api/v1/feedbacks/answer", wb_answer_feedback),
             ("GET", "/api/v1/feedback", wb_feedback)]  # fmt: skip
    return [route(state, api, method, path, handler, "feedbacks")
            for method, path, handler in table]  # fmt: skip


# -- Ozon ------------------------------------------------------------------------------------
def _oz_status(message: Message) -> str:
    return "PROCESSED" if message.answer is not None else "UNPROCESSED"


def _oz_question(message: Message) -> Json:
    sku = message.product.ozon_sku
    return {"answers_count": int(message.answer is not None), "author_name": message.author,
            "id": message.external_id, "sku": sku, "text": message.text,
            "product_url": f"https://www.ozon.ru/product/{sku}/",
            "published_at": iso(message.created), "status": _oz_status(message),
            "question_link": f"https://www.ozon.ru/product/{sku}/questions/"}  # fmt: skip


def _oz_review(message: Message) -> Json:
    return {"comments_amount": int(message.answer is not None), "id": message.external_id,
            "is_rating_participant": True, "order_status": "DELIVERED", "photos_amount": 0,
            "published_at": iso(message.created), "rating": message.rating,
            "sku": message.product.ozon_sku, "status": _oz_status(message),
            "text": message.text, "videos_amount": 0}  # fmt: skip


def _after(found: list[Message], last: str) -> list[Message]:
    ids = [m.external_id for m in found]
    return found[ids.index(last) + 1 :] if last in ids else ([] if last else found)


def oz_question_list(ctx: Ctx) -> Reply:
    body = obj(ctx.body or {})
    flt = obj(body.get("filter") or {}, "filter")
    status = flt.get("status") or "ALL"
    low = timestamp(flt["date_from"], "date_from") if flt.get("date_from") else None
    high = timestamp(flt["date_to"], "date_to") if flt.get("date_to") else None
    found = [m for m in book(ctx.state.world).visible(OZ, "question")
             if status in ("ALL", "NEW", "VIEWED") or _oz_status(m) == status
             if (low is None or m.created >= low)
             and (high is None or m.created <= high)]  # fmt: skip
    page = _after(found, str(body.get("last_id") or ""))[:100]
    last = page[-1].external_id if page else ""
    return Reply({"questions": [_oz_question(m) for m in page], "last_id": last})


def oz_review_list(ctx: Ctx) -> Reply:
    body = obj(ctx.body)
    limit = integer(body.get("limit"), "limit")
    if not 20 <= limit <= 100:
        raise ApiError(400, "limit must be between 20 and 100")
    status = body.get("status") or "ALL"
    found = [m for m in book(ctx.state.world).visible(OZ, "review")
             if status == "ALL" or _oz_status(m) == status]  # fmt: skip
    if body.get("sort_dir") == "DESC":
        found.reverse()
    rest = _after(found, str(body.get("last_id") or ""))
    page = rest[:limit]
    last = page[-1].external_id if page else ""
    return Reply({"reviews": [_oz_review(m) for m in page], "last_id": last,
                  "has_next": len(rest) > limit})  # fmt: skip


def _oz_find(ctx: Ctx, kind: str, key: str) -> Message:
    message = book(ctx.state.world).find(OZ, kind, str(obj(ctx.body).get(key) or ""))
    if message is None:
        raise ApiError(404, f"{key} not found")
    return message


def oz_question_info(ctx: Ctx) -> Reply:
    return Reply(_oz_question(_oz_find(ctx, "question", "question_id")))


def oz_question_answers(ctx: Ctx) -> Reply:
    message = _oz_find(ctx, "question", "question_id")
    answers = [] if message.answer is None else [{
        "id": f"a-{message.external_id}", "text": message.answer, "author_name": "Песочница",
        "published_at": iso(message.answered_at or message.created),
        "question_id": message.external_id, "sku": message.product.ozon_sku}]  # fmt: skip
    return Reply({"answers": answers, "last_id": ""})


def oz_question_answer(ctx: Ctx) -> Reply:
    message = _oz_find(ctx, "question", "question_id")
    body = obj(ctx.body)
    if integer(body.get("sku"), "sku") != message.product.ozon_sku:
        raise ApiError(400, "sku does not match the question")
    message.take_answer(_text(body.get("text"), 2, 3000), ctx.state.world.now)
    return Reply({"answer_id": f"a-{message.external_id}"})


def oz_review_info(ctx: Ctx) -> Reply:
    return Reply(_oz_review(_oz_find(ctx, "review", "review_id")))


def oz_review_comments(ctx: Ctx) -> Reply:
    message = _oz_find(ctx, "review", "review_id")
    comments = [] if message.answer is None else [{
        "id": f"c-{message.external_id}", "text": message.answer, "is_owner": True,
        "is_official": True, "parent_comment_id": "",
        "published_at": iso(message.answered_at or message.created)}]  # fmt: skip
    return Reply({"comments": comments, "offset": 0})


def oz_review_comment(ctx: Ctx) -> Reply:
    message = _oz_find(ctx, "review", "review_id")
    message.take_answer(_text(obj(ctx.body).get("text"), 1, None), ctx.state.world.now)
    return Reply({"comment_id": f"c-{message.external_id}"})


def _premium(handler: Any) -> Any:
    """Ozon's buyers methods: "Доступно для продавцов с подпиской Premium Plus"."""

    def guarded(ctx: Ctx) -> Reply:
        if not ctx.state.config.ozon_premium:
            raise ApiError(403, "Method is available for Premium Plus subscribers only")
        result: Reply = handler(ctx)
        return result

    return guarded


def ozon_routes(state: SandboxState) -> list[Route]:
    table = [("/v1/question/list", oz_question_list), ("/v1/question/info", oz_question_info),
             ("/v1/question/answer/list", oz_question_answers),
             ("/v1/question/answer/create", oz_question_answer),
             ("/v1/review/list", oz_review_list), ("/v1/review/info", oz_review_info),
             ("/v1/review/comment/list", oz_review_comments),
             ("/v1/review/comment/create", oz_review_comment)]  # fmt: skip
    return [route(state, ozon.API, "POST", path, _premium(handler), "global")
            for path, handler in table]  # fmt: skip


# -- Yandex Market ---------------------------------------------------------------------------
def _ym_question(message: Message, business: int) -> Json:
    return {"questionIdentifiers": {"id": int(message.external_id), "categoryId": 91491,
                                    "offerId": message.product.sku},
            "businessId": business, "text": message.text, "createdAt": iso(message.created),
            "votes": {"likes": 0, "dislikes": 0},
            "author": {"type": "USER", "name": message.author}}  # fmt: skip


def _ym_feedback(message: Message) -> Json:
    ids: Json = {"offerId": message.product.sku}
    if message.order_id is not None:
        ids["orderId"] = message.order_id
    return {"feedbackId": int(message.external_id), "createdAt": iso(message.created),
            "needReaction": message.answer is None, "identifiers": ids,
            "author": message.author,
            "description": {"comment": message.text, "advantages": message.pros,
                            "disadvantages": message.cons},
            "statistics": {"rating": message.rating,
                           "commentsCount": int(message.answer is not None)}}  # fmt: skip


def _ym_page(ctx: Ctx, found: list[Message]) -> tuple[list[Message], Json]:
    limit = integer(ctx.query("limit") or 25, "limit")
    if not 1 <= limit <= 50:
        raise ApiError(400, "limit must be between 1 and 50")
    token = ctx.query("pageToken") or ""
    start = integer(token, "pageToken") if token else 0
    page = found[start : start + limit]
    more = start + limit < len(found)
    return page, ({"nextPageToken": str(start + limit)} if more else {})


def _between(message: Message, low: Any, high: Any, *, dates: bool) -> bool:
    def moment(value: Any, what: str) -> int:
        return timestamp(f"{value}T00:00:00Z" if dates else value, what)

    after = low is None or message.created >= moment(low, "from")
    before = high is None or message.created < moment(high, "to") + (86400 if dates else 0)
    return after and before


def ym_questions(ctx: Ctx) -> Reply:
    body = obj(ctx.body or {})
    found = book(ctx.state.world).visible(YM, "question")
    if body.get("questionIds"):
        wanted = {str(i) for i in body["questionIds"]}
        found = [m for m in found if m.external_id in wanted]
    else:
        found = [m for m in found if _between(m, body.get("dateFrom"), body.get("dateTo"),
                                              dates=True)]  # fmt: skip
    if body.get("needAnswer"):
        found = [m for m in found if m.answer is None]
    page, paging = _ym_page(ctx, found)
    business = ctx.state.config.credentials.ym_business_id
    result = {"questions": [_ym_question(m, business) for m in page], "paging": paging,
              "totalCount": len(found)}  # fmt: skip
    return Reply({"status": "OK", "result": result})


def _ym_find(ctx: Ctx, kind: str, key: str) -> Message:
    message = book(ctx.state.world).find(YM, kind, str(obj(ctx.body).get(key) or ""))
    if message is None:
        raise ApiError(404, f"{key} not found")
    return message


def ym_question_answers(ctx: Ctx) -> Reply:
    message = _ym_find(ctx, "question", "questionId")
    answers = [] if message.answer is None else [{
        "id": message.number + 9_000_000, "questionId": int(message.external_id),
        "text": message.answer, "createdAt": iso(message.answered_at or message.created),
        "votes": {"likes": 0, "dislikes": 0}, "author": {"type": "BUSINESS", "name": "Песочница"},
        "canModify": True, "status": "PUBLISHED", "comments": []}]  # fmt: skip
    return Reply({"status": "OK", "result": {"answers": answers, "paging": {}}})


def ym_question_update(ctx: Ctx) -> Reply:
    body = obj(ctx.body)
    parent = obj(body.get("parentEntityId"), "parentEntityId")
    if body.get("operationType") != "CREATE" or parent.get("type") != "QUESTION":
        raise ApiError(400, "only CREATE of an answer to a QUESTION is simulated")
    message = book(ctx.state.world).find(YM, "question", str(parent.get("id")))
    if message is None:
        raise ApiError(404, "question not found")
    message.take_answer(_text(body.get("text"), 1, 5000), ctx.state.world.now)
    return Reply({"status": "OK", "result": {"entity": {"id": message.number + 9_000_000,
                                                        "type": "ANSWER"}}})  # fmt: skip


def ym_feedbacks(ctx: Ctx) -> Reply:
    body = obj(ctx.body or {})
    found = book(ctx.state.world).visible(YM, "review")
    if body.get("feedbackIds"):
        wanted = {str(i) for i in body["feedbackIds"]}
        found = [m for m in found if m.external_id in wanted]
    else:
        found = [m for m in found if _between(m, body.get("dateTimeFrom"),
                                              body.get("dateTimeTo"), dates=False)]  # fmt: skip
    page, paging = _ym_page(ctx, found)
    return Reply({"status": "OK", "result": {"feedbacks": [_ym_feedback(m) for m in page],
                                             "paging": paging}})  # fmt: skip


def _ym_comment(message: Message) -> Json:
    return {"id": message.number + 8_000_000, "text": message.answer, "canModify": True,
            "author": {"type": "BUSINESS", "name": "Песочница"}, "status": "PUBLISHED",
            "feedbackId": int(message.external_id)}  # fmt: skip


def ym_feedback_comments(ctx: Ctx) -> Reply:
    message = _ym_find(ctx, "review", "feedbackId")
    comments = [] if message.answer is None else [_ym_comment(message)]
    return Reply({"status": "OK", "result": {"comments": comments, "paging": {}}})


def ym_feedback_comment(ctx: Ctx) -> Reply:
    message = _ym_find(ctx, "review", "feedbackId")
    comment = obj(obj(ctx.body).get("comment"), "comment")
    message.take_answer(_text(comment.get("text"), 1, 4096), ctx.state.world.now)
    return Reply({"status": "OK", "result": _ym_comment(message)})


def yandex_market_routes(state: SandboxState) -> list[Route]:
    base = "/v1/businesses/{businessId}/goods-questions"
    feedback = "/v2/businesses/{businessId}/goods-feedback"
    table = [(base, ym_questions, "question_reads"),
             (f"{base}/answers", ym_question_answers, "question_reads"),
             (f"{base}/update", ym_question_update, "question_writes"),
             (feedback, ym_feedbacks, "feedback_reads"),
             (f"{feedback}/comments", ym_feedback_comments, "feedback_reads"),
             (f"{feedback}/comments/update", ym_feedback_comment, "feedback_writes")]  # fmt: skip
    return [route(state, yandex_market.API, "POST", path, handler, group)
            for path, handler, group in table]  # fmt: skip

"""Every Wildberries read, declared (``mpsync.connector.declared``): one engine runs them.

Sources: ``eslazarev/wildberries-sdk:specs`` (``tests/contracts/wildberries*.py`` hold them
as contracts):

* ``03-orders-fbs.yaml``: ``GET /api/v3/orders/new`` (the tasks awaiting the seller, no
  status: each is ``new``), ``POST /api/v3/orders/status`` (1..1000 ids),
  ``GET /api/v3/orders`` (``limit`` 1..1000, ``next`` from 0, unix ``dateFrom``/``dateTo``
  at most 30 days apart; tasks without a status, asked for page by page);
* ``02-products.yaml``: ``GET /api/v2/list/goods/filter`` (``limit`` ≤ 1000 and ``offset``,
  "repeat the request until the answer is an empty list"; errors as ``error: true`` and
  ``errorText``); ``POST /content/v2/get/cards/list`` (``cursor.limit`` ≤ 100, then the
  answer's ``cursor.updatedAt``/``nmID`` until ``cursor.total`` is below the limit;
  ``withPhoto`` defaults to 0, "only cards without photos": every card needs -1);
* ``09-communications.yaml``: ``GET /api/v1/questions`` and ``/api/v1/feedbacks``, every
  unanswered message (no dates: the list an answer is owed from is short and must be
  whole), then the answered ones created in the window, by ``take``/``skip`` (questions:
  take + skip ≤ 10,000; reviews: take ≤ 5,000, skip ≤ 199,990);
* ``13-finances.yaml``: ``GET /api/v5/supplier/reportDetailByPeriod`` on the statistics
  host: Moscow dates, ``limit`` ≤ 100,000, ``rrdid`` from 0 then the last row's
  ``rrd_id`` "until the answer is 204"; data from 2024-01-29; weekly reports are formed
  after the week, so every read re-reads the last 14 days;
* ``12-reports.yaml``: ``GET /api/v1/analytics/goods-return`` (Moscow dates, "максимум за
  31 день"; ``report[]`` rows; statuses move on for days: a 14-day re-read).

Hooks the connector implements: ``with_statuses`` (a history page's statuses, by its ids)
and ``size_rows`` (a card → a row per size, ``catalog.size_rows``). The stock read is
bespoke (``WildberriesConnector._stock``); the orders stream chains three reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from mpsync.connector.base import RecordType
from mpsync.connector.declared import Answer, Ends, Hooks, Paging, StreamSpec, WindowRule

MOSCOW = "Europe/Moscow"
FIRST_REPORT_DAY = datetime(2024, 1, 29, tzinfo=ZoneInfo(MOSCOW))  # "Данные доступны с ..."
DAY = timedelta(days=1)


def _goods(kind: RecordType, enrich: str | None) -> StreamSpec:
    """The prices API's goods list: cards with their sizes and prices, by offset."""
    return StreamSpec(
        record_type=kind, path="/api/v2/list/goods/filter", host="prices", group="prices",
        paging=Paging(kind="offset", param="offset", page_size=1000), ends=Ends(empty=True),
        answer=Answer(records="data.listGoods", error="error", error_text="errorText"),
        hooks=Hooks(enrich=enrich), phase="goods",
    )  # fmt: skip


def _messages(kind: RecordType, path: str, key: str, most: int) -> StreamSpec:
    """Buyers' messages: the unanswered ones, then those answered in the window."""
    order: dict[str, Any] = {"order": "dateAsc"}
    answered = WindowRule(since="dateFrom", until="dateTo", format="unix", split=False,
                          history=365 * DAY)  # fmt: skip
    return StreamSpec(
        record_type=kind, path=path, host="feedbacks", group="feedbacks",
        answer=Answer(records=f"data.{key}"),
        paging=Paging(kind="offset", limit_param="take", param="skip", page_size=1000,
                      max_offset=most), phases=[
            {"phase": "open", "params": {"isAnswered": "false", **order}},
            {"phase": "answered", "params": {"isAnswered": "true", **order}, "window": answered},
        ],
    )  # fmt: skip


STREAMS: Mapping[str, StreamSpec] = MappingProxyType({
    # orders: new tasks, the status refresh of the open ones, the windowed history
    "new_tasks": StreamSpec(
        record_type="order", path="/api/v3/orders/new", host="marketplace", group="orders",
        paging=Paging(kind="none"),
        answer=Answer(records="orders", defaults={"supplierStatus": "new"}), phase="new",
    ),
    "order_status": StreamSpec(
        record_type="order_status", method="POST", path="/api/v3/orders/status",
        host="marketplace", group="orders", answer=Answer(records="orders"),
        paging=Paging(kind="ids", param="orders", ids_as="int", page_size=1000),
        phase="status",
    ),
    "orders": StreamSpec(
        record_type="order", path="/api/v3/orders", host="marketplace", group="orders",
        answer=Answer(records="orders"), ends=Ends(empty=True), phase="history",
        paging=Paging(param="next", first=0, token_type="integer", next="next",
                      page_size=1000),
        window=WindowRule(since="dateFrom", until="dateTo", format="unix", span=30 * DAY,
                          history=30 * DAY),
        hooks=Hooks(enrich="with_statuses"),
    ),
    "prices": _goods("price", "size_rows"),
    "stock": _goods("stock", None),  # the cards whose sizes the stock read asks about
    "products": StreamSpec(
        record_type="product", method="POST", path="/content/v2/get/cards/list",
        host="content", group="content", answer=Answer(records="cards"),
        body={"settings": {"filter": {"withPhoto": -1}}},
        paging=Paging(page_size=100, limit_param="settings.cursor.limit",
                      param="settings.cursor", next="cursor",
                      cursor_fields=["updatedAt", "nmID"], count="cursor.total"),
        ends=Ends(empty=True), phase="cards", hooks=Hooks(enrich="size_rows"),
    ),
    # one message read back by id (``read_message``): WB does not validate a review id
    "question": StreamSpec(record_type="question", path="/api/v1/question", host="feedbacks",
                           group="feedbacks", answer=Answer(records="data", lone_object=True),
                           paging=Paging(kind="none")),
    "review": StreamSpec(record_type="review", path="/api/v1/feedback", host="feedbacks",
                         group="feedbacks", answer=Answer(records="data", lone_object=True),
                         paging=Paging(kind="none")),
    "questions": _messages("question", "/api/v1/questions", "questions", 10_000),
    "reviews": _messages("review", "/api/v1/feedbacks", "feedbacks", 199_990 + 5000),
    "finance": StreamSpec(
        record_type="finance", path="/api/v5/supplier/reportDetailByPeriod", host="statistics",
        group="finance_report", pace="report",
        paging=Paging(page_size=100_000, param="rrdid", first=0, token_type="integer",
                      next="rrd_id", next_in="last_record", grows=True),
        ends=Ends(empty=True, short=True),
        window=WindowRule(since="dateFrom", until="dateTo", format="date", zone=MOSCOW,
                          split=False, history=14 * DAY, reread=14 * DAY,
                          earliest=FIRST_REPORT_DAY),
    ),
    "returns": StreamSpec(
        record_type="return", path="/api/v1/analytics/goods-return", host="analytics",
        group="goods_return", answer=Answer(records="report"), paging=Paging(kind="none"),
        window=WindowRule(since="dateFrom", until="dateTo", format="date", zone=MOSCOW,
                          span=30 * DAY, history=14 * DAY, reread=14 * DAY),
    ),
})  # fmt: skip
"""Keys that are not streams are reads code runs: ``new_tasks`` and ``order_status`` are
read by the ``orders`` stream before its history; ``question`` and ``review`` read one
message back after answering it."""

PAGE_SIZES: Mapping[str, str] = MappingProxyType({
    "orders": "page_size", "order_status": "status_batch", "prices": "goods_page_size",
    "stock": "goods_page_size", "products": "cards_page_size", "finance": "report_limit",
})  # fmt: skip
"""The connector's class attribute each read's page size comes from (a test shrinks one)."""

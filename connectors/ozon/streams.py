"""Every Ozon read, declared (``mpsync.connector.declared``): the data of each listing in
one place, run by the one engine (``DeclaredStream``) through ``OzonConnector.call``.

Source: the Ozon swagger (``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/
swagger.json``); the quotes are its own.

* ``orders``: ``/v4/posting/fbs/list`` by status change (``filter.last_changed_status_date``
  window by window), ``filter.since``/``to`` within a year of the window's end, paged by
  ``cursor`` while ``has_next`` (v3 answers under ``result``); ``queue``: the unfulfilled
  list by ``cutoff`` window, the same paging; ``posting``: one posting by its number.
* ``products``/``stock``/``prices``: the product lists (``visibility: ALL``) by
  ``last_id``/``cursor``.
* ``finance``: ``/v3/finance/transaction/list``, ``filter.date`` spanning at most one
  month ("не больше 1 месяца": 28 days is within every calendar month), ``page`` from 1 to
  ``page_count``, ``page_size`` 1000 (the official example); each incremental read goes
  three days back (late postings). ``finance_totals``: the same period's totals.
* ``returns``: ``/v1/returns/list`` by ``visual_status_change_moment`` (a return comes
  back when its status moves; ``limit`` ≤ 500, ``last_id`` the id of the last return read,
  ``has_next``), then ``/v2/returns/rfbs/list`` by creation date (``last_id`` the last
  ``return_id``, a short page the last). The rFBS list names the buyer (``client_name``):
  it is dropped, so no buyer's name reaches the store; the swagger gives ``returns`` as one
  object, a list is read as well.
* ``questions``/``reviews``: ``/v1/question/list`` and ``/v1/review/list`` by ``last_id``:
  first every unprocessed message, then the rest: questions published inside the window
  (``filter.date_from`` optional), reviews newest first (the method has no date filter)
  until one is older than the window. "Доступно для продавцов с подпиской Premium Plus":
  without it a 403 makes the stream "not available for this account".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from mpsync.connector.base import RecordType
from mpsync.connector.declared import Answer, Ends, Paging, StreamSpec, WindowRule

YEAR = timedelta(days=364)
LIST_WITH = {"analytics_data": True, "financial_data": True, "barcodes": False}
PREMIUM = "the Premium Plus subscription and a key allowed to call it"


def _listing(kind: RecordType, path: str, token: str, phase: str) -> StreamSpec:
    """A product listing (``visibility: ALL``) paged by *token*; v4/v5 answer at the top
    level, v3 under ``result``; an empty page, an empty token or ``has_next: false`` ends it."""
    return StreamSpec(
        record_type=kind, method="POST", path=path, group="product_info",
        body={"filter": {"visibility": "ALL"}}, answer=Answer(records=["items", "result.items"]),
        paging=Paging(param=token, first="", next=[token, f"result.{token}"],
                      has_more=["has_next", "result.has_next"], page_size=1000),
        ends=Ends(empty=True), phase=phase,
    )  # fmt: skip


def _postings(path: str, window: WindowRule, phase: str) -> StreamSpec:
    """A postings list: ``cursor`` paging while ``has_next`` (true with no cursor is an
    error), v4 at the top level, v3 under ``result``."""
    return StreamSpec(
        record_type="order", method="POST", path=path, group="postings",
        body={"sort_dir": "ASC", "with": LIST_WITH},
        answer=Answer(records=["postings", "result.postings"]),
        paging=Paging(page_size=100, param="cursor", first="", next=["cursor", "result.cursor"],
                      has_more=["has_next", "result.has_next"], strict=True),
        window=window, phase=phase,
    )  # fmt: skip


def _since(since: str, until: str) -> WindowRule:
    """The whole window at once (no span limit), a first read a year back."""
    return WindowRule(since=since, until=until, split=False, history=timedelta(days=365),
                      format="iso_ms")  # fmt: skip


def _messages(path: str, records: str, phases: list[dict[str, Any]], **paging: Any) -> StreamSpec:
    return StreamSpec(
        record_type="question" if records == "questions" else "review", method="POST",
        path=path, group="buyers", answer=Answer(records=records),
        paging=Paging(param="last_id", first="", next="last_id", **paging),
        ends=Ends(empty=True), requires=PREMIUM, phases=phases,
    )  # fmt: skip


CHANGED = "filter.last_changed_status_date"
STREAMS: Mapping[str, StreamSpec] = MappingProxyType({
    "orders": _postings("/v4/posting/fbs/list", WindowRule(
        since=f"{CHANGED}.from", until=[f"{CHANGED}.to", "filter.to"],
        reach={"filter.since": YEAR}, span=timedelta(days=30), history=YEAR), "list"),
    "queue": _postings("/v4/posting/fbs/unfulfilled/list", WindowRule(
        since="filter.cutoff_from", until="filter.cutoff_to", span=YEAR), "queue"),
    "posting": StreamSpec(
        record_type="order", method="POST", path="/v3/posting/fbs/get", group="posting_get",
        body={"with": {"analytics_data": True, "financial_data": True}},
        paging=Paging(kind="none"), answer=Answer(records=["result", ""], lone_object=True)),
    "stock": _listing("stock", "/v4/product/info/stocks", "cursor", "stock"),
    "prices": _listing("price", "/v5/product/info/prices", "cursor", "price"),
    "products": _listing("product", "/v3/product/list", "last_id", "products"),
    "finance": StreamSpec(
        record_type="finance", method="POST", path="/v3/finance/transaction/list",
        group="finance", body={"filter": {"operation_type": [], "posting_number": "",
                                          "transaction_type": "all"}},
        answer=Answer(records="result.operations", required=True),
        paging=Paging(kind="page", param="page", page_count="result.page_count",
                      limit_param="page_size", page_size=1000), window=WindowRule(
            since="filter.date.from", until="filter.date.to", span=timedelta(days=28),
            history=timedelta(days=3), reread=timedelta(days=3), format="iso_ms")),
    "finance_totals": StreamSpec(
        record_type="finance", method="POST", path="/v3/finance/transaction/totals",
        group="finance", body={"posting_number": "", "transaction_type": "all"},
        paging=Paging(kind="none"), answer=Answer(records="result", lone_object=True),
        window=WindowRule(since="date.from", until="date.to", span=timedelta(days=28),
                          format="iso_ms")),
    "returns": StreamSpec(
        record_type="return", method="POST", path="/v1/returns/list", group="postings",
        answer=Answer(records="returns"), ends=Ends(empty=True),
        paging=Paging(param="last_id", first=0, token_type="integer", next_in="last_record"),
        phases=[
            {"phase": "returns",
             "paging": {"next": "id", "has_more": "has_next", "strict": True, "page_size": 500},
             "window": _since("filter.visual_status_change_moment.time_from",
                              "filter.visual_status_change_moment.time_to")},
            {"phase": "rfbs", "path": "/v2/returns/rfbs/list",
             "paging": {"next": "return_id", "page_size": 1000}, "ends": {"short": True},
             "answer": {"lone_object": True, "drop": ["client_name"]},
             "body": {"filter": {"group_state": ["All"]}},
             "window": _since("filter.created_at.from", "filter.created_at.to")},
        ]),
    "questions": _messages("/v1/question/list", "questions", [
        {"phase": "open", "body": {"filter": {"status": "UNPROCESSED"}}},
        {"phase": "window", "body": {"filter": {"status": "ALL"}}, "window": WindowRule(
            since="filter.date_from", until="filter.date_to", split=False, history=None,
            format="iso_offset")},
    ]),
    "reviews": _messages("/v1/review/list", "reviews", [
        {"phase": "open", "body": {"status": "UNPROCESSED", "sort_dir": "ASC"}},
        {"phase": "recent", "body": {"status": "PROCESSED", "sort_dir": "DESC"},
         "ends": {"older": "published_at"}},
    ], page_size=100, has_more="has_next", strict=True),  # limit 20..100
})  # fmt: skip
"""The reads; the stream ones (``orders``, ``stock``...) are the streams of that name, the
others (``queue``, ``posting``, ``finance_totals``) reads the connector's methods run."""

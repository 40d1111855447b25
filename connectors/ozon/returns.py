"""Ozon returns (FBO and FBS, rFBS included), read as the ``returns`` stream.

Source: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json``,
``POST /v1/returns/list``: one filter at a time — mpsync reads by
``visual_status_change_moment`` (``time_from``/``time_to``), so a return comes back when its
status moves; ``limit`` ≤ 500, ``last_id`` the id of the last return read, ``has_next``.
One return is one product of a posting: ``type`` (Cancellation, FullReturn, PartialReturn,
ClientReturn, Unknown), ``return_reason_name``, ``product`` with its quantity and price.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.paginate import CursorPaginator, PhasedPaginator

PATH = "/v1/returns/list"
RFBS = "/v2/returns/rfbs/list"


class OzonReturns:
    """The ``returns`` stream of ``OzonConnector`` (a ``RestConnector``): FBO/FBS returns,
    then rFBS return requests (``/v2/returns/rfbs/list``, by creation date, ``last_id``).

    The rFBS list names the buyer (``client_name``): the connector drops it, so no buyer's
    name reaches the store's raw rows. The swagger gives ``returns`` as one object; a list
    is read as well.
    """

    returns_page_size: ClassVar[int] = 500
    rfbs_page_size: ClassVar[int] = 1000  # the official request example's limit
    call: Any

    async def _returns(self, window: FetchWindow) -> AsyncIterator[Page]:
        from mpsync_connectors.ozon.finance import stamp

        since = window.since or window.until.replace(year=window.until.year - 1)
        moment = {"time_from": stamp(since), "time_to": stamp(window.until)}
        created = {"from": stamp(since), "to": stamp(window.until)}

        async def page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            body = {"filter": {"visual_status_change_moment": moment},
                    "limit": self.returns_page_size, "last_id": int(cursor or 0)}  # fmt: skip
            answer = await self.call("POST", "api", PATH, group="postings", json_body=body)
            found = (answer or {}).get("returns") if isinstance(answer, dict) else None
            rows = [row for row in found or [] if isinstance(row, dict)]
            more = bool(rows) and bool((answer or {}).get("has_next"))
            return rows, str(rows[-1].get("id")) if more else None

        async def rfbs(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            body = {"filter": {"created_at": created, "group_state": ["All"]},
                    "limit": self.rfbs_page_size, "last_id": int(cursor or 0)}  # fmt: skip
            answer = await self.call("POST", "api", RFBS, group="postings", json_body=body)
            found = (answer or {}).get("returns") if isinstance(answer, dict) else None
            items = [found] if isinstance(found, dict) else found or []
            rows = [_without_buyer(row) for row in items if isinstance(row, dict)]
            full = len(rows) >= self.rfbs_page_size
            return rows, str(rows[-1].get("return_id")) if rows and full else None

        listing = PhasedPaginator([
            ("returns", CursorPaginator(page, stream="returns", what=f"ozon POST {PATH}")),
            ("rfbs", CursorPaginator(rfbs, stream="returns", what=f"ozon POST {RFBS}")),
        ], stream="returns", what=f"ozon POST {PATH}")  # fmt: skip
        async for rows, following in listing.pages(window.resume):
            yield Page("return", rows, following)


def _without_buyer(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "client_name"}

"""Ozon money after the sale: finance transactions, read as the ``finance`` stream.

Source: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json``,
``POST /v3/finance/transaction/list`` ("Список транзакций"): ``filter.date.from``/``to``
(``YYYY-MM-DDTHH:mm:ss.sssZ``) spanning at most one month per request, ``page`` from 1,
``page_size`` (the official request example sends 1000), answered with ``operations``,
``page_count`` and ``row_count``. "Используйте метод с последовательной отправкой
запросов": one request at a time. ``/v3/finance/transaction/totals`` gives the same
period's totals (``mpsync finance reconcile`` compares with it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, Parallel
from mpsync.connector.paginate import CursorPaginator, WindowedPaginator
from mpsync.connector.paging import reread_start, windows

GROUP = "finance"
LIST = "/v3/finance/transaction/list"
TOTALS = "/v3/finance/transaction/totals"
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: Parallel(1)})


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"  # fmt: skip


class OzonFinance:
    """The ``finance`` stream of ``OzonConnector`` (a ``RestConnector``)."""

    finance_page_size: ClassVar[int] = 1000
    # "не больше 1 месяца": 28 days is within every calendar month.
    finance_span: ClassVar[timedelta] = timedelta(days=28)
    reread: ClassVar[timedelta] = timedelta(days=3)  # late postings of the days before
    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType(
        {"finance": timedelta(days=28), "returns": timedelta(days=28)}
    )
    call: Any

    async def _finance(self, window: FetchWindow) -> AsyncIterator[Page]:
        since = reread_start(window.since, window.until, self.reread, backfill=window.backfill)

        def listing(low: datetime, high: datetime) -> CursorPaginator:
            async def page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
                number = int(cursor or 1)
                operations, count = await self._transactions(low, high, number)
                return operations, str(number + 1) if number < count else None

            return CursorPaginator(page, stream="finance", what=f"ozon POST {LIST}")

        pages = WindowedPaginator.until_end(listing, since, window.until, self.finance_span,
                                            stream="finance", what=f"ozon POST {LIST}")  # fmt: skip
        async for operations, following in pages.pages(window.resume):
            yield Page("finance", operations, following)

    async def _transactions(self, start: datetime, end: datetime,
                            page: int) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        body = {"filter": {"date": {"from": stamp(start), "to": stamp(end)},
                           "operation_type": [], "posting_number": "",
                           "transaction_type": "all"},
                "page": page, "page_size": self.finance_page_size}  # fmt: skip
        answer = await self.call("POST", "api", LIST, group=GROUP, json_body=body)
        result = (answer or {}).get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict):
            raise FatalError(f"ozon {LIST}: the answer has no result object")
        operations = [op for op in result.get("operations") or [] if isinstance(op, dict)]
        return operations, int(result.get("page_count") or 0)

    async def finance_totals(self, start: datetime, end: datetime) -> dict[str, Decimal]:
        """The marketplace's own totals of a period (``/v3/finance/transaction/totals``),
        one request per month of it, added up."""
        totals: dict[str, Decimal] = {}
        for low, high in windows(start, end, self.finance_span):
            body = {"date": {"from": stamp(low), "to": stamp(high)}, "posting_number": "",
                    "transaction_type": "all"}  # fmt: skip
            answer = await self.call("POST", "api", TOTALS, group=GROUP, json_body=body)
            for name, value in ((answer or {}).get("result") or {}).items():
                totals[name] = totals.get(name, Decimal(0)) + Decimal(str(value))
        return totals

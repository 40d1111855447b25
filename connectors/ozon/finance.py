"""Ozon money after the sale: finance transactions, read as the ``finance`` stream.

Source: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json``,
``POST /v3/finance/transaction/list`` ("Список транзакций"): ``filter.date.from``/``to``
(``YYYY-MM-DDTHH:mm:ss.sssZ``) spanning at most one month per request, ``page`` from 1,
``page_size`` (the official request example sends 1000), answered with ``operations``,
``page_count`` and ``row_count``. "Используйте метод с последовательной отправкой
запросов": one request at a time. ``/v3/finance/transaction/totals`` gives the same
period's totals (``mpsync finance reconcile`` compares with it). Both are declared
(``streams.STREAMS``: ``finance``, ``finance_totals``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import ClassVar

from mpsync.connector.base import FetchWindow
from mpsync.connector.declared import DeclaredStream
from mpsync.connector.limits import LimitSpec, Parallel

GROUP = "finance"
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: Parallel(1)})


class OzonFinance:
    """Finance reads of ``OzonConnector`` (a ``RestConnector``)."""

    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType(
        {"finance": timedelta(days=28), "returns": timedelta(days=28)}
    )
    declared: Callable[..., DeclaredStream]

    async def finance_totals(self, start: datetime, end: datetime) -> dict[str, Decimal]:
        """The marketplace's own totals of a period, one request per month of it (the
        declared ``finance_totals``), added up."""
        totals: dict[str, Decimal] = {}
        window = FetchWindow(start, end, backfill=True)
        async for records, _ in self.declared("finance_totals").pages(window):
            for name, value in (item for record in records for item in record.items()):
                totals[name] = totals.get(name, Decimal(0)) + Decimal(str(value))
        return totals

"""Creation-date slices of ``getBusinessOrders`` (``OrderDatesFilterDTO``).

Without ``creationDateFrom`` the method answers for orders created in the last 30 days only,
whatever the update-date filter says; a creation window is at most 30 days, ``From``
included, ``To`` excluded, in calendar days (Moscow). An order delivered or returned two
months after it was created is only seen by a request whose creation window holds it, so
every read of updates walks the creation days back over a horizon, 30 days a request
(the ``orders`` stream's ``slices`` hook; its resume cursor inside a window is
``index|pageToken``, ``IndexCodec``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHOP_ZONE = ZoneInfo("Europe/Moscow")
SLICE_DAYS = 30


def day(moment: datetime) -> date:
    """The shop's calendar day of an aware moment."""
    return moment.astimezone(SHOP_ZONE).date()


def creation_slices(low: datetime, high: datetime, horizon: timedelta) -> list[tuple[date, date]]:
    """``[From, To)`` day slices of at most 30 days, newest first, covering creation dates
    from ``low − horizon`` through ``high`` (the last day included)."""
    end = day(high) + timedelta(days=1)
    start = day(low - horizon)
    slices: list[tuple[date, date]] = []
    while end > start:
        begin = max(start, end - timedelta(days=SLICE_DAYS))
        slices.append((begin, end))
        end = begin
    return slices

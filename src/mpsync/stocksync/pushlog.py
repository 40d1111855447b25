"""What stock and price propagation keep of every push: the answer, the log row, and the
last push per key that the next read checks (``stock list`` / ``prices list``)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from mpsync.catalog.pushes import PUSHES, UNANSWERED, answered_state
from mpsync.connector.base import WriteResult
from mpsync.connector.errors import ApiError, AuthError, ConnectorError
from mpsync.store.tables import StockPushLog
from mpsync.store.upsert import bulk_upsert

LOG = StockPushLog.__table__  # type: ignore[attr-defined]
KEY = ("account_id", "kind", "sku", "warehouse")


async def answer_of(push: Awaitable[WriteResult]) -> WriteResult:
    """The marketplace's answer to *push*; a refusal or a lost answer as a failed result
    (a lost one marked unanswered: the marketplace may or may not have taken it)."""
    try:
        return await push
    except (ApiError, AuthError) as exc:
        return WriteResult(False, f"{type(exc).__name__}: {exc}")
    except ConnectorError as exc:
        return WriteResult(False, f"{type(exc).__name__}: {exc}", {UNANSWERED: True})


class PushRecords:
    """The rows of one account's pushes, written in one transaction by :meth:`save`."""

    def __init__(self, account: str, kind: str, now: datetime) -> None:
        self.account, self.kind, self.now = account, kind, now
        self.last: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []

    def add(self, sku: str, warehouse: str, sent: dict[str, Any], ids: Mapping[str, str],
            reason: str, answer: WriteResult) -> None:  # fmt: skip
        key = {"account_id": self.account, "kind": self.kind, "sku": sku, "warehouse": warehouse}
        message = answer.message[:2000] or None
        state = answered_state(answer)
        self.last.append({**key, "sent": sent, "ids": dict(ids), "sent_at": self.now,
                          "answer": message, "state": state, "read": None,
                          "checked_at": None})  # fmt: skip
        self.log.append({**key, "sent": sent, "reason": reason, "ok": answer.ok,
                         "answer": message, "at": self.now})  # fmt: skip

    def save(self, engine: Engine) -> None:
        if not self.last:
            return
        with engine.begin() as connection:
            bulk_upsert(connection, PUSHES, self.last, list(KEY), compare=(),
                        update=[c for c in self.last[0] if c not in KEY],
                        returning=None)  # fmt: skip
            connection.execute(LOG.insert(), self.log)

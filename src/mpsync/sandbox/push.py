"""Ozon push notifications and Yandex Market API notifications sent to a webhook URL.

Checks the documented answer shape, retries with backoff, can send duplicates.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from mpsync.sandbox.sim import Change
    from mpsync.sandbox.state import SandboxState

_MAX_PENDING = 100_000


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch))


@dataclass
class Delivery:
    """One push waiting to be (re)delivered."""

    marketplace: str
    url: str
    payload: dict[str, Any]
    attempts: int = 0
    due: float = 0.0


class PushDispatcher:
    """Turns status changes into pushes and delivers them with bounded retries."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.transport: httpx.AsyncBaseTransport | None = None
        self.pending: deque[Delivery] = deque()
        self.sent: list[dict[str, Any]] = []
        self.counts = {"delivered": 0, "failed_attempts": 0, "dropped": 0, "duplicates": 0}
        now = self.state.world.now
        for mp in ("ozon", "yandex_market"):
            ping_type = "TYPE_PING" if mp == "ozon" else "PING"
            key = "message_type" if mp == "ozon" else "notificationType"
            self._queue(mp, {key: ping_type, "time": _iso(now)})

    def targets(self) -> dict[str, str]:
        found = {mp: self.state.config.push_target(mp) for mp in ("ozon", "yandex_market")}
        return {mp: url for mp, url in found.items() if url}

    def _queue(self, marketplace: str, payload: dict[str, Any]) -> None:
        url = self.targets().get(marketplace)
        if url is None:
            return
        if len(self.pending) >= _MAX_PENDING:
            self.pending.popleft()
            self.counts["dropped"] += 1
        self.pending.append(Delivery(marketplace, url, payload))
        if self.state.roll("push_duplicate"):
            self.counts["duplicates"] += 1
            self.pending.append(Delivery(marketplace, url, dict(payload)))

    def collect(self) -> None:
        """Move new status changes from the world into the delivery queue."""
        with self.state.world.lock:
            changes = self.state.world.changes
            while changes:
                change = changes.popleft()
                if change.marketplace == "ozon":
                    self._queue("ozon", self._ozon(change))
                elif change.marketplace == "yandex_market":
                    for payload in self._ym(change):
                        self._queue("yandex_market", payload)

    def _ozon(self, change: Change) -> dict[str, Any]:
        world, row = self.state.world, change.row
        flow, table = world.flows["ozon"], world.tables["ozon"]
        common = {
            "posting_number": self.state.external_id("ozon", row),
            "warehouse_id": world.warehouses.ozon_id,
            "seller_id": int(self.state.config.credentials.ozon_client_id),
        }
        lines = world.lines("ozon", row)
        if change.kind == "created":
            created = table.created[row]
            return {
                "message_type": "TYPE_NEW_POSTING",
                **common,
                "products": [
                    {
                        "sku": ln.product.ozon_sku,
                        "offer_id": ln.product.sku,
                        "quantity": ln.quantity,
                    }
                    for ln in lines
                ],
                "in_process_at": _iso(created),
                "shipment_date": _iso(created + 86400),
                "tpl_integration_type": "ozon",
                "is_express": False,
                "tracking_number": "",
                "delivery_date_begin": _iso(created + 3 * 86400),
                "delivery_date_end": _iso(created + 4 * 86400),
            }
        new_state = flow.states[table.state[row]].substatus
        if change.kind == "cancelled":
            return {
                "message_type": "TYPE_POSTING_CANCELLED",
                **common,
                "products": [{"sku": ln.product.ozon_sku, "quantity": ln.quantity} for ln in lines],
                "old_state": flow.states[change.old_state].substatus,
                "new_state": new_state,
                "changed_state_date": _iso(change.at),
                "reason": {"id": 352, "message": "Product is out of stock"},
            }
        return {
            "message_type": "TYPE_STATE_CHANGED",
            **common,
            "new_state": new_state,
            "changed_state_date": _iso(change.at),
        }

    def _ym(self, change: Change) -> list[dict[str, Any]]:
        """The API notifications of one change (sendNotification.md): a return or a
        non-redemption (cancelled after shipping) also sends ORDER_RETURN_CREATED."""
        world, row = self.state.world, change.row
        flow = world.flows["yandex_market"]
        raw = flow.states[world.tables["yandex_market"].state[row]]
        common = {
            "campaignId": self.state.config.credentials.ym_campaign_id,
            "orderId": int(self.state.external_id("yandex_market", row)),
        }
        items = [
            {"offerId": ln.product.sku, "count": ln.quantity}
            for ln in world.lines("yandex_market", row)
        ]
        if change.kind == "created":
            return [{"notificationType": "ORDER_CREATED", **common, "createdAt": _iso(change.at),
                     "items": items}]  # fmt: skip
        pushes: list[dict[str, Any]] = []
        before = flow.states[change.old_state].canonical
        kind = {"returned": "RETURN", "cancelled": "UNREDEEMED"}.get(raw.canonical)
        if kind and (kind == "RETURN" or before == "shipped"):
            pushes.append({"notificationType": "ORDER_RETURN_CREATED", **common,
                           "returnId": 900_000_000 + row, "returnType": kind,
                           "createdAt": _iso(change.at), "items": items})  # fmt: skip
        if change.kind == "cancelled":
            return [*pushes, {"notificationType": "ORDER_CANCELLED", **common,
                              "cancelledAt": _iso(change.at), "items": items}]  # fmt: skip
        return [*pushes, {"notificationType": "ORDER_STATUS_UPDATED", **common,
                          "status": raw.status, "substatus": raw.substatus,
                          "updatedAt": _iso(change.at)}]  # fmt: skip

    async def deliver(self, force: bool = False) -> None:
        """Send every due push once; failures are re-queued with backoff or dropped."""
        if not self.pending:
            return
        now = self.state.clock()
        batch = [d for d in self.pending if force or d.due <= now]
        self.pending = deque(d for d in self.pending if not (force or d.due <= now))
        async with httpx.AsyncClient(transport=self.transport, timeout=10.0) as client:
            for delivery in batch:
                if await self._send(client, delivery):
                    self.counts["delivered"] += 1
                    self.sent.append(delivery.payload)
                    continue
                self.counts["failed_attempts"] += 1
                delivery.attempts += 1
                if delivery.attempts >= self.state.config.push_max_attempts:
                    self.counts["dropped"] += 1
                else:
                    delivery.due = self.state.clock() + min(600.0, 2.0**delivery.attempts)
                    self.pending.append(delivery)
        del self.sent[: max(0, len(self.sent) - 10_000)]

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> bool:
        try:
            response = await client.post(delivery.url, json=delivery.payload)
            answer = json.loads(response.content) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return False
        return answer_ok(delivery.marketplace, delivery.payload, answer)

    def stats(self) -> dict[str, int]:
        return {**self.counts, "pending": len(self.pending)}


def answer_ok(marketplace: str, payload: dict[str, Any], answer: object) -> bool:
    """Whether a receiver's 200 answer has the documented shape for this push."""
    if not isinstance(answer, dict):
        return False
    if marketplace == "ozon" and payload.get("message_type") != "TYPE_PING":
        return answer.get("result") is True
    return all(
        isinstance(answer.get(key), str) and answer[key] for key in ("name", "version", "time")
    )

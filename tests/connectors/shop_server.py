"""A small REST shop API on 127.0.0.1 for the config-only connector's tests.

``GET /api/v1/orders?updated_from&updated_to&limit&cursor`` lists orders changed in the
window, oldest change first, ``next_cursor`` naming the next page (null on the last);
``GET /api/v1/me`` checks the key. Every request must carry ``X-Shop-Key``.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "shop-secret-key"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_order(n: int, status: str = "paid", *, updated: datetime | None = None) -> dict[str, Any]:
    created = T0 + timedelta(minutes=n)
    return {
        "id": 1000 + n, "number": f"S-{1000 + n}", "status": status,
        "created_at": _iso(created), "updated_at": _iso(updated or created),
        "currency": "RUB",
        "buyer": {"name": f"Buyer {n}", "phone": f"+7 900 123-45-{n % 100:02d}",
                  "email": f"Buyer{n}@Example.ru"},
        "lines": [{"sku": "MUG-1", "title": "Mug", "qty": 2, "price": "350.00"},
                  {"sku": f"TEA-{n}", "title": "Tea", "qty": 1, "price": "120.50"}],
    }  # fmt: skip


class Shop:
    """The shop's orders and the requests it served."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = {order["id"]: order for order in orders}
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def __enter__(self) -> Shop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def listing(self, query: dict[str, list[str]]) -> dict[str, Any]:
        low = query.get("updated_from", [""])[0]
        high = query.get("updated_to", ["9999"])[0]
        limit = int(query.get("limit", ["50"])[0])
        start = int(query.get("cursor", ["0"])[0] or 0)
        changed = sorted((o for o in self.orders.values() if low <= o["updated_at"] <= high),
                         key=lambda o: (o["updated_at"], o["id"]))  # fmt: skip
        page = changed[start : start + limit]
        more = start + limit < len(changed)
        return {"orders": page, "next_cursor": str(start + limit) if more else None}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                shop.requests.append(self.path)
                if self.headers.get("X-Shop-Key") != KEY:
                    return self._answer(401, {"message": "invalid X-Shop-Key token"})
                if parts.path == "/api/v1/me":
                    return self._answer(200, {"shop": "demo"})
                if parts.path == "/api/v1/orders":
                    return self._answer(200, shop.listing(parse_qs(parts.query)))
                return self._answer(404, {"message": "not found"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

"""The connector package example in docs/connectors.md ("Writing a connector package") is
code a reader copies: it loads, and its declared and bespoke reads run through the engine."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from mpsync.config.model import AccountConfig
from mpsync.connector.base import FetchWindow, Page

DOC = Path(__file__).parents[2] / "docs" / "connectors.md"


def _example(tmp_path: Path) -> Any:
    (code,) = re.findall(r"```python\n(# mpsync_acme/__init__\.py\n.*?)```", DOC.read_text(),
                         flags=re.S)  # fmt: skip
    path = tmp_path / "mpsync_acme.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("mpsync_acme_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the annotations through it
    spec.loader.exec_module(module)
    return module


def test_the_documented_connector_reads_its_declared_and_bespoke_streams(tmp_path: Path) -> None:
    module = _example(tmp_path)
    asked: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        if request.url.path == "/v1/orders":
            token = request.url.params.get("page_token")
            return httpx.Response(200, json={"orders": [{"id": 2 if token else 1}],
                                             "next_page_token": None if token else "t2"})  # fmt: skip
        return httpx.Response(200, json={"items": [{"sku": "a", "qty": 1}]})

    account = AccountConfig.model_validate({"id": "a", "marketplace": "acme", "api_key": "k"})
    window = FetchWindow(since=datetime(2026, 11, 20, tzinfo=UTC),
                         until=datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip

    async def read() -> list[Page]:
        connector = module.AcmeConnector(account, transport=httpx.MockTransport(answer))
        try:
            return [page for stream in ("orders", "stock")
                    for page in [p async for p in connector.fetch(stream, window)]]  # fmt: skip
        finally:
            await connector.aclose()

    pages = asyncio.run(read())
    assert [(p.record_type, p.records) for p in pages] == [
        ("order", [{"id": 1}]),
        ("order", [{"id": 2}]),
        ("stock", [{"sku": "a", "qty": 1}]),
    ]
    assert pages[0].resume is not None and pages[1].resume is None
    assert asked[0].params["updated_from"] == "2026-11-20T00:00:00Z"
    assert asked[1].params["page_token"] == "t2" and asked[2].path == "/v1/stock"

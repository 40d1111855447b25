"""Wildberries traffic against the official contracts, both directions.

Every request the connector sends in every stream and write-back validates against its
request contract (``tests/contracts/wildberries.py``, from WB's own OpenAPI files); every
answer the sandbox serves validates against its response contract, with the sandbox's
faults off and on, its error answers included. Every status the spec enumerates is mapped
or kept raw for a stated reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

import httpx
import pytest
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.wildberries.connector import LIMITS

from mpsync.config.model import AccountConfig
from mpsync.connector.base import (
    Connector,
    FetchWindow,
    OrderRef,
    PriceUpdate,
    StockUpdate,
    WriteResult,
)
from mpsync.connector.limits import TokenBucket
from mpsync.sandbox import SandboxServer
from mpsync.sandbox.wildberries import LIMITS as SANDBOX_LIMITS
from tests.contracts.checker import ContractLog, ContractTransport, prefix_of
from tests.contracts.conftest import CheckedConnector
from tests.contracts.wildberries import (
    DEPRECATED,
    ENDPOINTS,
    SUPPLIER_STATUSES,
    WB_STATUSES,
)

MP = "wildberries"


class Waits:
    """An injected sleep: records the waits, returns at once (no test sleeps for real)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def unlimited(contract_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The sandbox without rate limits or faults: the connector's waits are recorded."""
    state = contract_sandbox.state
    scale, state.limiter.scale = state.limiter.scale, 0
    yield contract_sandbox
    state.limiter.scale = scale
    state.set_faults({name: 0 for name in state.config.faults.as_dict() if name != "slow_seconds"})


async def read_everything(connector: Connector, sandbox: SandboxServer) -> int:
    """Every stream of the connector over the sandbox's last 40 days; records read."""
    state = sandbox.state
    until = state.world.now_dt
    open_ids = [state.external_id(MP, row) for row in range(len(state.world.tables[MP]))]
    window = FetchWindow(since=until - timedelta(days=40), until=until, open_ids=open_ids)
    read = 0
    for stream in sorted(connector.capabilities.streams):
        async for page in connector.fetch(stream, window):
            read += len(page.records)
    await connector.check_credentials()  # type: ignore[attr-defined]
    return read


async def write_everything(connector: Connector, sandbox: SandboxServer) -> None:
    """Every write-back, each on what the sandbox holds, with the ids the binding gives."""
    state = sandbox.state
    new = sorted(state.world.tables[MP].open_new)
    assert len(new) >= 2, "the sandbox should hold two new tasks at least"
    task, other = (state.external_id(MP, row) for row in new[:2])
    confirmed = await connector.confirm(OrderRef(task))
    assert confirmed.ok, confirmed.message
    supply = {"supplyId": confirmed.details["supply_id"]}
    for result in (
        await connector.ship(OrderRef(task, raw=supply)),
        await connector.cancel(OrderRef(other)),
        await connector.push_stock([stock_update(sandbox, 7)]),
        await connector.push_prices([price_update(sandbox, Decimal("1399"))]),
        *[await answer_one(connector, sandbox, kind) for kind in ("question", "review")],
    ):
        assert result.ok, result.message


async def answer_one(connector: Connector, sandbox: SandboxServer, kind: str) -> WriteResult:
    """Answer the first unanswered message of *kind*, and read it back."""
    from mpsync.connector.base import MessageRef
    from mpsync.sandbox.buyers import book

    message = next(m for m in book(sandbox.state.world).visible(MP, kind) if m.answer is None)
    ref = MessageRef(kind, message.external_id)
    result = await connector.answer(ref, "Спасибо за обращение! Ответим подробнее в чате.")
    shown = await connector.read_message(ref)
    assert shown is not None and shown["answer"]["text"].startswith("Спасибо")
    return result


def stock_update(sandbox: SandboxServer, quantity: int, index: int = 0) -> StockUpdate:
    product = sandbox.state.world.catalog[index]
    ids = {"nmID": str(product.nm_id), "chrtId": str(product.chrt_id)}
    return StockUpdate(product.sku, str(sandbox.state.world.warehouses.wb_id), quantity, ids=ids)


def price_update(sandbox: SandboxServer, price: Decimal, index: int = 0) -> PriceUpdate:
    product = sandbox.state.world.catalog[index]
    old = Decimal(sandbox.state.world.price(MP, product.index).old_price_kop) / 100
    ids = {"nmID": str(product.nm_id), "chrtId": str(product.chrt_id)}
    return PriceUpdate(product.sku, price, old_price=old, ids=ids)


async def test_every_request_and_answer_follows_the_contracts(
    checked_connector: CheckedConnector, unlimited: SandboxServer
) -> None:
    connector, log = checked_connector(MP, sleep=Waits())
    try:
        assert await read_everything(connector, unlimited) > 0
        await write_everything(connector, unlimited)
    finally:
        await connector.aclose()
    assert log.violations == []
    # Every endpoint mpsync uses was exercised, and no deprecated one.
    assert log.hit() == {str(endpoint) for endpoint in ENDPOINTS}
    deprecated = {(e.method, e.path) for e in DEPRECATED}
    assert not [e for e in log.exchanges if (e.method, e.path) in deprecated]


async def test_answers_follow_the_contracts_with_faults_on(
    checked_connector: CheckedConnector, unlimited: SandboxServer
) -> None:
    """Server errors, truncated bodies, repeated and lagging records: the connector gets
    through, and every answer that is not a deliberately broken body keeps its contract."""
    state = unlimited.state
    state.set_faults(
        {
            "error_rate": 0.15,
            "malformed_rate": 0.1,
            "duplicate_rate": 0.3,
            "out_of_order_rate": 0.3,
            "slow_rate": 0.1,
            "slow_seconds": 0,
        }
    )
    before = dict(state.faults_served)
    connector, log = checked_connector(MP, sleep=Waits())
    try:
        await read_everything(connector, unlimited)
        await write_everything(connector, unlimited)
    finally:
        await connector.aclose()
    served = {k: state.faults_served[k] - before.get(k, 0) for k in state.faults_served}
    assert served.get("error", 0) > 0 and served.get("malformed", 0) > 0, served
    broken = [v for v in log.violations if v.endswith("body is not JSON")]
    assert len(broken) == served["malformed"]
    assert [v for v in log.violations if v not in broken] == []
    failed = [e for e in log.exchanges if e.status >= 500]
    assert len(failed) == served["error"]


def _raw_client(sandbox: SandboxServer, log: ContractLog, token: str | None) -> httpx.AsyncClient:
    base = sandbox.url_for(MP)
    transport = ContractTransport(httpx.AsyncHTTPTransport(), MP, prefix=prefix_of(base), log=log)
    headers = {"Authorization": token} if token else {}
    return httpx.AsyncClient(base_url=base, transport=transport, headers=headers)


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/api/v3/orders", {"params": {"next": 0}}, 400),
    ("PATCH", "/api/v3/orders/1/cancel", {}, 404),
    ("PATCH", "/api/marketplace/v3/supplies/WB-GI-1/orders", {"json": {"orders": [1]}}, 404),
    ("PATCH", "/api/v3/supplies/WB-GI-1/deliver", {}, 404),
    ("PUT", "/api/v3/stocks/1", {"json": {"stocks": [{"chrtId": 1, "amount": 1}]}}, 404),
    ("POST", "/api/v3/stocks/1", {"json": {"chrtIds": [1]}}, 404),
    ("POST", "/api/v3/orders/status", {"json": {"orders": []}}, 400),
    ("POST", "/api/v2/upload/task", {"json": {"data": [{"nmID": 1, "price": 9.5}]}}, 400),
    ("POST", "/api/v2/upload/task", {"json": {"data": [{"nmID": 1, "price": 10}]}}, 400),
    ("GET", "/api/v2/list/goods/filter", {"params": {"offset": 0}}, 400),
    ("POST", "/content/v2/get/cards/list", {"json": {"settings": {"cursor": {"limit": 500}}}}, 400),
]


async def test_error_answers_follow_the_contracts(unlimited: SandboxServer) -> None:
    """The error shapes differ per host: ``{code, message}`` on the marketplace host (a list
    of them for a refused stock update), ``{data, error, errorText}`` on the prices and
    content hosts, the gateway's envelope for 401 and 429."""
    log = ContractLog()
    token = unlimited.config.credentials.wb_token
    async with _raw_client(unlimited, log, token) as client:
        for method, path, options, status in BAD_REQUESTS:
            answer = await client.request(method, path, **options)
            assert answer.status_code == status, (method, path, answer.text)
        warehouse = unlimited.state.world.warehouses.wb_id
        too_many = {
            "stocks": [{"chrtId": unlimited.state.world.catalog[0].chrt_id, "amount": 100_001}]
        }
        answer = await client.put(f"/api/v3/stocks/{warehouse}", json=too_many)
        assert answer.status_code == 409 and answer.json()[0]["code"] == "UploadDataLimit"
        task = unlimited.state.external_id(
            MP, sorted(unlimited.state.world.tables[MP].open_new)[-1]
        )
        assert (await client.patch(f"/api/v3/orders/{task}/cancel")).status_code == 204
        assert (await client.patch(f"/api/v3/orders/{task}/cancel")).status_code == 409
        empty = (await client.post("/api/v3/supplies", json={"name": "empty"})).json()["id"]
        assert (await client.patch(f"/api/v3/supplies/{empty}/deliver")).status_code == 409
    async with _raw_client(unlimited, log, None) as client:
        assert (await client.get("/api/v3/warehouses")).status_code == 401
    unlimited.state.limiter.scale = 1
    async with _raw_client(unlimited, log, "another-seller") as client:
        codes = [
            (await client.get("/api/v2/list/goods/filter", params={"limit": 1})).status_code
            for _ in range(6)
        ]
    assert codes[-1] == 429
    answered = [v for v in log.violations if " -> " in v or "carries a body" in v]
    assert answered == []
    statuses = {e.status for e in log.exchanges}
    assert {400, 401, 404, 409, 429} <= statuses


# -- statuses --------------------------------------------------------------------------

# wbStatus values the mapping leaves to supplierStatus, and why. Source: the enum and its
# descriptions in 03-orders-fbs.yaml#/paths/~1api~1v3~1orders~1status/post.
KEPT_RAW = {
    "waiting": "«в работе»: the task is at whatever step supplierStatus says",
    "sorted": "«отсортировано» at WB's sorting centre: still shipped (complete)",
    "ready_for_pickup": "«прибыло на ПВЗ»: shipped, not yet received by the buyer",
    "postponed_delivery": "courier delivery postponed: still on its way",
    "accepted_by_carrier": "cross-border: handed to the carrier, on its way",
    "sent_to_carrier": "cross-border: sent to the carrier's warehouse, on its way",
}


def _status(supplier: str, wb: str) -> tuple[str | None, list[str]]:
    account = AccountConfig.model_validate({"id": "a", "marketplace": MP, "token": "t"})
    schema = WildberriesConnector.load_mapping(account)
    raw = {"id": 1, "supplierStatus": supplier, "wbStatus": wb}
    page = schema.map_page("order_status", [raw], "a", observed_at=datetime.now(UTC))
    (record,) = page.records
    status = getattr(record, "status", None)
    return (None if status is None else str(status.value)), page.unknown_statuses


def test_every_documented_status_is_mapped_or_kept_raw_for_a_reason() -> None:
    for supplier in SUPPLIER_STATUSES:
        status, unknown = _status(supplier, "waiting")
        assert status is not None and unknown == [], f"supplierStatus {supplier!r} is unmapped"
    # With the seller's side at complete ("В доставке"), a wbStatus either decides the
    # canonical status itself or is kept raw and leaves it at shipped.
    for wb in WB_STATUSES:
        status, unknown = _status("complete", wb)
        assert unknown == []
        decides = status != "shipped"
        assert decides != (wb in KEPT_RAW), f"wbStatus {wb!r}: map it or say why it is kept raw"
    assert set(KEPT_RAW) <= set(WB_STATUSES)
    assert _status("complete", "sold")[0] == "delivered"
    assert _status("new", "declined_by_client")[0] == "cancelled"
    # what ``mpsync check`` verifies the mapping against is the spec's own list
    assert set(SUPPLIER_STATUSES) == WildberriesConnector.documented_statuses


# Every other enum of an answer mpsync reads, and why the mapping keeps it raw (or leaves
# it out). Keys: "Model.field" of tests/contracts/wildberries.py.
OTHER_ENUMS = {
    "TaskFields.deliveryType": "'fbs' only; stored as it is in orders.delivery_method",
    "TaskFields.cargoType": "МГТ/СГТ/КГТ+ is no canonical field; the connector keys "
    "a day's supply by it (a supply takes one cargo type)",
    "Warehouse.cargoType": "the warehouse's cargo type decides nothing mpsync does",
    "Warehouse.deliveryType": "FBS/DBS/DBW/C&C/EDBS: every seller warehouse's stock is read "
    "and stored under its id, whatever it delivers",
    "TaskStatus.supplierStatus": "mapped: [order.status.map]",
    "TaskStatus.wbStatus": "mapped or kept raw: KEPT_RAW above",
    "Question.state": "none/wbRu/suppliersPortalSynch: kept in the raw payload; answered is "
    "read from the answer itself (mappings/wildberries.toml [question.fields] answer)",
}


def _enum_fields() -> set[str]:
    """ "Model.field" of every Literal field of the response models, nested ones included."""
    found: set[str] = set()
    seen: set[type] = set()

    def walk(model: type) -> None:
        if model in seen or not hasattr(model, "model_fields"):
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            for arg in _flat(info.annotation):
                if get_origin(arg) is Literal:
                    owner = next(c for c in model.__mro__ if name in inspect.get_annotations(c))
                    found.add(f"{owner.__name__}.{name}")
                else:
                    walk(arg)

    for endpoint in ENDPOINTS:
        for model in endpoint.responses.values():
            if model is not None:
                walk(model)
    return found


def _flat(annotation: Any) -> list[Any]:
    args = get_args(annotation)
    if get_origin(annotation) is Literal or not args:
        return [annotation]
    return [leaf for arg in args for leaf in _flat(arg)]


def test_every_enum_of_an_answer_is_mapped_or_kept_raw_for_a_reason() -> None:
    assert _enum_fields() == set(OTHER_ENUMS)


# -- rate limits ---------------------------------------------------------------------


def _bucket(limit: int, seconds: int, burst: int) -> TokenBucket:
    return TokenBucket(per_second=limit / seconds, burst=burst)


# Per method family, from the "Лимит запросов" table of each method's description.
DOCUMENTED = {
    "orders": (300, 60, 20),  # сборочные задания, поставки, пропуска FBS
    "cancel": (100, 60, 20),  # PATCH /api/v3/orders/{orderId}/cancel
    "warehouses": (300, 60, 20),  # склады продавца
    "stocks": (300, 60, 20),  # остатки на складах продавца
    "prices": (10, 6, 5),  # категория «Цены и скидки»
    "content": (100, 60, 5),  # категория «Контент»
    "feedbacks": (3, 1, 6),  # категория «Вопросы и отзывы» (09-communications.yaml)
    "finance_report": (1, 60, 1),  # reportDetailByPeriod (13-finances.yaml)
    "goods_return": (1, 60, 10),  # goods-return report (12-reports.yaml)
}


def test_connector_and_sandbox_keep_the_documented_limits_per_family() -> None:
    assert set(LIMITS) == set(DOCUMENTED) == set(SANDBOX_LIMITS)
    for family, (limit, seconds, burst) in DOCUMENTED.items():
        bucket = LIMITS[family]
        assert isinstance(bucket, TokenBucket)
        assert bucket.burst == burst and bucket.per_second == pytest.approx(limit / seconds)
        spec = SANDBOX_LIMITS[family]
        assert (spec.limit, spec.period, spec.burst) == (limit, seconds, burst)
    assert WildberriesConnector.limits is LIMITS
    for endpoint in ENDPOINTS:
        assert endpoint.limits, f"{endpoint}: no documented limit"

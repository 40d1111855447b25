"""One suite every registered connector must pass: auth, paging, resume, retries,
bounded attempts, loops, unknown statuses, skipped records, mapping-file validation.

This module covers the orders stream; ``test_conformance_streams.py`` runs the same checks
over every stock and prices stream a connector declares.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from mpsync_connectors.yandex_market.dates import creation_slices
from respx.patterns import M

from mpsync.connector.base import Connector, FetchWindow, Page
from mpsync.connector.errors import AuthError, PaginationLoopError, RetriesExhausted
from mpsync.connector.registry import known_connectors, load_connector
from mpsync.mapping import MappingFileError

CREATED = "2026-04-01T10:00:00Z"


@dataclass
class Profile:
    """How to fake one marketplace's listing and what its records look like."""

    list_method: str
    list_path: str
    page: Callable[[list[dict[str, Any]], str | None], dict[str, Any]]
    record: Callable[[int, str], dict[str, Any]]
    malformed: Callable[[int], dict[str, Any]]
    good_status: str
    auth: tuple[str, str, dict[str, Any]]
    rate_limit: tuple[int, dict[str, str], float]
    extra_routes: Callable[[respx.MockRouter], None] = lambda router: None
    secrets: list[str] = field(default_factory=list)


def _wb_extra(router: respx.MockRouter) -> None:
    router.get(f"{BASE}/api/v3/orders/new").respond(json={"orders": []})
    router.post(f"{BASE}/api/v3/orders/status").respond(json={"orders": []})


def _wb_record(i: int, status: str) -> dict[str, Any]:
    return {
        "id": i,
        "orderUid": f"u{i}",
        "article": f"a{i}",
        "nmId": 5,
        "chrtId": 6,
        "createdAt": CREATED,
        "convertedPrice": 10050,
        "convertedCurrencyCode": 643,
        "supplierStatus": status,
    }


def _ozon_record(i: int, status: str) -> dict[str, Any]:
    return {
        "posting_number": f"p-{i}",
        "order_number": f"o-{i}",
        "status": status,
        "in_process_at": CREATED,
        "products": [
            {
                "price": "100.50",
                "offer_id": f"a{i}",
                "sku": 7,
                "quantity": 1,
                "currency_code": "RUB",
            }
        ],
    }


def _ym_extra(router: respx.MockRouter) -> None:
    """Older creation slices of the window (getBusinessOrders reads back 120 days of
    creation dates, 30 a request) hold nothing: the listing's pages are the newest slice's."""
    newest = creation_slices(NOW - timedelta(days=1), NOW, timedelta(days=120))[0][0]
    router.route(
        ~M(json__dates__creationDateFrom=newest.isoformat()),
        method="POST",
        url__startswith=f"{BASE}/v1/businesses/1000001/orders",
    ).respond(json={"orders": [], "paging": {}})


def _ym_record(i: int, status: str) -> dict[str, Any]:
    return {
        "orderId": i,
        "campaignId": 21000000,
        "status": status,
        "substatus": "STARTED",
        "creationDate": CREATED,
        "items": [
            {
                "id": i,
                "offerId": f"a{i}",
                "count": 1,
                "prices": {"payment": {"value": 100.5, "currencyId": "RUR"}},
            }
        ],
    }


def _shop_record(i: int, status: str) -> dict[str, Any]:
    return {
        "id": i, "number": f"S-{i}", "status": status, "created_at": CREATED,
        "updated_at": CREATED, "currency": "RUB", "buyer": {"phone": f"+7900000{i:04d}"},
        "lines": [{"sku": f"a{i}", "title": "Mug", "qty": 1, "price": "100.50"}],
    }  # fmt: skip


PROFILES: dict[str, Profile] = {
    "wildberries": Profile(
        "GET",
        "/api/v3/orders",
        lambda recs, tok: {"next": int(tok) if tok else 0, "orders": recs},
        _wb_record,
        lambda i: {**_wb_record(i, "new"), "createdAt": "yesterday"},
        "new",
        (
            "GET",
            "/api/v3/warehouses",
            {"title": "unauthorized", "detail": "token problem; token is malformed", "status": 401},
        ),
        (429, {"X-Ratelimit-Retry": "7", "X-Ratelimit-Reset": "9"}, 7.0),
        _wb_extra,
        ["wb-secret-token"],
    ),
    "ozon": Profile(
        "POST",
        "/v4/posting/fbs/list",
        lambda recs, tok: {"postings": recs, "has_next": tok is not None, "cursor": tok or ""},
        _ozon_record,
        lambda i: {
            **_ozon_record(i, "delivered"),
            "products": [{"price": "abc", "offer_id": "x", "quantity": 1}],
        },
        "awaiting_packaging",
        (
            "POST",
            "/v2/warehouse/list",
            {"code": 16, "message": "Invalid Api-Key, please contact support"},
        ),
        (429, {"Retry-After": "7"}, 7.0),
        secrets=["ozon-secret-key"],
    ),
    "yandex_market": Profile(
        "POST",
        "/v1/businesses/1000001/orders",
        lambda recs, tok: {"orders": recs, "paging": {"nextPageToken": tok} if tok else {}},
        _ym_record,
        lambda i: {**_ym_record(i, "PROCESSING"), "creationDate": "garbage"},
        "PROCESSING",
        (
            "GET",
            "/v2/campaigns/21000000",
            {
                "status": "ERROR",
                "errors": [{"code": "UNAUTHORIZED", "message": "Api-Key is invalid"}],
            },
        ),
        (420, {"X-RateLimit-Resource-Until": "Sun, 05 Apr 2026 12:00:05 GMT"}, 5.0),
        _ym_extra,
        secrets=["ym-secret-key"],
    ),
    # docs/examples/shop.toml: a connector written in TOML alone (declared in conftest).
    "shop": Profile(
        "GET",
        "/v1/orders",
        lambda recs, tok: {"orders": recs, "next_cursor": tok},
        _shop_record,
        lambda i: {**_shop_record(i, "paid"), "created_at": "yesterday"},
        "paid",
        ("GET", "/v1/me", {"message": "invalid X-Shop-Key token"}),
        (429, {"Retry-After": "7"}, 7.0),
        secrets=["shop-secret-key"],
    ),
}


@pytest.fixture(params=known_connectors())
def marketplace(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name not in PROFILES:
        pytest.fail(f"connector {name!r} has no conformance profile; add one to PROFILES")
    return name


def _connector(name: str, sleep: RecordingSleep, **overrides: Any) -> Connector:
    cls = load_connector(name)
    return cls(account(name, **overrides), sleep=sleep, now=lambda: NOW)  # type: ignore[call-arg]


def _window(resume: str | None = None) -> FetchWindow:
    return FetchWindow(since=NOW - timedelta(days=1), until=NOW, resume=resume)


def _route(router: respx.MockRouter, profile: Profile) -> respx.Route:
    profile.extra_routes(router)
    return router.route(method=profile.list_method, url__startswith=BASE + profile.list_path)


async def _order_pages(connector: Connector, window: FetchWindow) -> list[Page]:
    pages = [page async for page in connector.fetch("orders", window)]
    return [page for page in pages if page.record_type == "order" and page.records]


def _pages_json(profile: Profile, count: int) -> list[httpx.Response]:
    tokens = [f"{900 + n}" for n in range(1, count)] + [None]
    return [
        httpx.Response(
            200, json=profile.page([profile.record(n + 1, profile.good_status)], tokens[n])
        )
        for n in range(count)
    ]


async def test_bad_credentials_are_a_fatal_auth_error(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    method, path, body = profile.auth
    with respx.mock(assert_all_called=False) as router:
        router.route(method=method, url=BASE + path).respond(401, json=body)
        connector = _connector(marketplace, sleep)
        with pytest.raises(AuthError) as caught:
            await connector.check_credentials()
    message = str(caught.value)
    assert "401" in message and "credentials rejected" in message
    assert any(word in message for word in ("token", "Api-Key", "Invalid"))
    assert all(secret not in message for secret in profile.secrets)


async def test_pagination_across_three_pages(marketplace: str, sleep: RecordingSleep) -> None:
    profile = PROFILES[marketplace]
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(side_effect=_pages_json(profile, 3))
        every = [page async for page in _connector(marketplace, sleep).fetch("orders", _window())]
    assert route.call_count == 3
    pages = [page for page in every if page.record_type == "order" and page.records]
    assert [len(page.records) for page in pages] == [1, 1, 1]
    # Only the fetch's last page (maybe an empty one after the listing's) ends the window.
    assert every[-1].resume is None and all(page.resume for page in every[:-1])


async def test_resume_from_a_saved_cursor(marketplace: str, sleep: RecordingSleep) -> None:
    profile = PROFILES[marketplace]
    responses = _pages_json(profile, 3)
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).mock(side_effect=responses[:1])
        first = await anext(aiter(_order_pages_iter(_connector(marketplace, sleep), _window())))
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(side_effect=responses[1:])
        rest = await _order_pages(_connector(marketplace, sleep), _window(first.resume))
    sent = route.calls[0].request
    assert "901" in str(sent.url) + sent.content.decode()
    assert [page.records[0] for page in rest] == [
        profile.record(2, profile.good_status),
        profile.record(3, profile.good_status),
    ]


async def _order_pages_iter(connector: Connector, window: FetchWindow) -> Any:
    async for page in connector.fetch("orders", window):
        if page.record_type == "order" and page.records:
            yield page


async def test_rate_limits_and_5xx_are_retried_with_the_asked_wait(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    status, headers, wait = profile.rate_limit
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(
            side_effect=[
                httpx.Response(status, headers=headers, json={"message": "slow down"}),
                httpx.Response(503, text="upstream down"),
                *_pages_json(profile, 1),
            ]
        )
        pages = await _order_pages(_connector(marketplace, sleep), _window())
    assert route.call_count == 3 and len(pages) == 1
    assert sleep.waits[0] == pytest.approx(wait)
    assert 1.0 <= sleep.waits[1] <= 3.0  # 1 s x 2^1 plus up to 1 s of jitter


async def test_attempts_are_bounded_then_a_clear_error(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).respond(502, text="bad gateway")
        with pytest.raises(RetriesExhausted) as caught:
            await _order_pages(_connector(marketplace, sleep), _window())
    assert route.call_count == 5 and len(sleep.waits) == 4
    assert "gave up after 5 attempts" in str(caught.value) and "502" in str(caught.value)


async def test_a_repeated_page_token_stops_the_loop(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    page = profile.page([profile.record(1, profile.good_status)], "777")
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).respond(json=page)
        with pytest.raises(PaginationLoopError):
            await _order_pages(_connector(marketplace, sleep), _window())
    assert route.call_count == 2


async def test_unknown_status_kept_raw_and_reported(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    records = [profile.record(1, "TELEPORTED_x"), profile.record(2, profile.good_status)]
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).respond(json=profile.page(records, None))
        pages = await _order_pages(_connector(marketplace, sleep), _window())
    schema = load_connector(marketplace).load_mapping(account(marketplace))
    mapped = schema.map_page("order", pages[0].records, "acc-1", observed_at=NOW)
    assert [r.status is None for r in mapped.records] == [True, False]  # type: ignore[union-attr]
    assert mapped.records[0].marketplace_status == "TELEPORTED_x"  # type: ignore[union-attr]
    assert any(s.startswith("TELEPORTED_x") for s in mapped.unknown_statuses)


async def test_malformed_record_is_skipped_and_the_rest_maps(
    marketplace: str, sleep: RecordingSleep
) -> None:
    profile = PROFILES[marketplace]
    good = profile.good_status
    records = [profile.record(1, good), profile.malformed(2), profile.record(3, good)]
    schema = load_connector(marketplace).load_mapping(account(marketplace))
    mapped = schema.map_page("order", records, "acc-1", observed_at=NOW)
    assert [r.external_id for r in mapped.records] == [  # type: ignore[union-attr]
        schema.map_one("order", records[0], "acc-1").external_id,  # type: ignore[union-attr]
        schema.map_one("order", records[2], "acc-1").external_id,  # type: ignore[union-attr]
    ]
    (failure,) = mapped.failures
    assert failure.raw == records[1] and failure.field and failure.reason


def test_mapping_file_validation_lists_every_problem(marketplace: str, tmp_path: Path) -> None:
    cls = load_connector(marketplace)
    source = Path(__file__).parents[2] / "mappings" / f"{cls.default_mapping}.toml"
    if cls.default_mapping.endswith(".toml"):  # a config-only connector's own file
        source = Path(cls.default_mapping)
    schema_text = source.read_text()
    first_status = sorted(cls.documented_statuses)[0]
    broken = [
        line
        for line in schema_text.splitlines()
        if not line.startswith(f"{first_status} =")
        and not line.startswith(f'"{first_status}/')
        and not line.startswith("ship_by")
    ]
    broken_text = "\n".join(broken).replace(
        "[order.fields]",
        '[order.fields]\nbogus = "x"\nship_by = { path = "a[[", transform = "nope" }',
    )
    path = tmp_path / "custom.toml"
    path.write_text(broken_text)
    with pytest.raises(MappingFileError) as caught:
        cls.load_mapping(account(marketplace, mapping=str(path)))
    text = str(caught.value)
    assert str(path) in text
    for expected in (
        "order.fields.bogus: unknown target field",
        "bad JMESPath",
        "unknown transform 'nope'",
        f"order.status.map.{first_status}",
    ):
        assert expected in text, text
    assert len(caught.value.problems) >= 4


def test_request_bodies_are_json(marketplace: str) -> None:
    assert json.loads(json.dumps(PROFILES[marketplace].page([], None))) is not None

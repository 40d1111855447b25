"""Contracts of the Yandex Market endpoints and pushes mpsync uses, from the official spec.

Endpoints: ``yandex-market/yandex-market-partner-api:openapi/paths/*.yaml`` at commit
1318e9b848591f069059eeebf777f1f5bb439743 (models in ``yandex_market_models``). Pushes: the
official notifications page (``yandex_market_push``). ``limits`` quote each operation's
``x-resource-limit-config``: the lowest tier (``none``) first, then ``medium``; a limit counts
requests (``resp``) or the items at the given path. On top of them every path is limited to
4 parallel requests per campaign or business; excess answers 420.
"""

from __future__ import annotations

from pydantic import BaseModel

from tests.contracts.registry import Endpoint, PushContract, Source
from tests.contracts.yandex_market_models import (
    ApiErrorResponse,
    EmptyApiResponse,
    GetBusinessOrdersRequest,
    GetBusinessOrdersResponse,
    GetCampaignResponse,
    GetDefaultPricesRequest,
    GetDefaultPricesResponse,
    GetOfferMappingsRequest,
    GetOfferMappingsResponse,
    GetWarehouseStocksRequest,
    GetWarehouseStocksResponse,
    MappingsQuery,
    OrdersQuery,
    PricesQuery,
    StocksQuery,
    UpdateBusinessPricesRequest,
    UpdateOrderStatusRequest,
    UpdateOrderStatusResponse,
    UpdateStocksRequest,
)
from tests.contracts.yandex_market_push import PUSHES as _PUSHES

REPO = "yandex-market/yandex-market-partner-api"
COMMIT = "1318e9b848591f069059eeebf777f1f5bb439743"
MP = "yandex_market"


def _source(path: str, operation: str) -> Source:
    return Source(REPO, f"openapi/paths/{path}", COMMIT, f"#{operation}")


def _answers(ok: type[BaseModel], *errors: int) -> dict[int, type[BaseModel] | None]:
    """The 200 model and the spec's error answers (all ``ApiErrorResponse`` shaped)."""
    return {200: ok, **dict.fromkeys(errors, ApiErrorResponse)}


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        MP,
        "POST",
        "/v1/businesses/{businessId}/orders",
        _source("v1_businesses_businessId_orders.yaml", "getBusinessOrders"),
        query=OrdersQuery,
        body=GetBusinessOrdersRequest,
        responses=_answers(GetBusinessOrdersResponse, 400, 401, 403, 404, 420, 500),
        limits="10,000 requests/hour (none and medium), at most 6 in parallel; creation "
        "window 30 days, default the last 30 days",
    ),
    Endpoint(
        MP,
        "PUT",
        "/v2/campaigns/{campaignId}/orders/{orderId}/status",
        _source("v2_campaigns_campaignId_orders_orderId_status.yaml", "updateOrderStatus"),
        body=UpdateOrderStatusRequest,
        responses=_answers(UpdateOrderStatusResponse, 400, 401, 403, 404, 420, 500),
        limits="10,000 requests/hour (none and medium)",
    ),
    Endpoint(
        MP,
        "GET",
        "/v2/campaigns/{campaignId}",
        _source("v2_campaigns_campaignId.yaml", "getCampaign"),
        responses=_answers(GetCampaignResponse, 400, 401, 403, 404, 420, 500),
        limits="5,000 requests/hour (none and medium)",
    ),
    Endpoint(
        MP,
        "POST",
        "/v2/campaigns/{campaignId}/offers/stocks",
        _source("v2_campaigns_campaignId_offers_stocks.yaml", "getStocks"),
        query=StocksQuery,
        body=GetWarehouseStocksRequest,
        responses=_answers(GetWarehouseStocksResponse, 400, 401, 403, 420, 500),
        limits="100,000 offers/minute counted on result.warehouses.offers (none and medium)",
    ),
    Endpoint(
        MP,
        "PUT",
        "/v2/campaigns/{campaignId}/offers/stocks",
        _source("v2_campaigns_campaignId_offers_stocks.yaml", "updateStocks"),
        body=UpdateStocksRequest,
        responses=_answers(EmptyApiResponse, 400, 401, 403, 404, 420, 500),
        limits="100,000 SKUs/minute counted on req.skus (none and medium); 2,000 per request",
    ),
    Endpoint(
        MP,
        "POST",
        "/v2/businesses/{businessId}/offer-prices",
        _source("v2_businesses_businessId_offer-prices.yaml", "getDefaultPrices"),
        query=PricesQuery,
        body=GetDefaultPricesRequest,
        responses=_answers(GetDefaultPricesResponse, 400, 401, 403, 404, 420, 500),
        limits="5,000 offers/minute (none), 10,000 (medium), counted on result.offers",
    ),
    Endpoint(
        MP,
        "POST",
        "/v2/businesses/{businessId}/offer-prices/updates",
        _source("v2_businesses_businessId_offer-prices_updates.yaml", "updateBusinessPrices"),
        body=UpdateBusinessPricesRequest,
        responses=_answers(EmptyApiResponse, 400, 401, 403, 404, 420, 423, 500),
        limits="10,000 offers/minute counted on req.offers (none and medium); 500 per request",
    ),
    Endpoint(
        MP,
        "POST",
        "/v2/businesses/{businessId}/offer-mappings",
        _source("v2_businesses_businessId_offer-mappings.yaml", "getOfferMappings"),
        query=MappingsQuery,
        body=GetOfferMappingsRequest,
        responses=_answers(GetOfferMappingsResponse, 400, 401, 403, 404, 420, 500),
        limits="100 requests/minute (none), 600 (medium)",
    ),
]

PUSHES: list[PushContract] = _PUSHES

# Order stats (the finance stream) have their own module.
from tests.contracts.yandex_market_finance import ENDPOINTS as _FINANCE  # noqa: E402

ENDPOINTS += _FINANCE

# Buyers' questions and reviews (their streams, answers and read-backs) too.
from tests.contracts.yandex_market_buyers import ENDPOINTS as _BUYERS  # noqa: E402

ENDPOINTS += _BUYERS

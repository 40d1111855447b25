"""Contracts of the Ozon Seller API endpoints and pushes mpsync uses, from the official swagger.

Two copies of docs.ozon.ru's swagger are the oracle (the newer wins where they differ):

* ``NEWER``: vispar-tech/ozon-seller-api-schema, 2026-10 — the only one with the v4 posting
  lists and ``/v2/warehouse/list``;
* ``OLDER``: salacoste/ozon-daytona-seller-api, 2025-09 — used where the newer copy was
  not read for a schema (each ``Source`` says which one a contract comes from).

Units and formats carried over (see the field comments): posting prices are decimal
strings in rubles (v3) or ``{amount, currency}`` objects with a decimal-string amount
(v4); price reads are JSON numbers in rubles; price writes are decimal strings in rubles;
dates are ISO 8601 UTC (``Z``); ids documented as ``string (int64)`` travel as numbers or
strings (proto3 JSON mapping; the spec's own examples use both). Statuses are documented
in prose, not as enums: the ``Literal`` types of ``ozon_types`` collect every value any posting
schemas of either copy lists.

Rate limits: 50 requests/s per Client-Id overall (HTTP 429, ``code`` 8); stock writes
80 requests/min per seller, 100 product-warehouse pairs per request and one update per
pair per 30 s; each product's price at most 10 times per hour, 1000 prices per request.
"""

from __future__ import annotations

from tests.contracts.ozon_postings import (
    BooleanResponse,
    CancelRequest,
    ShipRequest,
    ShipResponse,
    V3GetRequest,
    V3GetResponse,
    V3PostingDetail,
    V3Product,
    V4ListRequest,
    V4ListResponse,
    V4Posting,
    V4Product,
    V4UnfulfilledRequest,
    V4UnfulfilledResponse,
)
from tests.contracts.ozon_products import (
    PricesReadRequest,
    PricesReadResponse,
    PricesWriteRequest,
    PricesWriteResponse,
    ProductListRequest,
    ProductListResponse,
    StocksReadRequest,
    StocksReadResponse,
    StocksWriteRequest,
    StocksWriteResponse,
    WarehouseListRequest,
    WarehouseListResponse,
)
from tests.contracts.ozon_pushes import PUSHES, push_contract
from tests.contracts.ozon_types import (
    ERRORS,
    PUSH_STATE_TO_STATUS,
    PostingStatus,
    PostingSubstatus,
    PushState,
    PushType,
    newer,
    older,
)
from tests.contracts.registry import Endpoint, RequestModel, ResponseModel, Source

__all__ = [
    "ENDPOINTS", "PUSHES", "PUSH_STATE_TO_STATUS", "PostingStatus", "PostingSubstatus",
    "PricesWriteRequest", "PushState", "PushType", "StocksWriteRequest", "V3PostingDetail",
    "V3Product", "V4Posting", "V4Product", "WarehouseListRequest", "push_contract",
]  # fmt: skip


def _endpoint(path: str, source: Source, body: type[RequestModel], ok: type[ResponseModel],
              limits: str = "50 requests/s per Client-Id (all methods)") -> Endpoint:  # fmt: skip
    return Endpoint("ozon", "POST", path, source, body=body, responses={200: ok, **ERRORS},
                    limits=limits)  # fmt: skip


ENDPOINTS: list[Endpoint] = [
    _endpoint(
        "/v4/posting/fbs/list",
        newer(
            "#/paths/~1v4~1posting~1fbs~1list/post "
            "(posting.v4.PostingFbsListRequest, posting.v4.PostingFbsListResponse)"
        ),
        V4ListRequest,
        V4ListResponse,
    ),
    _endpoint(
        "/v4/posting/fbs/unfulfilled/list",
        newer(
            "#/paths/~1v4~1posting~1fbs~1unfulfilled~1list/post "
            "(posting.v4.PostingFbsUnfulfilledListRequest, ...Response)"
        ),
        V4UnfulfilledRequest,
        V4UnfulfilledResponse,
    ),
    _endpoint(
        "/v3/posting/fbs/get",
        newer(
            "#/paths/~1v3~1posting~1fbs~1get/post "
            "(postingv3GetFbsPostingRequest, v3GetFbsPostingResponseV3 → v3FbsPostingDetail)"
        ),
        V3GetRequest,
        V3GetResponse,
    ),
    _endpoint(
        "/v4/posting/fbs/ship",
        newer(
            "#/paths/~1v4~1posting~1fbs~1ship/post "
            "(fbsv4FbsPostingShipV4Request, fbsv4FbsPostingShipV4Response)"
        ),
        ShipRequest,
        ShipResponse,
    ),
    _endpoint(
        "/v2/posting/fbs/cancel",
        older(
            "#/paths/~1v2~1posting~1fbs~1cancel/post "
            "(postingCancelFbsPostingRequest, postingBooleanResponse)"
        ),
        CancelRequest,
        BooleanResponse,
    ),
    _endpoint(
        "/v2/warehouse/list",
        newer(
            "#/paths/~1v2~1warehouse~1list/post "
            "(v2WarehouseListV2Request, v2WarehouseListV2Response)"
        ),
        WarehouseListRequest,
        WarehouseListResponse,
    ),
    _endpoint(
        "/v4/product/info/stocks",
        newer(
            "#/paths/~1v4~1product~1info~1stocks/post "
            "(v4GetProductInfoStocksRequest, v4GetProductInfoStocksResponse; stock entries "
            "from OLDER GetProductInfoStocksResponseStock)"
        ),
        StocksReadRequest,
        StocksReadResponse,
    ),
    _endpoint(
        "/v2/products/stocks",
        newer(
            "#/paths/~1v2~1products~1stocks/post "
            "(productv2ProductsStocksRequest, productv2ProductsStocksResponse)"
        ),
        StocksWriteRequest,
        StocksWriteResponse,
        "80 requests/min per seller; 100 pairs per request; a product-warehouse pair "
        "at most once per 30 s (TOO_MANY_REQUESTS in result.errors)",
    ),
    _endpoint(
        "/v5/product/info/prices",
        newer(
            "#/paths/~1v5~1product~1info~1prices/post "
            "(productv5GetProductInfoPricesV5Request, ...Response; items from OLDER "
            "productGetProductInfoPricesV5ResponseItem)"
        ),
        PricesReadRequest,
        PricesReadResponse,
    ),
    _endpoint(
        "/v1/product/import/prices",
        older(
            "#/paths/~1v1~1product~1import~1prices/post "
            "(productImportProductsPricesRequest, productImportProductsPricesResponse)"
        ),
        PricesWriteRequest,
        PricesWriteResponse,
        "each product's price at most 10 times per hour; 1000 prices per request",
    ),
    _endpoint(
        "/v3/product/list",
        newer(
            "#/components/schemas/productv3GetProductListRequest, "
            "productv3GetProductListResponse (items carry sku)"
        ),
        ProductListRequest,
        ProductListResponse,
    ),
]

# Finance transactions (the finance stream) have their own module.
from tests.contracts.ozon_finance import ENDPOINTS as _FINANCE  # noqa: E402

ENDPOINTS += _FINANCE

# Buyers' questions and reviews (their streams, answers and read-backs) too.
from tests.contracts.ozon_buyers import ENDPOINTS as _BUYERS  # noqa: E402

ENDPOINTS += _BUYERS

"""Contracts of the Wildberries endpoints mpsync calls, from WB's own OpenAPI files.

Source: the WB specs as published on dev.wildberries.ru, copied in
``eslazarev/wildberries-sdk:specs/`` at commit ``aa34039`` (2025-12-27). Every endpoint
below names its file and JSON pointer; the models are written here, the field names,
types, enums and units carried over. See ``registry`` for the conventions.

How to read the WB schemas:

* WB marks almost nothing ``required``. A field the spec lists as ``nullable: false``
  is declared with ``present()``: it may be left out, never sent as ``null``. Where a
  request field is required here although the spec does not say so, the comment says why
  (``PUT /api/v3/stocks`` answers 204 and silently ignores what it cannot read).
* Deprecated request fields (the stock ``sku`` barcode, "отключен 9 февраля") are left
  out of the request models: mpsync must not send them.
* Money: the marketplace host (assembly tasks) counts kopecks — integers "умноженная на
  100" — with ISO 4217 *numeric* currency codes; the prices host counts whole units of the
  card's currency (``price`` an integer, ``discountedPrice`` a number) with the ISO 4217
  *alpha* code in ``currencyIsoCode4217``; ``discount`` is a percentage.
* Times: ``createdAt`` is RFC 3339; ``dateFrom``/``dateTo`` of ``GET /api/v3/orders`` are
  unix seconds; ``ddate``/``sellerDate`` are ``dd.mm.yyyy`` calendar days.
* Error bodies differ per host: 401/429 carry the gateway envelope (``title``,
  ``detail``, ``code``, ``requestId``, ``origin``, ``status``, ``statusText``,
  ``timestamp``); the marketplace host's 400/404/409 carry ``{code, message, data}``
  (``PUT /api/v3/stocks`` 409: a list of those); the prices and content hosts carry
  ``{data, error, errorText}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, RootModel

from tests.contracts.registry import Endpoint, PushContract, RequestModel, ResponseModel, Source

REPO = "eslazarev/wildberries-sdk"
COMMIT = "aa340396efa5bdb5ca8f5e8b4944dd15625c8cb4"
FBS = "specs/03-orders-fbs.yaml"
PRODUCTS = "specs/02-products.yaml"
GENERAL = "specs/01-general.yaml"


def source(path: str, pointer: str) -> Source:
    return Source(REPO, path, COMMIT, pointer)


def op(path: str, method: str) -> str:
    """The JSON pointer of an operation: ``/api/v3/orders`` get → ``#/paths/~1api~1v3~1orders/get``."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def present(**kwargs: Any) -> Any:
    """A field the spec lists (``nullable: false``) without requiring it: absent or a value."""
    return Field(default=None, **kwargs)


def _rfc3339(value: str) -> str:
    # RFC 3339 needs a zone: Z or ±hh:mm (Python < 3.11 rejects some forms; we parse ourselves)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
        raise ValueError(f"not an RFC 3339 date-time with a zone: {value!r}")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value):
        raise ValueError(f"not a dd.mm.yyyy day: {value!r}")
    datetime.strptime(value, "%d.%m.%Y")
    return value


def _iso_numeric(value: int) -> int:
    if not 1 <= value <= 999:
        raise ValueError(f"not an ISO 4217 numeric currency code: {value}")
    return value


Rfc3339 = Annotated[str, AfterValidator(_rfc3339)]
Day = Annotated[str, AfterValidator(_day)]
NumericCurrency = Annotated[int, AfterValidator(_iso_numeric)]  # ISO 4217 numeric: 643 = RUB
AlphaCurrency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]  # ISO 4217 alpha: RUB
Kopecks = int  # "умноженная на 100": hundredths of the currency unit, an integer
CargoType = Literal[1, 2, 3]  # 1 МГТ (small), 2 СГТ (oversize), 3 КГТ+ (large)

# -- error bodies ---------------------------------------------------------------------------


class GatewayError(ResponseModel):
    """401 and 429 of every host (components/responses/401, 429)."""

    title: str | None = None
    detail: str | None = None
    code: str | None = None
    requestId: str | None = None
    origin: str | None = None
    status: int | None = None
    statusText: str | None = None
    timestamp: Rfc3339 | None = None


class MarketplaceError(ResponseModel):
    """400/403/404/409 of the marketplace host (components/schemas/Error)."""

    code: str = present()
    message: str = present()
    data: dict[str, Any] | None = None


class StockErrorItem(ResponseModel):
    sku: str | None = None  # Баркод
    amount: int | None = None


class StockError(ResponseModel):
    data: list[StockErrorItem] | None = None
    code: str | None = None
    message: str | None = None


class StockErrors(RootModel[list[StockError]]):
    """``PUT /api/v3/stocks/{warehouseId}`` 409: a *list* of errors (StocksWarehouseError)."""


class PricesError(ResponseModel):
    """400/403/422 of the prices host (components/schemas/ResponseError)."""

    data: dict[str, Any] | None = None
    error: bool | None = None
    errorText: str | None = None


class ContentError(ResponseModel):
    """400 of the content host (responseBodyContentError400)."""

    data: dict[str, Any] | None = None
    error: bool | None = None
    errorText: str | None = None
    additionalErrors: dict[str, Any] | None = None


GATEWAY = {401: GatewayError, 429: GatewayError}
MARKETPLACE_ERRORS = {400: MarketplaceError, 403: MarketplaceError, **GATEWAY}

# -- FBS assembly tasks (03-orders-fbs.yaml) ----------------------------------------------


class Address(ResponseModel):
    """The buyer's address "если применимо" (may be absent or null on the task)."""

    fullAddress: str | None = None
    longitude: Decimal = present()
    latitude: Decimal = present()


class Options(ResponseModel):
    isB2b: bool | None = None


class TaskFields(ResponseModel):
    """Fields common to ``OrderNew`` and ``Order``: one task is one unit of one size."""

    address: Address | None = None
    deliveryType: Literal["fbs"] = present()
    scanPrice: Decimal | None = None  # приёмка, kopecks; always null in /orders/new
    orderUid: str | None = None  # groups the tasks of one buyer cart
    article: str = present()  # Артикул продавца (vendorCode)
    colorCode: str = present()
    rid: str = present()  # = srid of the statistics and finance reports
    createdAt: Rfc3339 = present()
    offices: list[str] | None = None
    skus: list[str] = present()  # barcodes
    id: int = present()  # ID сборочного задания (int64)
    warehouseId: int = present()
    officeId: int = present()
    nmId: int = present()  # Артикул WB
    chrtId: int = present()  # ID размера
    price: Kopecks = present()  # after every discount but WB Wallet, sale currency ×100
    convertedPrice: Kopecks = present()  # the same in the seller's currency ×100
    currencyCode: NumericCurrency = present()  # sale currency (933 = BYN in the example)
    convertedCurrencyCode: NumericCurrency = present()  # the seller's currency (643)
    cargoType: CargoType = present()
    comment: str = Field(default=None, max_length=300)  # buyer's comment, nullable: false
    isZeroOrder: bool | None = None
    options: Options | None = None


class OrderNew(TaskFields):
    """components/schemas/OrderNew: a task of ``GET /api/v3/orders/new``."""

    ddate: Day = present()  # planned delivery day, СГТ (cargoType 2) only
    sellerDate: Day | None = None  # recommended hand-over day, СГТ only
    salePrice: Kopecks | None = None  # seller's price after the seller's discount ×100
    requiredMeta: list[str] | None = None
    optionalMeta: list[str] | None = None
    finalPrice: Kopecks | None = None  # what the buyer pays, sale currency ×100
    convertedFinalPrice: Kopecks | None = None  # the same in the seller's currency ×100


class Order(TaskFields):
    """components/schemas/Order: a task of ``GET /api/v3/orders`` (no status in it)."""

    supplyId: str | None = None  # "Возвращается, если заказ закреплён за поставкой"


class OrdersNewResponse(ResponseModel):
    orders: list[OrderNew] = present()


class OrdersQuery(RequestModel):
    """Paging ``limit`` (1..1000) and ``next`` (0 first) are required; the window is unix
    seconds, at most 30 days, ``dateFrom`` defaulting to 30 days before the request."""

    limit: int = Field(ge=1, le=1000)
    next: int
    dateFrom: int | None = None
    dateTo: int | None = None


class OrdersResponse(ResponseModel):
    next: int = present()
    orders: list[Order] = present()


class OrderIds(RequestModel):
    orders: list[int] = Field(min_length=1, max_length=1000)


SupplierStatus = Literal["new", "confirm", "complete", "cancel"]
WbStatus = Literal[
    "waiting",
    "sorted",
    "sold",
    "canceled",
    "canceled_by_client",
    "declined_by_client",
    "defect",
    "ready_for_pickup",
    "postponed_delivery",
    "accepted_by_carrier",
    "sent_to_carrier",
]


class TaskStatus(ResponseModel):
    id: int = present()
    supplierStatus: SupplierStatus = present()
    wbStatus: WbStatus = present()


class StatusesResponse(ResponseModel):
    orders: list[TaskStatus] = present()


class NewSupply(RequestModel):
    name: str = Field(min_length=1, max_length=128)


class SupplyCreated(ResponseModel):
    id: str = present()  # "WB-GI-1234567"


class SupplyOrders(RequestModel):
    orders: list[int] = Field(min_length=1, max_length=100)


# -- warehouses and stocks (02-products.yaml, marketplace host) ---------------------------


class Warehouse(ResponseModel):
    name: str = present()
    officeId: int = present()
    id: int = present()
    cargoType: CargoType | None = None
    # 1 FBS, 2 DBS, 3 DBW, 5 C&C (самовывоз), 6 EDBS
    deliveryType: Literal[1, 2, 3, 5, 6] | None = None
    isDeleting: bool = present()
    isProcessing: bool = present()  # true: stock cannot be updated or deleted now


class Warehouses(RootModel[list[Warehouse]]):
    """``GET /api/v3/warehouses``: a bare list."""


class StockEntry(RequestModel):
    # Required here, not in the spec: WB answers 204 to an entry it cannot read and
    # changes nothing, so an entry without chrtId or amount would fail silently.
    chrtId: int  # ID размера (the deprecated barcode ``sku`` is not to be sent)
    amount: int = Field(ge=0, le=100_000)


class StocksPut(RequestModel):
    stocks: list[StockEntry] = Field(min_length=1, max_length=1000)


class StocksQuery(RequestModel):
    chrtIds: list[int]  # required; no bound in the spec (the deprecated skus: 1..1000)


class StockLevel(ResponseModel):
    chrtId: int | None = None
    sku: str = present()  # deprecated barcode, still listed
    amount: int = present()


class StocksResponse(ResponseModel):
    stocks: list[StockLevel] = present()


# -- prices and discounts (02-products.yaml, discounts-prices host) -----------------------


class Good(RequestModel):
    """components/schemas/Good: ``price`` whole units of the card currency (an integer),
    ``discount`` a percentage; not both empty."""

    nmID: int
    price: int | None = Field(default=None, gt=0)
    discount: int | None = Field(default=None, ge=0, le=99)


class PriceUpload(RequestModel):
    data: list[Good] = Field(min_length=1, max_length=1000)


class TaskCreatedData(ResponseModel):
    id: int | None = None  # ID загрузки
    alreadyExists: bool | None = None


class TaskCreated(ResponseModel):
    data: TaskCreatedData | None = None
    error: bool | None = None
    errorText: str | None = None


class GoodsQuery(RequestModel):
    limit: int = Field(ge=0, le=1000)  # "maximum: 1000"; required
    offset: int | None = Field(default=None, ge=0)
    filterNmID: int | None = None


class SizePrice(ResponseModel):
    sizeID: int  # = chrtID of the content API
    price: int  # before the seller's discount, whole currency units
    discountedPrice: Decimal  # price × (1 − discount/100)
    clubDiscountedPrice: Decimal  # also less the WB Club discount
    techSizeName: str


class GoodsItem(ResponseModel):
    nmID: int | None = None
    vendorCode: str | None = None
    sizes: list[SizePrice] | None = None
    currencyIsoCode4217: AlphaCurrency | None = None
    discount: int | None = None  # %
    clubDiscount: int | None = None  # %
    editableSizePrice: bool | None = None
    isBadTurnover: bool | None = None


class GoodsList(ResponseModel):
    listGoods: list[GoodsItem]


class GoodsResponse(ResponseModel):
    data: GoodsList
    error: bool
    errorText: str


# -- content cards (02-products.yaml, content host) ---------------------------------------


class CardsSort(RequestModel):
    ascending: bool | None = None


class CardsFilter(RequestModel):
    withPhoto: Literal[-1, 0, 1] | None = None  # default 0 = only cards WITHOUT photos
    textSearch: str | None = None
    tagIDs: list[int] | None = None
    allowedCategoriesOnly: bool | None = None
    objectIDs: list[int] | None = None
    brands: list[str] | None = None
    imtID: int | None = None


class CardsCursor(RequestModel):
    limit: int | None = Field(default=None, ge=1, le=100)  # "больше 100 … пагинация"
    updatedAt: str | None = None
    nmID: int | None = None


class CardsSettings(RequestModel):
    sort: CardsSort | None = None
    filter: CardsFilter | None = None
    cursor: CardsCursor | None = None


class CardsRequest(RequestModel):
    settings: CardsSettings | None = None


class CardsLocale(RequestModel):
    locale: Literal["ru", "en", "zh"] | None = None


class CardSize(ResponseModel):
    chrtID: int | None = None
    techSize: str | None = None
    wbSize: str | None = None
    skus: list[str] | None = None  # barcodes


class CardPhoto(ResponseModel):
    big: str | None = None
    c246x328: str | None = None
    c516x688: str | None = None
    square: str | None = None
    tm: str | None = None


class Wholesale(ResponseModel):
    enabled: bool | None = None
    quantum: int | None = None


class Dimensions(ResponseModel):
    length: int | None = None  # cm
    width: int | None = None
    height: int | None = None
    weightBrutto: Decimal | None = None  # kg
    isValid: bool | None = None


class Characteristic(ResponseModel):
    id: int | None = None
    name: str | None = None
    value: Any = None


class Tag(ResponseModel):
    id: int | None = None
    name: str | None = None
    color: str | None = None


class Card(ResponseModel):
    nmID: int | None = None
    imtID: int | None = None
    nmUUID: str | None = None
    subjectID: int | None = None
    subjectName: str | None = None
    vendorCode: str | None = None
    brand: str | None = None
    title: str | None = None
    description: str | None = None
    needKiz: bool | None = None
    photos: list[CardPhoto] | None = None
    video: str | None = None
    wholesale: Wholesale | None = None
    dimensions: Dimensions | None = None
    characteristics: list[Characteristic] | None = None
    sizes: list[CardSize] | None = None
    tags: list[Tag] | None = None
    createdAt: Rfc3339 | None = None
    updatedAt: Rfc3339 | None = None


class CardsCursorOut(ResponseModel):
    updatedAt: str | None = None
    nmID: int | None = None
    total: int | None = None  # cards returned; less than the asked limit = the last page


class CardsResponse(ResponseModel):
    cards: list[Card] | None = None
    cursor: CardsCursorOut | None = None


# -- the endpoints ----------------------------------------------------------------------

ORDERS_LIMIT = "300 requests/min per seller account, interval 200 ms, burst 20 (FBS tasks, supplies, passes); a 409 counts as 10"
CANCEL_LIMIT = "100 requests/min per seller account, interval 600 ms, burst 20; a 409 counts as 10"
WAREHOUSES_LIMIT = (
    "300 requests/min, interval 200 ms, burst 20 (all seller-warehouse methods); a 409 counts as 10"
)
STOCKS_LIMIT = "300 requests/min, interval 200 ms, burst 20 (all seller-warehouse stock methods); a 409 counts as 10"
PRICES_LIMIT = "10 requests per 6 s, interval 600 ms, burst 5 (all Prices and discounts methods)"
CONTENT_LIMIT = "100 requests/min, interval 600 ms, burst 5 (the Content category)"

MP = "wildberries"


def _endpoint(
    spec: str, method: str, path: str, limits: str, responses: dict[int, Any], **kw: Any
) -> Endpoint:
    return Endpoint(
        MP, method, path, source(spec, op(path, method)), responses=responses, limits=limits, **kw
    )


ENDPOINTS: list[Endpoint] = [
    _endpoint(FBS, "GET", "/api/v3/orders/new", ORDERS_LIMIT, {200: OrdersNewResponse, **GATEWAY}),
    _endpoint(
        FBS,
        "GET",
        "/api/v3/orders",
        ORDERS_LIMIT,
        {200: OrdersResponse, **MARKETPLACE_ERRORS},
        query=OrdersQuery,
    ),
    _endpoint(
        FBS,
        "POST",
        "/api/v3/orders/status",
        ORDERS_LIMIT,
        {200: StatusesResponse, **MARKETPLACE_ERRORS},
        body=OrderIds,
    ),
    _endpoint(
        FBS,
        "POST",
        "/api/v3/supplies",
        ORDERS_LIMIT,
        {201: SupplyCreated, **MARKETPLACE_ERRORS},
        body=NewSupply,
    ),
    _endpoint(
        FBS,
        "PATCH",
        "/api/marketplace/v3/supplies/{supplyId}/orders",
        ORDERS_LIMIT,
        {204: None, 404: MarketplaceError, 409: MarketplaceError, **MARKETPLACE_ERRORS},
        body=SupplyOrders,
    ),
    _endpoint(
        FBS,
        "PATCH",
        "/api/v3/supplies/{supplyId}/deliver",
        ORDERS_LIMIT,
        {204: None, 404: MarketplaceError, 409: MarketplaceError, **MARKETPLACE_ERRORS},
    ),
    _endpoint(
        FBS,
        "PATCH",
        "/api/v3/orders/{orderId}/cancel",
        CANCEL_LIMIT,
        {204: None, 404: MarketplaceError, 409: MarketplaceError, **MARKETPLACE_ERRORS},
    ),
    _endpoint(
        PRODUCTS,
        "GET",
        "/api/v3/warehouses",
        WAREHOUSES_LIMIT,
        {200: Warehouses, 403: MarketplaceError, **GATEWAY},
    ),
    _endpoint(
        PRODUCTS,
        "PUT",
        "/api/v3/stocks/{warehouseId}",
        STOCKS_LIMIT,
        {
            204: None,
            404: MarketplaceError,
            406: MarketplaceError,
            409: StockErrors,
            **MARKETPLACE_ERRORS,
        },
        body=StocksPut,
    ),
    _endpoint(
        PRODUCTS,
        "POST",
        "/api/v3/stocks/{warehouseId}",
        STOCKS_LIMIT,
        {200: StocksResponse, 404: MarketplaceError, **MARKETPLACE_ERRORS},
        body=StocksQuery,
    ),
    _endpoint(
        PRODUCTS,
        "POST",
        "/api/v2/upload/task",
        PRICES_LIMIT,
        {
            200: TaskCreated,
            208: TaskCreated,
            400: PricesError,
            403: PricesError,
            422: PricesError,
            **GATEWAY,
        },
        body=PriceUpload,
    ),
    _endpoint(
        PRODUCTS,
        "GET",
        "/api/v2/list/goods/filter",
        PRICES_LIMIT,
        {200: GoodsResponse, 400: PricesError, 403: PricesError, **GATEWAY},
        query=GoodsQuery,
    ),
    _endpoint(
        PRODUCTS,
        "POST",
        "/content/v2/get/cards/list",
        CONTENT_LIMIT,
        {200: CardsResponse, 400: ContentError, 403: ContentError, **GATEWAY},
        body=CardsRequest,
        query=CardsLocale,
    ),
]

PUSHES: list[PushContract] = []  # Wildberries sends no pushes (no "webhook" in any spec)

# The deprecated single-task method; mpsync must never call it (removed "18 декабря").
DEPRECATED = [
    _endpoint(
        FBS, "PATCH", "/api/v3/supplies/{supplyId}/orders/{orderId}", ORDERS_LIMIT, {204: None}
    ),
]

SUPPLIER_STATUSES: tuple[str, ...] = SupplierStatus.__args__  # type: ignore[attr-defined]
WB_STATUSES: tuple[str, ...] = WbStatus.__args__  # type: ignore[attr-defined]

# The realization report (the finance stream) has its own module.
from tests.contracts.wildberries_finance import ENDPOINTS as _FINANCE  # noqa: E402

ENDPOINTS += _FINANCE

# The goods-return report (the returns stream) too.
from tests.contracts.wildberries_returns import ENDPOINTS as _RETURNS  # noqa: E402

ENDPOINTS += _RETURNS

# Buyers' questions and reviews (the questions and reviews streams, answers) too.
from tests.contracts.wildberries_buyers import ENDPOINTS as _BUYERS  # noqa: E402

ENDPOINTS += _BUYERS

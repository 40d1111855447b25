"""Enumerations of the Yandex Market Partner API, values carried over from the official spec.

Each ``Literal`` lists every value of the schema named in its comment, in the spec's order
(``yandex-market/yandex-market-partner-api:openapi/components/schemas/<Name>.yaml`` at
commit 1318e9b848591f069059eeebf777f1f5bb439743). ``typing.get_args`` gives the values back,
which the enum-coverage tests walk.
"""

from __future__ import annotations

from typing import Literal

OrderStatusType = Literal[
    "PLACING",
    "RESERVED",
    "UNPAID",
    "PROCESSING",
    "DELIVERY",
    "PICKUP",
    "DELIVERED",
    "CANCELLED",
    "PENDING",
    "PARTIALLY_RETURNED",
    "RETURNED",
    "UNKNOWN",
]  # OrderStatusType.yaml
OrderSubstatusType = Literal[
    "RESERVATION_EXPIRED",
    "USER_NOT_PAID",
    "USER_UNREACHABLE",
    "USER_CHANGED_MIND",
    "USER_REFUSED_DELIVERY",
    "USER_REFUSED_PRODUCT",
    "SHOP_FAILED",
    "USER_REFUSED_QUALITY",
    "REPLACING_ORDER",
    "PROCESSING_EXPIRED",
    "PENDING_EXPIRED",
    "SHOP_PENDING_CANCELLED",
    "PENDING_CANCELLED",
    "USER_FRAUD",
    "RESERVATION_FAILED",
    "USER_PLACED_OTHER_ORDER",
    "USER_BOUGHT_CHEAPER",
    "MISSING_ITEM",
    "BROKEN_ITEM",
    "WRONG_ITEM",
    "PICKUP_EXPIRED",
    "DELIVERY_PROBLEMS",
    "LATE_CONTACT",
    "CUSTOM",
    "DELIVERY_SERVICE_FAILED",
    "WAREHOUSE_FAILED_TO_SHIP",
    "DELIVERY_SERVICE_UNDELIVERED",
    "PREORDER",
    "AWAIT_CONFIRMATION",
    "STARTED",
    "PACKAGING",
    "READY_TO_SHIP",
    "SHIPPED",
    "ASYNC_PROCESSING",
    "WAITING_USER_INPUT",
    "WAITING_BANK_DECISION",
    "BANK_REJECT_CREDIT_OFFER",
    "CUSTOMER_REJECT_CREDIT_OFFER",
    "CREDIT_OFFER_FAILED",
    "AWAIT_DELIVERY_DATES_CONFIRMATION",
    "SERVICE_FAULT",
    "DELIVERY_SERVICE_RECEIVED",
    "USER_RECEIVED",
    "WAITING_FOR_STOCKS",
    "AS_PART_OF_MULTI_ORDER",
    "READY_FOR_LAST_MILE",
    "LAST_MILE_STARTED",
    "ANTIFRAUD",
    "DELIVERY_USER_NOT_RECEIVED",
    "DELIVERY_SERVICE_DELIVERED",
    "DELIVERED_USER_NOT_RECEIVED",
    "USER_WANTED_ANOTHER_PAYMENT_METHOD",
    "USER_RECEIVED_TECHNICAL_ERROR",
    "USER_FORGOT_TO_USE_BONUS",
    "DELIVERY_SERVICE_NOT_RECEIVED",
    "DELIVERY_SERVICE_LOST",
    "SHIPPED_TO_WRONG_DELIVERY_SERVICE",
    "DELIVERED_USER_RECEIVED",
    "WAITING_TINKOFF_DECISION",
    "COURIER_SEARCH",
    "COURIER_FOUND",
    "COURIER_IN_TRANSIT_TO_SENDER",
    "COURIER_ARRIVED_TO_SENDER",
    "COURIER_RECEIVED",
    "COURIER_NOT_FOUND",
    "COURIER_NOT_DELIVER_ORDER",
    "COURIER_RETURNS_ORDER",
    "COURIER_RETURNED_ORDER",
    "WAITING_USER_DELIVERY_INPUT",
    "PICKUP_SERVICE_RECEIVED",
    "PICKUP_USER_RECEIVED",
    "CANCELLED_COURIER_NOT_FOUND",
    "COURIER_NOT_COME_FOR_ORDER",
    "DELIVERY_NOT_MANAGED_REGION",
    "INCOMPLETE_CONTACT_INFORMATION",
    "INCOMPLETE_MULTI_ORDER",
    "INAPPROPRIATE_WEIGHT_SIZE",
    "TECHNICAL_ERROR",
    "SORTING_CENTER_LOST",
    "COURIER_SEARCH_NOT_STARTED",
    "LOST",
    "AWAIT_PAYMENT",
    "AWAIT_LAVKA_RESERVATION",
    "USER_WANTS_TO_CHANGE_ADDRESS",
    "FULL_NOT_RANSOM",
    "PRESCRIPTION_MISMATCH",
    "DROPOFF_LOST",
    "DROPOFF_CLOSED",
    "DELIVERY_TO_STORE_STARTED",
    "USER_WANTS_TO_CHANGE_DELIVERY_DATE",
    "WRONG_ITEM_DELIVERED",
    "DAMAGED_BOX",
    "AWAIT_DELIVERY_DATES",
    "LAST_MILE_COURIER_SEARCH",
    "PICKUP_POINT_CLOSED",
    "LEGAL_INFO_CHANGED",
    "USER_HAS_NO_TIME_TO_PICKUP_ORDER",
    "DELIVERY_CUSTOMS_ARRIVED",
    "DELIVERY_CUSTOMS_CLEARED",
    "FIRST_MILE_DELIVERY_SERVICE_RECEIVED",
    "AWAIT_AUTO_DELIVERY_DATES",
    "AWAIT_USER_PERSONAL_DATA",
    "NO_PERSONAL_DATA_EXPIRED",
    "CUSTOMS_PROBLEMS",
    "AWAIT_CASHIER",
    "WAITING_POSTPAID_BUDGET_RESERVATION",
    "AWAIT_SERVICEABLE_CONFIRMATION",
    "POSTPAID_BUDGET_RESERVATION_FAILED",
    "AWAIT_CUSTOM_PRICE_CONFIRMATION",
    "READY_FOR_PICKUP",
    "TOO_MANY_DELIVERY_DATE_CHANGES",
    "TOO_LONG_DELIVERY",
    "DEFERRED_PAYMENT",
    "POSTPAID_FAILED",
    "INCORRECT_PERSONAL_DATA",
    "CUSTOMS_FAILED_MARKET",
    "CUSTOMS_FAILED_USER_COMMERCIAL_ITEMS",
    "CUSTOMS_FAILED_USER_DUTY_NOT_PAID",
    "CUSTOMS_FAILED_USER_INVALID_PERSONAL_DATA",
    "CUSTOMS_FAILED_USER_ADDITIONAL_DATA_NOT_PROVIDED",
    "AWAIT_PAYMENT_AFTER_DELIVERY",
    "AWAIT_USER_STEAM_FAST_URL",
    "USER_IDENTIFICATION_MISMATCH",
    "PURCHASE_GROUP_THRESHOLD_NOT_REACHED_CANCELLED",
    "UNKNOWN",
]  # OrderSubstatusType.yaml
CurrencyType = Literal[
    "RUR",
    "USD",
    "EUR",
    "UAH",
    "AUD",
    "GBP",
    "BYR",
    "BYN",
    "DKK",
    "ISK",
    "KZT",
    "CAD",
    "CNY",
    "NOK",
    "XDR",
    "SGD",
    "TRY",
    "SEK",
    "CHF",
    "JPY",
    "AZN",
    "ALL",
    "DZD",
    "AOA",
    "ARS",
    "AMD",
    "AFN",
    "BHD",
    "BGN",
    "BOB",
    "BWP",
    "BND",
    "BRL",
    "BIF",
    "HUF",
    "VEF",
    "KPW",
    "VND",
    "GMD",
    "GHS",
    "GNF",
    "HKD",
    "GEL",
    "AED",
    "EGP",
    "ZMK",
    "ILS",
    "INR",
    "IDR",
    "JOD",
    "IQD",
    "IRR",
    "YER",
    "QAR",
    "KES",
    "KGS",
    "COP",
    "CDF",
    "CRC",
    "KWD",
    "CUP",
    "LAK",
    "LVL",
    "SLL",
    "LBP",
    "LYD",
    "SZL",
    "LTL",
    "MUR",
    "MRO",
    "MKD",
    "MWK",
    "MGA",
    "MYR",
    "MAD",
    "MXN",
    "MZN",
    "MDL",
    "MNT",
    "NPR",
    "NGN",
    "NIO",
    "NZD",
    "OMR",
    "PKR",
    "PYG",
    "PEN",
    "PLN",
    "KHR",
    "SAR",
    "RON",
    "SCR",
    "SYP",
    "SKK",
    "SOS",
    "SDG",
    "SRD",
    "TJS",
    "THB",
    "TWD",
    "BDT",
    "TZS",
    "TND",
    "TMM",
    "UGX",
    "UZS",
    "UYU",
    "PHP",
    "DJF",
    "XAF",
    "XOF",
    "HRK",
    "CZK",
    "CLP",
    "LKR",
    "EEK",
    "ETB",
    "RSD",
    "ZAR",
    "KRW",
    "NAD",
    "TL",
    "UE",
]  # CurrencyType.yaml
OrderPaymentType = Literal["PREPAID", "POSTPAID", "UNKNOWN"]  # OrderPaymentType.yaml
OrderPaymentMethodType = Literal[
    "CASH_ON_DELIVERY",
    "CARD_ON_DELIVERY",
    "BOUND_CARD_ON_DELIVERY",
    "BNPL_BANK_ON_DELIVERY",
    "BNPL_ON_DELIVERY",
    "YANDEX",
    "APPLE_PAY",
    "EXTERNAL_CERTIFICATE",
    "CREDIT",
    "GOOGLE_PAY",
    "TINKOFF_CREDIT",
    "SBP",
    "TINKOFF_INSTALLMENTS",
    "B2B_ACCOUNT_PREPAYMENT",
    "B2B_ACCOUNT_POSTPAYMENT",
    "MICROCREDIT",
    "BNPL_TBYB",
    "UNKNOWN",
]  # OrderPaymentMethodType.yaml
SellingProgramType = Literal["FBY", "FBS", "DBS", "EXPRESS", "LAAS"]  # SellingProgramType.yaml
OrderVatType = Literal[
    "NO_VAT",
    "VAT_0",
    "VAT_10",
    "VAT_10_110",
    "VAT_20",
    "VAT_20_120",
    "VAT_18",
    "VAT_18_118",
    "VAT_12",
    "VAT_05",
    "VAT_07",
    "VAT_22",
    "UNKNOWN_VALUE",
]  # OrderVatType.yaml
OrderDeliveryType = Literal[
    "DELIVERY", "PICKUP", "POST", "DIGITAL", "UNKNOWN"
]  # OrderDeliveryType.yaml
OrderDeliveryPartnerType = Literal[
    "SHOP", "YANDEX_MARKET", "UNKNOWN"
]  # OrderDeliveryPartnerType.yaml
OrderDeliveryDispatchType = Literal[
    "UNKNOWN", "BUYER", "MARKET_BRANDED_OUTLET", "SHOP_OUTLET"
]  # OrderDeliveryDispatchType.yaml
OrderItemInstanceType = Literal[
    "CIS", "CIS_OPTIONAL", "UIN", "RNPT", "GTD"
]  # OrderItemInstanceType.yaml
OrderItemUnitStatusType = Literal[
    "CREATED", "SHIPPED", "CANCELLED", "DELIVERED_TO_BUYER", "LOST", "REJECTED", "RETURNED"
]  # OrderItemUnitStatusType.yaml
OrderItemTagType = Literal["ULTIMA", "SAFE_TAG"]  # OrderItemTagType.yaml
RegionType = Literal[
    "OTHER",
    "CONTINENT",
    "REGION",
    "COUNTRY",
    "COUNTRY_DISTRICT",
    "REPUBLIC",
    "CITY",
    "VILLAGE",
    "CITY_DISTRICT",
    "SUBWAY_STATION",
    "REPUBLIC_AREA",
]  # RegionType.yaml
OrderDeliveryEacType = Literal[
    "MERCHANT_TO_COURIER", "COURIER_TO_MERCHANT", "CHECKING_BY_MERCHANT"
]  # OrderDeliveryEacType.yaml
DigitalGoodsDeliveryType = Literal[
    "EMAIL", "ACTIVATION_CODE", "STEAM_GIFT", "CHAT"
]  # DigitalGoodsDeliveryType.yaml
OrderLiftType = Literal[
    "NOT_NEEDED", "MANUAL", "ELEVATOR", "CARGO_ELEVATOR", "FREE", "UNKNOWN"
]  # OrderLiftType.yaml
OrderBuyerType = Literal["PERSON", "BUSINESS"]  # OrderBuyerType.yaml
OrderSourcePlatformType = Literal[
    "MARKET", "OZON", "WILDBERRIES", "OTHER"
]  # OrderSourcePlatformType.yaml
PlacementType = Literal["FBS", "FBY", "DBS", "LAAS"]  # PlacementType.yaml
ApiAvailabilityStatusType = Literal[
    "AVAILABLE",
    "DISABLED_BY_INACTIVITY",
    "DISABLED_BY_NO_ACTIVE_CONTRACT",
    "MANUALLY_DISABLED",
    "DISABLED_BY_NO_PLACEMENT_TYPE",
]  # ApiAvailabilityStatusType.yaml
WarehouseStockType = Literal[
    "FIT", "FREEZE", "AVAILABLE", "QUARANTINE", "UTILIZATION", "DEFECT", "EXPIRED"
]  # WarehouseStockType.yaml
TurnoverType = Literal[
    "LOW", "ALMOST_LOW", "HIGH", "VERY_HIGH", "NO_SALES", "FREE_STORE"
]  # TurnoverType.yaml
ApiResponseStatusType = Literal["OK", "ERROR"]  # ApiResponseStatusType.yaml
OfferCardStatusType = Literal[
    "HAS_CARD_CAN_NOT_UPDATE",
    "HAS_CARD_CAN_UPDATE",
    "HAS_CARD_CAN_UPDATE_ERRORS",
    "HAS_CARD_CAN_UPDATE_PROCESSING",
    "NO_CARD_NEED_CONTENT",
    "NO_CARD_MARKET_WILL_CREATE",
    "NO_CARD_ERRORS",
    "NO_CARD_PROCESSING",
    "NO_CARD_ADD_TO_CAMPAIGN",
]  # OfferCardStatusType.yaml
OrderTaxSystemType = Literal[
    "OSN",
    "USN",
    "USN_MINUS_COST",
    "ENVD",
    "ECHN",
    "PSN",
    "NPD",
    "AUSN",
    "AUSN_MINUS_COST",
    "UNKNOWN_VALUE",
]  # OrderTaxSystemType.yaml
OrderPromoType = Literal[
    "DIRECT_DISCOUNT",
    "BLUE_SET",
    "BLUE_FLASH",
    "GENERIC_BUNDLE",
    "MARKET_COUPON",
    "MARKET_PROMOCODE",
    "MARKET_BLUE",
    "MARKET_COIN",
    "PRICE_DROP_AS_YOU_SHOP",
    "SECRET_SALE",
    "CHEAPEST_AS_GIFT",
    "CASHBACK",
    "SPREAD_DISCOUNT_COUNT",
    "SPREAD_DISCOUNT_RECEIPT",
    "DISCOUNT_BY_PAYMENT_TYPE",
    "PERCENT_DISCOUNT",
    "DCO_EXTRA_DISCOUNT",
    "UNKNOWN",
]  # OrderPromoType.yaml
OrderItemSubsidyType = Literal["YANDEX_CASHBACK", "SUBSIDY"]  # OrderItemSubsidyType.yaml
OrderSubsidyType = Literal["YANDEX_CASHBACK", "SUBSIDY", "DELIVERY"]  # OrderSubsidyType.yaml
OrderItemStatusType = Literal["REJECTED", "RETURNED"]  # OrderItemStatusType.yaml
OperationType = Literal[
    "ORDER_RECIPIENT_UPDATE",
    "ORDER_DELIVERY_INTERVAL_UPDATE",
    "ORDER_STATUS_UPDATE",
    "RETURN_CANCELLATION",
]  # OperationType.yaml
OfferCampaignStatusType = Literal[
    "PUBLISHED",
    "CHECKING",
    "DISABLED_BY_PARTNER",
    "DISABLED_AUTOMATICALLY",
    "REJECTED_BY_MARKET",
    "CREATING_CARD",
    "NO_CARD",
    "NO_STOCKS",
    "ARCHIVED",
    "READY_FOR_PUBLICATION",
]  # OfferCampaignStatusType.yaml
OfferSellingProgramStatusType = Literal["FINE", "REJECT"]  # OfferSellingProgramStatusType.yaml
CatalogLanguageType = Literal["RU", "UZ"]  # CatalogLanguageType.yaml
TimeUnitType = Literal["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]  # TimeUnitType.yaml
OfferConditionType = Literal[
    "PREOWNED", "SHOWCASESAMPLE", "REFURBISHED", "REDUCTION", "RENOVATED", "NOT_SPECIFIED"
]  # OfferConditionType.yaml
OfferConditionQualityType = Literal[
    "PERFECT", "EXCELLENT", "GOOD", "NOT_SPECIFIED"
]  # OfferConditionQualityType.yaml
OfferType = Literal[
    "DEFAULT", "MEDICINE", "BOOK", "AUDIOBOOK", "ARTIST_TITLE", "ON_DEMAND", "ALCOHOL"
]  # OfferType.yaml
AgeUnitType = Literal["YEAR", "MONTH"]  # AgeUnitType.yaml
CommodityCodeType = Literal["CUSTOMS_COMMODITY_CODE", "IKPU_CODE"]  # CommodityCodeType.yaml
MediaFileUploadStateType = Literal[
    "UPLOADING", "UPLOADED", "FAILED"
]  # MediaFileUploadStateType.yaml
ShowcaseType = Literal["B2B", "B2C"]  # ShowcaseType.yaml

"""The canonical fields a mapping file may fill, with their default type and whether required.

The sections and keys a mapping file may contain are listed here too, for validation.
"""

from __future__ import annotations

from types import MappingProxyType

_S, _D, _T, _I = "str", "decimal", "datetime", "int"
_MESSAGE = MappingProxyType(
    {
        "external_id": (_S, True),
        "sku": (_S, False),
        "product_name": (_S, False),
        "order_external_id": (_S, False),
        "rating": (_I, False),
        "text": (_S, False),
        "pros": (_S, False),
        "cons": (_S, False),
        "author": (_S, False),
        "created_at": (_T, True),
        "answer": (_S, False),
        "answer_id": (_S, False),
        "answered_at": (_T, False),
        "answered": ("bool", False),
        "source_updated_at": (_T, False),
    }
)

TARGETS = MappingProxyType(
    {
        "order": {
            "external_id": (_S, True),
            "group_key": (_S, False),
            "order_number": (_S, False),
            "created_at": (_T, True),
            "source_updated_at": (_T, True),
            "ship_by": (_T, False),
            "delivery_method": (_S, False),
            "payment_method": (_S, False),
            "currency": ("currency", True),
            "items_total": (_D, True),
            "total": (_D, True),
            "delivery_address": (_S, False),
        },
        "line": {
            "line_no": (_I, False),
            "sku": (_S, True),
            "marketplace_sku": (_S, False),
            "name": (_S, False),
            "quantity": (_I, True),
            "unit_price": (_D, True),
            "total": (_D, True),
        },
        "customer": {
            "phone": ("phone", False),
            "email": ("email", False),
            "name": (_S, False),
            "company_name": (_S, False),
            "inn": (_S, False),
            "kpp": (_S, False),
        },
        "order_status": {"external_id": (_S, True), "source_updated_at": (_T, True)},
        "stock": {
            "sku": (_S, True),
            "warehouse": (_S, True),
            "on_hand": (_I, True),
            "reserved": (_I, False),
            "source_updated_at": (_T, False),
        },
        "price": {
            "sku": (_S, True),
            "price": (_D, True),
            "old_price": (_D, False),
            "min_price": (_D, False),
            "currency": ("currency", True),
            "source_updated_at": (_T, False),
        },
        "product": {
            "sku": (_S, True),
            "name": (_S, False),
            "barcodes": ("strings", False),
            "source_updated_at": (_T, False),
        },
        # Buyers' questions and reviews (mpsync.inbox): one canonical BuyerMessageRecord,
        # the section naming its kind. [question.ids]/[review.ids]: the product's
        # marketplace ids, resolved to the seller's SKU through the catalogue.
        "question": _MESSAGE,
        "review": _MESSAGE,
    }
)

SECTION_KEYS = MappingProxyType(
    {
        "order": frozenset({"fields", "status", "lines", "customer"}),
        "order_status": frozenset({"fields", "status"}),
        "line": frozenset({"path", "fields"}),
        "customer": frozenset({"fields"}),
        "stock": frozenset({"fields"}),
        "price": frozenset({"fields"}),
        # [product.ids]: one field per marketplace id, named as the marketplace names it.
        "product": frozenset({"fields", "ids"}),
        "question": frozenset({"fields", "ids"}),
        "review": frozenset({"fields", "ids"}),
    }
)

RECORD_SECTIONS = ("order", "order_status", "stock", "price", "product", "question", "review")
# [finance] and [returns] are compiled by mpsync.finance (their own rule language).
EXTRA_SECTIONS = ("finance", "returns")
TOP_KEYS = frozenset({"meta", *RECORD_SECTIONS, *EXTRA_SECTIONS})
# An id name in [product.ids]: the marketplace's own spelling (nmID, product_id, offerId).
ID_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"
CONTEXT_VALUES = frozenset({"observed_at", "line_no"})

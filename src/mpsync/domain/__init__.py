"""The canonical model and order-status rules: pure Python, no I/O."""

from __future__ import annotations

from mpsync.domain.models import (
    BuyerMessageRecord,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
    OrderStatusUpdate,
    PriceRecord,
    ProductRecord,
    StockRecord,
)
from mpsync.domain.status import (
    TERMINAL_STATUSES,
    OrderState,
    OrderStatus,
    StatusUpdate,
    Transition,
    apply_update,
    can_transition,
)

__all__ = [
    "TERMINAL_STATUSES",
    "BuyerMessageRecord",
    "CustomerRecord",
    "OrderLineRecord",
    "OrderRecord",
    "OrderState",
    "OrderStatus",
    "OrderStatusUpdate",
    "PriceRecord",
    "ProductRecord",
    "StatusUpdate",
    "StockRecord",
    "Transition",
    "apply_update",
    "can_transition",
]

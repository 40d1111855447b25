"""Configuration of the marketplace simulator: seed, order rate, limits, faults, push.

One frozen-ish dataclass drives the whole sandbox; the CLI and tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MARKETPLACES: tuple[str, ...] = ("wildberries", "ozon", "yandex_market")


@dataclass
class FaultConfig:
    """Probabilities (0..1) of injected faults on marketplace endpoints."""

    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    malformed_rate: float = 0.0
    duplicate_rate: float = 0.0
    out_of_order_rate: float = 0.0
    push_duplicate_rate: float = 0.0

    def update(self, values: dict[str, object]) -> None:
        """Set the known fields from a mapping; raises ValueError on unknown or bad values."""
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {key!r}")
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"fault setting {key!r} must be a number, got {value!r}")
            if key != "slow_seconds" and not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"fault setting {key!r} must be between 0 and 1")
            setattr(self, key, float(value))

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Credentials:
    """The credentials the sandbox prints and, when strict, the only ones it accepts."""

    wb_token: str = "sandbox-wb-token"
    ozon_client_id: str = "100001"
    ozon_api_key: str = "sandbox-ozon-key"
    ym_api_key: str = "sandbox-ym-key"
    ym_business_id: int = 1000001
    ym_campaign_id: int = 21000000

    def as_dict(self) -> dict[str, dict[str, str | int]]:
        return {
            "wildberries": {"token": self.wb_token},
            "ozon": {"client_id": self.ozon_client_id, "api_key": self.ozon_api_key},
            "yandex_market": {
                "api_key": self.ym_api_key,
                "business_id": self.ym_business_id,
                "campaign_id": self.ym_campaign_id,
            },
        }


def default_start_time() -> datetime:
    """Now, rounded down to the minute (aware UTC)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


@dataclass
class SandboxConfig:
    """Everything that shapes one sandbox run.

    Per marketplace: `orders_per_minute` counts buyer carts (a WB cart has 1-3
    tasks, an Ozon order 1-2 postings); `backlog` counts records (WB tasks, Ozon
    postings, YM orders) spread over the `backlog_days` before the start.
    `rate_limit_scale` multiplies every documented limit (0 disables them).
    `speed` > 0 lets the simulated clock follow wall time x speed while served
    by uvicorn; 0 moves it only through `advance`.
    """

    seed: int = 1
    orders_per_minute: float = 30.0
    backlog: int = 0
    backlog_days: int = 29
    rate_limit_scale: float = 1.0
    strict_credentials: bool = False
    faults: FaultConfig = field(default_factory=FaultConfig)
    push_url: str | None = None
    ozon_push_url: str | None = None
    yandex_market_push_url: str | None = None
    push_max_attempts: int = 5
    push_interval: float = 1.0
    start_time: datetime | None = None
    speed: float = 0.0
    products: int = 40
    credentials: Credentials = field(default_factory=Credentials)
    # One physical stock behind the three marketplaces (sandbox/shared.py): each product
    # has (low, high) units; buyers order only what a marketplace offers; the truth lists
    # every oversell. None: each marketplace's stock on its own, as before.
    shared_stock: tuple[int, int] | None = None
    # Bursts of orders: (first minute, minutes, orders per minute) replacing the rate.
    bursts: tuple[tuple[int, int, float], ...] = ()
    # Ozon's question and review methods are for Premium Plus subscribers; False answers
    # them 403 as an account without the subscription gets (sandbox/buyers_api.py).
    ozon_premium: bool = True

    def __post_init__(self) -> None:
        if self.start_time is not None and self.start_time.utcoffset() is None:
            raise ValueError("SandboxConfig.start_time must be timezone-aware")
        if self.orders_per_minute < 0 or self.backlog < 0 or self.rate_limit_scale < 0:
            raise ValueError("orders_per_minute, backlog and rate_limit_scale must be >= 0")
        if self.products < 1:
            raise ValueError("products must be >= 1")

    def push_target(self, marketplace: str) -> str | None:
        """The URL pushes of `marketplace` go to (YM appends /notification), or None."""
        if marketplace == "ozon":
            return self.ozon_push_url or self.push_url
        if marketplace == "yandex_market":
            base = self.yandex_market_push_url or self.push_url
            return None if base is None else base.rstrip("/") + "/notification"
        return None

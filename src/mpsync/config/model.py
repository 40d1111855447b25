"""The config schema: one pydantic-settings model with a section per concern.

Every section forbids unknown keys so a typo is an error, not a silent default.
Marketplace credentials are validated by the account's connector (see loader).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from mpsync.config.stock import AccountPriceConfig, AccountStockConfig, StockConfig
from mpsync.config.types import Duration
from mpsync.display import Display, resolve_zone
from mpsync.domain.events import EVENT_KINDS
from mpsync.domain.streams import STREAM_NAMES
from mpsync.domain.streams import STREAMS as STREAM_INFO

_ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
STREAMS = STREAM_NAMES  # the domain registry (mpsync.domain.streams)


@dataclass(frozen=True)
class Unresolved:
    """A config value whose ``${VAR}`` is not set in this process's environment."""

    key: str
    variable: str
    source: str = "config"

    def problem(self) -> str:
        return (
            f"{self.source}: {self.key}: environment variable {self.variable} is not set; "
            f"export it or write '${{{self.variable}:-default}}'"
        )


def _ip_network(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            "not an IP address or network; write one like '195.34.21.0/24' or '10.0.0.7'"
        ) from None
    return value


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL; write one like 'https://api.example.com'")
    return value


def _event_name(value: str) -> str:
    if value not in EVENT_KINDS:
        close = difflib.get_close_matches(value, EVENT_KINDS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"unknown event; {hint}known: {', '.join(EVENT_KINDS)}")
    return value


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0 (e.g. '30s', '5m')")
    return value


IpNetwork = Annotated[str, AfterValidator(_ip_network)]
HttpUrl = Annotated[str | None, AfterValidator(_http_url)]
EventName = Annotated[str, AfterValidator(_event_name)]
Interval = Annotated[Duration, AfterValidator(_positive)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class StoreConfig(_Section):
    url: str = "sqlite:///mpsync.db"
    echo: bool = False
    pool_size: int = Field(default=5, ge=1)
    # Processed pushes, sent outbox rows and old sync runs are deleted after this
    # (mpsync.store.retention); "0s" keeps them forever.
    retention: Duration = timedelta(days=90)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError(
                "unsupported database URL; use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    trusted_proxy_header: str | None = None
    public_url: HttpUrl = None


class PollConfig(_Section):
    orders: Interval = STREAM_INFO["orders"].poll
    stock: Interval = STREAM_INFO["stock"].poll
    prices: Interval = STREAM_INFO["prices"].poll
    # The catalogue read of marketplaces that need one (mpsync.catalog): names, ids, barcodes.
    products: Interval = STREAM_INFO["products"].poll
    # Buyers' questions and reviews (mpsync inbox).
    questions: Interval = STREAM_INFO["questions"].poll
    reviews: Interval = STREAM_INFO["reviews"].poll
    # Money after the sale (mpsync.finance): read on a schedule only when set ("6h", "1h";
    # Wildberries allows one report request a minute); `mpsync sync --stream` reads any time.
    finance: Interval | None = None  # suggested: STREAM_INFO["finance"].poll, 6h
    returns: Interval | None = None
    lookback: Duration = timedelta(minutes=10)
    jitter: Duration = timedelta(seconds=5)
    history: Duration = timedelta(days=1)


class TimeoutConfig(_Section):
    """How long an account's API calls wait: to connect, for each read, and at most for a
    wait the server directs (``Retry-After``); a longer one ends the stream's tick with
    "rate-limited until T" and the stream runs again after T."""

    connect: Interval = timedelta(seconds=5)
    read: Interval = timedelta(seconds=30)
    max_server_wait: Duration = timedelta(minutes=5)


class WebhookConfig(_Section):
    token: SecretStr | None = None
    allowed_ips: list[IpNetwork] = Field(default_factory=list)


class AccountConfig(BaseModel):
    """One marketplace account. Keys not listed here are the connector's credentials."""

    model_config = ConfigDict(extra="forbid")

    id: str
    marketplace: str
    enabled: bool = True
    api_base_url: HttpUrl = None
    mapping: str | None = None
    poll: PollConfig = Field(default_factory=PollConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    timeout: TimeoutConfig = Field(default_factory=TimeoutConfig)
    # Stock sync and price rules of this channel (mpsync.stocksync; config/stock.py).
    stock: AccountStockConfig = Field(default_factory=AccountStockConfig)
    prices: AccountPriceConfig | None = None
    credentials: Any = Field(default_factory=dict, repr=False, exclude=True)
    _unresolved: dict[str, Unresolved] = PrivateAttr(default_factory=dict)

    @property
    def unresolved(self) -> dict[str, Unresolved]:
        """Keys (``token``, ``webhook.token``) whose ``${VAR}`` is unset here."""
        return self._unresolved

    @model_validator(mode="before")
    @classmethod
    def _collect_credentials(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = set(cls.model_fields)
        extras = {key: value for key, value in data.items() if key not in known}
        if not extras:
            return data
        rest = {key: value for key, value in data.items() if key in known}
        rest["credentials"] = {**dict(rest.get("credentials") or {}), **extras}
        return rest

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ACCOUNT_ID.match(value):
            raise ValueError(
                "account id must be 1-63 lowercase letters, digits, '-' or '_' (e.g. 'ozon-main')"
            )
        return value

    def poll_interval(self, stream: str) -> timedelta:
        interval: timedelta = getattr(self.poll, stream)
        return interval


class WorkflowConfig(_Section):
    auto_confirm: list[str] = Field(
        default_factory=list, description="account ids whose new orders are confirmed"
    )
    sla_warning_before: Duration = timedelta(hours=4)
    return_window: Duration = timedelta(days=14)
    low_stock_threshold: int = Field(default=0, ge=0)
    interval: Interval = timedelta(minutes=1)


class InvoicingConfig(_Section):
    enabled: bool = False
    trigger_status: str = "shipped"
    only_business_buyers: bool = False
    number_format: str = "INV-{year}-{seq:06}"
    sequence: str = "default"
    vat_rate: Decimal | Literal["none"] = Decimal("20")
    seller_name: str = ""
    seller_inn: str = ""
    seller_kpp: str = ""
    seller_address: str = ""
    bank_name: str = ""
    bank_bik: str = ""
    bank_account: str = ""
    bank_corr_account: str = ""


class ChannelConfig(BaseModel):
    """A notification channel; keys beyond these belong to the channel type."""

    model_config = ConfigDict(extra="allow")

    name: str
    type: Literal["console", "email", "telegram", "webhook"]
    language: Literal["ru", "en"] = "ru"
    _unresolved: dict[str, Unresolved] = PrivateAttr(default_factory=dict)

    @property
    def unresolved(self) -> dict[str, Unresolved]:
        """Option keys whose ``${VAR}`` is unset in this environment."""
        return self._unresolved


class NotificationRule(_Section):
    events: list[EventName]
    channels: list[str]
    accounts: list[str] = Field(default_factory=list)
    marketplaces: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    min_total: Decimal | None = None
    digest: Duration = timedelta(0)


class NotificationsConfig(_Section):
    channels: list[ChannelConfig] = Field(default_factory=list)
    rules: list[NotificationRule] = Field(default_factory=list)
    # A message being sent when the daemon died is sent again after this long; unset, the
    # [coordination] lease. The sender renews it while it lives, so slow channels are safe.
    lease: Interval | None = None


class CoordinationConfig(_Section):
    """How processes sharing one store split the work (``mpsync.coordination``)."""

    # A unit of work (an (account, stream) run, a rule tick) or a claimed outbox, push or
    # write-back row is held this long past its holder's last heartbeat (every third of
    # it): a killed process's work is taken over by another within one lease.
    lease: Duration = timedelta(seconds=60)
    # Sync runs one daemon does at once; a stream waits for a free slot before it takes
    # its lease, so with several replicas each takes its share instead of the first one up
    # taking everything.
    max_runs: int = Field(default=8, ge=1)

    @field_validator("lease")
    @classmethod
    def _long_enough(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("the lease must be at least 1s (the default 60s suits most)")
        return value


class LoggingConfig(_Section):
    format: Literal["auto", "console", "json"] = "auto"
    level: Literal["debug", "info", "warning", "error"] = "info"


class DisplayConfig(_Section):
    """How times and money read for people; the store stays in UTC."""

    # An IANA zone name ("Europe/Moscow"); unset means the machine's zone.
    timezone: str | None = None
    locale: Literal["ru", "en"] = "ru"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value:
            resolve_zone(value)
        return value or None

    def display(self) -> Display:
        return Display.of(self.timezone, self.locale)


class AnalyticsConfig(_Section):
    """Reports and the digest (``mpsync report``, event ``report.digest``)."""

    # A SKU is due for reorder when its stock covers fewer days than lead time + safety;
    # the suggestion then covers ``reorder_cover_days`` more.
    lead_time_days: int = Field(default=14, ge=0)
    safety_days: int = Field(default=7, ge=0)
    reorder_cover_days: int = Field(default=28, ge=1)
    # The digest covers the previous local day ("daily") or Monday-Sunday week ("weekly",
    # sent on Mondays), at ``digest_at`` display-zone time, to the channels of the rules
    # listing the event "report.digest".
    digest: Literal["daily", "weekly"] = "daily"
    digest_at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class AnswerRule(_Section):
    """``[[answers.rules]]``: which buyers' messages a knowledge-base answer fits.

    A message matches when its kind is in ``kinds``, any phrase of ``match`` occurs in its
    text by word forms (Russian morphology: «доставка» matches «доставкой»), and the
    optional rating range, SKUs and accounts admit it. An empty ``match`` matches any
    text (a rule for stars only). ``mode``: ``draft`` waits for ``mpsync inbox approve``;
    ``auto`` is sent by the daemon.
    """

    name: str = Field(min_length=1, max_length=128)
    kinds: list[Literal["question", "review"]] = Field(min_length=1)
    match: list[str] = Field(default_factory=list)
    rating_min: int | None = Field(default=None, ge=1, le=5)
    rating_max: int | None = Field(default=None, ge=1, le=5)
    skus: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    template: str = Field(min_length=1)
    mode: Literal["draft", "auto"] = "draft"

    @model_validator(mode="after")
    def _range(self) -> AnswerRule:
        if self.rating_min and self.rating_max and self.rating_min > self.rating_max:
            raise ValueError(f"rating_min {self.rating_min} is above rating_max {self.rating_max}")
        return self


class AnswersConfig(_Section):
    """Buyers' questions and reviews (``mpsync inbox``): the knowledge base and its alerts."""

    rules: list[AnswerRule] = Field(default_factory=list)
    # Named answer texts for ``mpsync inbox answer ID --template NAME`` (a rule's name works
    # too); the same variables as rule templates.
    templates: dict[str, str] = Field(default_factory=dict)
    # A review of this many stars or fewer is announced at once (event inbox.review_low).
    low_rating: int = Field(default=3, ge=0, le=5)
    # An unanswered message this close to its deadline is announced (event inbox.deadline).
    warn_before: Duration = timedelta(days=1)

    @model_validator(mode="after")
    def _unique_names(self) -> AnswersConfig:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in seen:
                raise ValueError(f"rules[{index}].name: duplicate rule name {rule.name!r}")
            seen.add(rule.name)
        return self


def _known_accounts(key: str, named: list[str], known: set[str]) -> None:
    for index, account_id in enumerate(named):
        if account_id not in known:
            close = difflib.get_close_matches(account_id, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"{key}[{index}]: unknown account {account_id!r}; {hint}"
                f"use one of {sorted(known)} (an [[accounts]] id)"
            )


class Settings(BaseSettings):
    """The whole configuration. Built by ``mpsync.config.load_config``."""

    model_config = SettingsConfigDict(extra="forbid", env_prefix="MPSYNC_")

    store: StoreConfig = Field(default_factory=StoreConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    display: DisplayConfig = Field(default_factory=DisplayConfig)
    accounts: list[AccountConfig] = Field(default_factory=list)
    workflow: WorkflowConfig = Field(default_factory=WorkflowConfig)
    invoicing: InvoicingConfig = Field(default_factory=InvoicingConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    coordination: CoordinationConfig = Field(default_factory=CoordinationConfig)
    answers: AnswersConfig = Field(default_factory=AnswersConfig)
    stock: StockConfig | None = None  # [stock]: one stock across every channel
    # Connectors written in TOML alone (docs/connectors.md, "Writing a connector"): each
    # file's [connector] name becomes a marketplace accounts can name.
    connectors: list[str] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: Any, init_settings: Any, *_: Any, **__: Any
    ) -> Any:
        # The loader merges TOML, env overrides and ${VAR} itself so that every
        # error can name its key; the model sees one already-merged dict.
        return (init_settings,)

    @model_validator(mode="after")
    def _declare_connectors(self) -> Settings:
        if not self.connectors:  # commands that never talk to a marketplace start faster
            return self
        from mpsync.connector.registry import declare

        for index, path in enumerate(self.connectors):
            try:
                declare(path)
            except ValueError as exc:
                raise ValueError(f"connectors[{index}]: {exc}") from None
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Settings:
        seen: set[str] = set()
        for index, account in enumerate(self.accounts):
            if account.id in seen:
                raise ValueError(f"accounts[{index}].id: duplicate account id {account.id!r}")
            seen.add(account.id)
        master = self.stock.source if self.stock is not None else None
        if isinstance(master, str) and master.startswith("account:") and master[8:] not in seen:
            raise ValueError(f"stock.source: unknown account {master[8:]!r}; use one of "
                             f"{sorted(seen)}")  # fmt: skip
        names = {channel.name for channel in self.notifications.channels}
        if "marketplace" in names:
            raise ValueError(
                "notifications.channels: the name 'marketplace' is reserved (answers to buyers "
                "go out through it); rename the channel"
            )
        for index, rule in enumerate(self.notifications.rules):
            for name in rule.channels:
                if name not in names:
                    raise ValueError(
                        f"notifications.rules[{index}].channels: unknown channel {name!r}; "
                        f"define it under [[notifications.channels]] (known: {sorted(names)})"
                    )
        for index, rule in enumerate(self.notifications.rules):
            _known_accounts(f"notifications.rules[{index}].accounts", rule.accounts, seen)
        _known_accounts("workflow.auto_confirm", self.workflow.auto_confirm, seen)
        for index, answer_rule in enumerate(self.answers.rules):
            for account_id in answer_rule.accounts:
                if account_id not in seen:
                    raise ValueError(
                        f"answers.rules[{index}].accounts: unknown account {account_id!r}; "
                        f"use one of {sorted(seen)}"
                    )
        return self

    def account(self, account_id: str) -> AccountConfig:
        for account in self.accounts:
            if account.id == account_id:
                return account
        known = ", ".join(a.id for a in self.accounts) or "none configured"
        raise KeyError(f"unknown account {account_id!r} (known: {known})")

"""The three error families of the connector layer: fatal, retriable, skippable.

Everything a connector or a mapping raises on purpose is a ``ConnectorError``::

    ConnectorError
    ├── FatalError              stop this run; a human must act
    │   ├── AuthError           401/403: bad or missing credentials
    │   ├── ApiError            any other 4xx, with the marketplace's own message
    │   ├── PaginationLoopError a repeated page token, or an empty page claiming more
    │   ├── PushError           a malformed push; carries the 4xx answer to send back
    │   ├── NotSupportedError   the connector does not offer this stream or action
    │   ├── NetworkError        unknown host, refused connection, untrusted certificate
    │   ├── UnavailableError    the account's plan or key does not offer this stream
    │   └── RetriesExhausted    a retriable failure that outlived the bounded attempts
    ├── RetriableError          429/420/5xx/timeouts: wait (``retry_after``) and try again
    ├── RateLimitedUntil        the server asks to wait beyond the cap: end this tick
    └── SkippableRecord         one record cannot be used; the engine dead-letters it
        └── MappingError        a record failed its mapping (field, rule, reason)

Messages never contain credentials: the HTTP layer builds them from the method,
the path and the marketplace's error body only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class ConnectorError(Exception):
    """Base of every error the connector layer raises on purpose."""


class FatalError(ConnectorError):
    """Retrying will not help: report it and stop the run."""


class AuthError(FatalError):
    """The marketplace rejected the credentials (401/403)."""


class ApiError(FatalError):
    """A non-retriable HTTP error (4xx); ``message`` is the marketplace's own text."""

    def __init__(self, message: str, *, status: int, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class PaginationLoopError(FatalError):
    """Paging would never end: the API returned a page token it had returned before, an
    empty page that claims more, or the page before it again. ``stream`` and ``token`` name
    where (the message names them too)."""

    def __init__(
        self, message: str, *, stream: str | None = None, token: str | None = None
    ) -> None:
        super().__init__(message)
        self.stream = stream
        self.token = token


class NotSupportedError(FatalError):
    """The connector does not offer that stream, action or push parsing."""


class NetworkError(FatalError):
    """The host cannot be reached in a way waiting will not fix; the message says what
    to check (see ``mpsync.connector.network``)."""


class UnavailableError(FatalError):
    """The marketplace does not offer this stream to this account (a subscription, a key's
    role): the run ends as ``unavailable``, shown as such in ``status``, not as a failure."""


class PushError(FatalError):
    """A push body the connector cannot accept; answer with ``status_code``/``response``."""

    def __init__(self, message: str, *, status_code: int, response: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response = dict(response)


class RetriableError(ConnectorError):
    """A transient failure: rate limited, server error, timeout or broken connection."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RateLimitedUntil(ConnectorError):
    """The server directed a wait longer than the cap (``timeout.max_server_wait``): the
    stream's tick ends here, with "rate-limited until T", and the scheduler runs the stream
    again after ``until`` (aware UTC). What was committed before it stays."""

    def __init__(self, message: str, *, until: datetime, wait: float) -> None:
        super().__init__(message)
        self.until = until
        self.wait = wait


class RetriesExhausted(FatalError):
    """Every bounded attempt failed with a retriable error; ``last`` is the final one."""

    def __init__(self, message: str, *, attempts: int, last: RetriableError) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last = last


class SkippableRecord(ConnectorError):
    """One record cannot be used; the rest of its page goes on. Carries the raw record."""

    def __init__(self, reason: str, *, raw: Mapping[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw: dict[str, Any] = dict(raw or {})


class MappingError(SkippableRecord):
    """A record failed its mapping: which ``field``, which ``rule``, and why."""

    def __init__(
        self,
        reason: str,
        *,
        raw: Mapping[str, Any] | None = None,
        field: str | None = None,
        rule: str | None = None,
    ) -> None:
        where = f"{field}: " if field else ""
        how = f" (rule: {rule})" if rule else ""
        super().__init__(f"{where}{reason}{how}", raw=raw)
        self.reason = reason
        self.field = field
        self.rule = rule

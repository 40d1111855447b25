"""structlog setup: console on a TTY, JSON lines otherwise, secrets and PII redacted.

Every event passes ``redact`` last before rendering, so neither a token set in
the config nor a customer's phone or e-mail reaches a log line. Standard-library
records (uvicorn, APScheduler, ``warnings``) join the same stream, rendered alike.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, Literal, TextIO, cast

import structlog
from pydantic import SecretStr

LogFormat = Literal["auto", "console", "json"]
_SECRET_KEYS = re.compile(
    r"(token|api[_-]?key|password|secret|authorization|client[_-]?secret)", re.I
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "+7 912 345-67-89", "+79123456789", "8 (912) 345-67-89"; bare digit runs are
# left alone because marketplace order ids look the same.
_PHONE = re.compile(
    r"\+\d[\d\s()-]{8,16}\d|(?<!\w)[78][\s(-]+\d{3}[\s)-]+\d{3}[\s-]+\d{2}[\s-]?\d{2}(?!\w)"
)
REDACTED = "***"


class Redactor:
    """A structlog processor that masks known secrets, phone numbers and e-mails."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        found = {s for s in secrets if s and len(s) >= 4}
        self._secrets = sorted(set(self._secrets) | found, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _EMAIL.sub("[email]", text)
        return _PHONE.sub("[phone]", text)

    def _clean(self, key: str, value: Any) -> Any:
        if isinstance(value, SecretStr) or (_SECRET_KEYS.search(key) and value):
            return REDACTED
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self._clean(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(key, v) for v in value]
        if isinstance(value, BaseException):
            return self.scrub(f"{type(value).__name__}: {value}")
        return value

    def __call__(
        self, _logger: Any, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key in list(event):
            event[key] = self._clean(key, event[key])
        return event


def _scrub_exception(redactor: Redactor) -> structlog.types.Processor:
    def process(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        if "exception" in event and isinstance(event["exception"], str):
            event["exception"] = redactor.scrub(event["exception"])
        return event

    return process


def configure_logging(
    fmt: LogFormat = "auto",
    level: str = "info",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> Redactor:
    """Configure structlog *and* the standard library for the process; return the redactor.

    One stream of events: records of other libraries (uvicorn, APScheduler, ``warnings``)
    pass the same redaction and renderer as mpsync's own, JSON lines in JSON mode.
    Without *stream*, records go to whatever ``sys.stderr`` is when each one is written,
    not to the stream that was current at configuration (which a caller, a test runner
    say, may have closed since).
    """
    out = stream or cast(TextIO, _CurrentStderr())
    redactor = Redactor(secrets)
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    shared: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
        _scrub_exception(redactor),
    ]
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    _route_stdlib(out, numeric, shared, renderer)
    return redactor


# Libraries whose info records are per-request chatter; their warnings still show.
_QUIET = ("httpx", "httpcore", "apscheduler.executors", "apscheduler.scheduler", "asyncio",
          "alembic")  # fmt: skip


def _route_stdlib(out: TextIO, level: int, shared: list[structlog.types.Processor],
                  renderer: structlog.types.Processor) -> None:  # fmt: skip
    """Send every standard-library record (and ``warnings``) through structlog's chain."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in _OWN_HANDLERS:  # a library's dictConfig (uvicorn's) cut them off the stream
        library = logging.getLogger(name)
        for own in list(library.handlers):
            library.removeHandler(own)
        library.propagate = True
    # Re-install: whoever configured before (a test runner) may have swapped showwarning.
    logging.captureWarnings(False)
    logging.captureWarnings(True)


_HANDLER = "mpsync"
# Loggers a library may configure with handlers of its own and ``propagate = False``.
_OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def renders_json() -> bool:
    """True when log events are JSON lines (then nothing else may write to the stream)."""
    processors = structlog.get_config().get("processors") or [None]
    return isinstance(processors[-1], structlog.processors.JSONRenderer)


class _CurrentStderr(io.TextIOBase):
    """A text stream that writes to the ``sys.stderr`` of the moment."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def secrets_of(settings: Any) -> list[str]:
    """Every ``SecretStr`` value reachable from a config object."""
    found: list[str] = []
    _walk(settings, found, depth=0)
    return found


def _walk(value: Any, found: list[str], depth: int) -> None:
    if depth > 8 or value is None:
        return
    if isinstance(value, SecretStr):
        found.append(value.get_secret_value())
    elif hasattr(value, "__pydantic_fields__"):
        for name in value.__pydantic_fields__:
            _walk(getattr(value, name, None), found, depth + 1)
        for extra in (getattr(value, "__pydantic_extra__", None) or {}).values():
            _walk(extra, found, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, found, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found, depth + 1)

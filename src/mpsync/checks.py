"""``mpsync check``: each thing that must hold before the daemon can run.

Every check returns a result with a one-line detail; nothing here raises.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mpsync.config import AccountConfig, Settings, unresolved_secrets
from mpsync.store.engine import StoreMissingError, create_store_engine
from mpsync.store.migrate import current_revision, head_revision


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_checks(settings: Settings, *, online: bool = False) -> list[CheckResult]:
    results = [CheckResult("config", True, f"{len(settings.accounts)} account(s)")]
    results.append(_check_store(settings))
    for account in settings.accounts:
        results.append(_check_mapping(account))
        if online and account.enabled:
            results.append(_check_online(account))
    results += _check_secrets(settings, online=online)
    from mpsync.finance.checks import unknown_operations

    results += unknown_operations(settings)
    results.append(_check_channels(settings))
    if settings.invoicing.enabled:
        results.append(_check_invoicing(settings))
    if not settings.accounts:
        results.append(
            CheckResult("accounts", True, "none configured yet: add [[accounts]] to sync")
        )
    return results


def _check_store(settings: Settings) -> CheckResult:
    try:
        engine = create_store_engine(settings.store.url, create=False)
    except StoreMissingError as exc:
        # Not a failure: `mpsync run` (or `db upgrade`) creates it.
        return CheckResult("database", True, str(exc))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current, head = current_revision(engine), head_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        return CheckResult("database", False, f"cannot connect: {reason}")
    finally:
        engine.dispose()
    backend = engine.url.get_backend_name()
    if current != head:
        return CheckResult(
            "database",
            True,
            f"{backend} reachable; schema {current or 'empty'} → run 'mpsync db upgrade'",
        )
    return CheckResult("database", True, f"{backend} reachable, schema at {head}")


def _check_mapping(account: AccountConfig) -> CheckResult:
    name = f"mapping {account.id}"
    from mpsync.connector.registry import load_connector

    connector = load_connector(account.marketplace)
    source = account.mapping or connector.default_mapping
    try:
        connector.load_mapping(account)
    except Exception as exc:  # noqa: BLE001 - report any mapping problem as a failed check
        return CheckResult(name, False, str(exc).splitlines()[0])
    return CheckResult(name, True, f"{source} loaded")


def _check_online(account: AccountConfig) -> CheckResult:
    from mpsync.connector.registry import load_connector

    name = f"api {account.id}"

    async def probe() -> None:
        connector = load_connector(account.marketplace)(account)
        try:
            await connector.check_credentials()
        finally:
            await connector.aclose()

    try:
        asyncio.run(probe())
    except Exception as exc:  # noqa: BLE001 - the check reports, it does not crash
        return CheckResult(
            name, False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        )
    return CheckResult(name, True, "credentials accepted")


def _check_secrets(settings: Settings, *, online: bool) -> list[CheckResult]:
    """Unset ``${VAR}``: fine for read commands in a shell, fatal for the daemon.

    Without ``--online`` this is a note (the daemon's environment may well set them);
    with it the account checks above have failed already, naming the same variables.
    """
    missing = unresolved_secrets(settings)
    if not missing:
        return []
    names = sorted({u.variable for u in missing})
    detail = (f"not set in this environment: {', '.join(names)}; `mpsync run` and the "
              "commands that call a marketplace need them, read commands do not")  # fmt: skip
    return [CheckResult("secrets", not online, detail)]


def _check_channels(settings: Settings) -> CheckResult:
    from mpsync.notify import ChannelConfigError, build_channel, close_channels

    try:  # a channel waiting for a ${VAR} is reported by the secrets check
        channels = {c.name: build_channel(c) for c in settings.notifications.channels
                    if not c.unresolved}  # fmt: skip
    except ChannelConfigError as exc:
        return CheckResult("notifications", False, str(exc).splitlines()[0])
    asyncio.run(close_channels(channels))
    names = ", ".join(channels) or "none"
    return CheckResult(
        "notifications", True, f"channels: {names}; {len(settings.notifications.rules)} rule(s)"
    )


def _check_invoicing(settings: Settings) -> CheckResult:
    from mpsync.invoicing import NumberFormatError, check_number_format, find_fonts
    from mpsync.invoicing.pdf import FontNotFoundError

    try:
        check_number_format(settings.invoicing.number_format)
        find_fonts()
    except (NumberFormatError, FontNotFoundError) as exc:
        return CheckResult("invoicing", False, str(exc).splitlines()[0])
    return CheckResult("invoicing", True, f"numbers like {settings.invoicing.number_format!r}")

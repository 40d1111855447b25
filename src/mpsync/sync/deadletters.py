"""Dead letters: list them, retry them through the current mapping, drop them.

A retried record that now maps is written like any polled page and resolved.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, select, update

from mpsync.runtime import Runtime
from mpsync.store.tables import DeadLetter
from mpsync.sync.service import commit_page
from mpsync.sync.writer import PageTarget

DEAD = DeadLetter.__table__  # type: ignore[attr-defined]


def list_dead_letters(
    engine: Engine, *, state: str = "open", limit: int = 100
) -> list[dict[str, Any]]:
    query = select(DEAD).order_by(DEAD.c.id)
    if state != "all":
        query = query.where(DEAD.c.state == state)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [
            {"id": r.id, "account": r.account_id, "stream": r.stream, "record_type": r.record_type,
             "reason": r.reason, "field": r.field, "attempts": r.attempts, "state": r.state,
             "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}
            for r in connection.execute(query)
        ]  # fmt: skip


def drop_dead_letter(engine: Engine, letter_id: int) -> bool:
    with engine.begin() as connection:
        return bool(connection.execute(DEAD.delete().where(DEAD.c.id == letter_id)).rowcount)


async def retry_dead_letters(runtime: Runtime, ids: list[int] | None) -> dict[str, int]:
    """Re-map open dead letters (all when *ids* is None); resolved ones are marked so."""
    query = select(DEAD).where(DEAD.c.state == "open").order_by(DEAD.c.id)
    if ids is not None:
        query = query.where(DEAD.c.id.in_(ids))
    with runtime.engine.connect() as connection:
        letters = connection.execute(query).all()
    result = {"resolved": 0, "still_failing": 0}
    for letter in letters:
        account = runtime.settings.account(letter.account_id)
        if letter.record_type == "push":
            ok = await _retry_push(runtime, letter)
        else:
            mapped = runtime.connectors.mapping(account).map_page(letter.record_type, [letter.raw],
                                                        account.id)  # fmt: skip
            ok = not mapped.failures
            if ok:
                target = PageTarget(account.id, account.marketplace, letter.stream,
                                    letter.record_type, "poll")  # fmt: skip
                await asyncio.to_thread(commit_page, runtime, target, mapped)
        result["resolved" if ok else "still_failing"] += 1
        await asyncio.to_thread(_mark, runtime.engine, letter.id, ok)
    return result


async def _retry_push(runtime: Runtime, letter: Any) -> bool:
    from mpsync.sync.pushes import Push, PushProcessor

    try:
        await PushProcessor(runtime).apply(Push(letter.account_id, letter.raw, runtime.clock()))
    except Exception:  # noqa: BLE001 - a retry that fails again stays a dead letter
        return False
    return True


def _mark(engine: Engine, letter_id: int, resolved: bool) -> None:
    with engine.begin() as connection:
        values: dict[str, Any] = {"attempts": DEAD.c.attempts + 1}
        if resolved:
            values["state"] = "resolved"
        connection.execute(update(DEAD).where(DEAD.c.id == letter_id).values(**values))

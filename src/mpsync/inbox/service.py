"""What the inbox commands and the daemon call: answer now, approve, send what is queued.

A command queues the answer in one transaction, then delivers that one outbox row itself
(the ``marketplace`` channel, read back) and shows the outcome; a daemon running beside
it may deliver it first, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.inbox import answers
from mpsync.inbox.channel import AnswerChannel
from mpsync.inbox.listing import show_message
from mpsync.notify.outbox import OUTBOX
from mpsync.runtime import Runtime

Clock = Callable[[], datetime]


def answer_channel(runtime: Runtime) -> AnswerChannel:
    """The ``marketplace`` channel over the runtime's connectors and mappings."""
    pool = runtime.connectors
    return AnswerChannel(runtime.engine, runtime.settings, pool.connector, pool.mapping,
                         runtime.clock)  # fmt: skip


async def deliver(engine: Engine, settings: Settings, message_id: int, *, clock: Clock,
                  transport: httpx.AsyncBaseTransport | None = None
                  ) -> dict[str, Any] | None:  # fmt: skip
    """Deliver the queued answer of *message_id* now; the message as it is afterwards."""
    from mpsync.notify import Dispatcher

    async with Runtime.build(engine, settings, clock=clock, transport=transport) as runtime:
        channel = answer_channel(runtime)
        dispatcher = Dispatcher(engine, settings, {answers.CHANNEL: channel}, clock=clock,
                                coordinator=runtime.coordinator)  # fmt: skip
        where = (OUTBOX.c.channel == answers.CHANNEL) & OUTBOX.c.dedupe_key.like(
            f"answer:{message_id}:%")  # fmt: skip
        await dispatcher.run_once(limit=5, where=where)
    return show_message(engine, message_id, now=clock())


def queue(engine: Engine, message_id: int, *, now: datetime, text: str | None,
          approve: bool) -> None:  # fmt: skip
    """Queue *text* (or approve the draft) for *message_id*; ``AnswerRefused`` says why not."""
    with engine.begin() as connection:
        if approve:
            answers.approve(connection, message_id, now=now, text=text)
        else:
            assert text is not None
            answers.answer_now(connection, message_id, text, now=now)

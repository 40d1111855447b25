"""The console channel: a rich panel per notification on a terminal, a log event otherwise.

Used by ``mpsync demo`` and for trying rules out before a real channel is set up. Under
systemd or Docker (no terminal, or JSON logs) a box would break the log stream, so the
message becomes one ``notification`` event on the log stream instead.
"""

from __future__ import annotations

import sys
from typing import TextIO

import structlog
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from mpsync.config.model import ChannelConfig
from mpsync.logging import renders_json
from mpsync.notify.channels.base import (
    ChannelOptions,
    DeliveryResult,
    OutgoingMessage,
    parse_options,
)

log = structlog.get_logger("mpsync.notify.console")


class ConsoleOptions(ChannelOptions):
    width: int | None = None


class ConsoleChannel:
    """Writes boxes to *stream* (given), or to stdout when it is a terminal and logs are
    not JSON; logs the message as an event otherwise. Never fails."""

    accepts_replies = False

    def __init__(self, config: ChannelConfig, *, stream: TextIO | None = None) -> None:
        options = parse_options(config, ConsoleOptions)
        self.name = config.name
        self.language: str = config.language
        self._console = Console(file=stream, width=options.width, highlight=False)
        self._boxes = stream is not None or (sys.stdout.isatty() and not renders_json())

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not self._boxes:
            log.info("notification", channel=self.name, kind=message.event_kind,
                     subject=message.subject, body=message.body)  # fmt: skip
            return DeliveryResult(ok=True, detail="logged")
        panel = Panel(
            escape(message.body) if message.body else "",
            title=f"[bold]{escape(message.subject)}[/bold]",
            title_align="left",
            subtitle=escape(message.event_kind),
            subtitle_align="right",
        )
        self._console.print(panel)
        return DeliveryResult(ok=True, detail="printed")

    async def aclose(self) -> None:
        return None

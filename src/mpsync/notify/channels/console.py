"""The console channel: prints each notification to stdout as a rich panel.

Used by ``mpsync demo`` and for trying rules out before a real channel is set up.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from mpsync.config.model import ChannelConfig
from mpsync.notify.channels.base import (
    ChannelOptions,
    DeliveryResult,
    OutgoingMessage,
    parse_options,
)


class ConsoleOptions(ChannelOptions):
    width: int | None = None


class ConsoleChannel:
    """Writes to *stream* (stdout unless given); never fails."""

    def __init__(self, config: ChannelConfig, *, stream: TextIO | None = None) -> None:
        options = parse_options(config, ConsoleOptions)
        self.name = config.name
        self.language: str = config.language
        self._console = Console(file=stream, width=options.width, highlight=False)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
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

"""Tables that read at 80 columns: the key columns by default, every column with --wide.

A column marked ``wide`` shows only with ``--wide``; key columns never wrap. With
``--wide`` nothing is shortened: the table takes the width it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Every column, nothing shortened (may be wider than the terminal)."
    ),
]


@dataclass(frozen=True)
class Col:
    header: str
    wide: bool = False  # only with --wide
    key: bool = False  # ids and names: never wrapped or cut
    justify: Literal["left", "right", "center"] = "left"


def render(
    console: Console,
    title: str,
    columns: Sequence[Col],
    rows: Iterable[Sequence[str]],
    *,
    wide: bool,
    caption: str | None = None,
) -> None:
    """Print *rows* (one string per column, wide ones included) as a table."""
    shown = [i for i, col in enumerate(columns) if wide or not col.wide]
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)  # fmt: skip
    for i in shown:
        col = columns[i]
        table.add_column(col.header, justify=col.justify, no_wrap=col.key or wide,
                         overflow="fold")  # fmt: skip
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    if not wide:
        console.print(table)
        return
    unbounded = console.options.update_width(100_000)
    needed = Measurement.get(console, unbounded, table).maximum
    terminal = console.width
    console.width = max(terminal, needed)  # print() alone would crop to the terminal
    try:
        console.print(table, crop=False)
    finally:
        console.width = terminal

"""Resume tokens, time windows and the loop guard the paginators (``paginate``) share.

A resume token is opaque to the engine: compact JSON naming the phase, where the rest of the
window starts and the page cursor within it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mpsync.connector.errors import FatalError, PaginationLoopError


class LoopGuard:
    """Remembers every page token of one listing; a repeat means the API is looping."""

    def __init__(self, what: str, *, stream: str | None = None) -> None:
        self._what = what
        self._stream = stream
        self._seen: set[str] = set()

    def check(self, token: str | None) -> None:
        if token is None:
            return
        if token in self._seen:
            raise PaginationLoopError(
                f"{self._what}: the API returned page token {token[:40]!r} twice; "
                "stopping instead of looping forever",
                stream=self._stream,
                token=token,
            )
        self._seen.add(token)


@dataclass(frozen=True)
class Resume:
    """Where an interrupted fetch continues: phase, start of the rest, page cursor."""

    phase: str
    start: datetime | None = None
    cursor: str | None = None

    def encode(self) -> str:
        data = {"p": self.phase, "s": self.start.isoformat() if self.start else None}
        if self.cursor is not None:
            data["c"] = self.cursor
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, token: str | None) -> Resume | None:
        if token is None:
            return None
        try:
            data = json.loads(token)
            start = datetime.fromisoformat(data["s"]) if data.get("s") else None
            cursor = data.get("c")
            return cls(str(data["p"]), start, None if cursor is None else str(cursor))
        except (ValueError, KeyError, TypeError) as exc:
            raise FatalError(f"resume token {token[:60]!r} is not one this connector made") from exc


def windows(start: datetime, end: datetime, span: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """Consecutive ``[a, b]`` slices of at most *span* covering ``[start, end]``."""
    current = start
    while current < end:
        upper = min(current + span, end)
        yield current, upper
        current = upper


def utc(moment: datetime) -> datetime:
    """Refuse naive datetimes; convert aware ones to UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a connector; pass an aware UTC datetime")
    return moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """``2025-06-01T10:00:00Z`` (milliseconds kept when present)."""
    text = utc(moment).isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def reread_start(since: datetime | None, until: datetime, reread: timedelta, *,
                 backfill: bool = False) -> datetime:  # fmt: skip
    """Where a read of a list that settles late starts: *since*, or (no start yet) *reread*
    before *until*; an incremental read (not a *backfill*) always goes back at least
    *reread*, since rows of the days before may still appear or change."""
    start = since or until - reread
    return start if backfill else min(start, until - reread)

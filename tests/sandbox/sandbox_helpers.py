"""Constants and a fake clock shared by the sandbox tests (imported by name, no package)."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WB = {"Authorization": "wb-token"}
OZON = {"Client-Id": "100001", "Api-Key": "ozon-key"}
YM = {"Api-Key": "ym-key"}


class FakeClock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

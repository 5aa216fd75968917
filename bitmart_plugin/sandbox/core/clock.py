"""Injectable millisecond clocks for the sandbox core."""
from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that returns the current time in integer milliseconds."""

    def now_ms(self) -> int: ...


class SystemClock:
    """Wall clock (``time.time``) in milliseconds."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to; for tests and deterministic runs."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now = int(start_ms)

    def now_ms(self) -> int:
        return self._now

    def set(self, ms: int) -> None:
        self._now = int(ms)

    def advance(self, ms: int) -> int:
        self._now += int(ms)
        return self._now

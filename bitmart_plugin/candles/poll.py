"""Live candles for an interval the venue has no kline channel for (futures 3m, 6h, 12h, 3d): poll REST.

`PollSubscription` has the interface of `ws.KlineSubscription`, so the feed follows it the same way: each
poll hands over the newest candle of the last two intervals as if it had been pushed, and the seam
(`merge.py`) does the rest (a newer open time makes the feed close the candles before it from REST).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from host_spec import Candle

from bitmart_plugin.candles.rest import KlinePager

__all__ = ["PollSubscription", "poll_period"]


def poll_period(interval_s: int) -> float:
    """A tenth of the interval (bitmart_futures.md §9.3), at most a minute."""
    return min(interval_s / 10, 60.0)


class PollSubscription:
    """`await get(timeout)` -> the newest candle from REST once `period_s` has passed since the last poll, else None."""

    def __init__(self, pager: KlinePager, clock: Callable[[], float], period_s: float) -> None:
        self._pager, self._clock, self.period_s = pager, clock, period_s
        self.connected = asyncio.Event()
        self.connected.set()  # nothing to connect: REST answers when asked
        self._next = time.monotonic() + period_s  # the backfill has just read the latest candles
        self.polls = 0

    async def get(self, timeout: float | None) -> Candle | None:
        wait = self._next - time.monotonic()
        if timeout is not None and timeout < wait:
            await asyncio.sleep(max(0.0, timeout))
            return None
        if wait > 0:
            await asyncio.sleep(wait)
        self._next = time.monotonic() + self.period_s
        self.polls += 1
        now = int(self._clock())
        got = await self._pager.window(now - 2 * self._pager.interval.seconds, now + 1)
        return got[-1] if got else None

    def close(self) -> None:
        """Nothing to release (the REST client belongs to the session)."""

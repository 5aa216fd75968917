"""REST backfill of one market's klines (`KlineMarket`): paging over a time window, pages in any order.

The range is cut into ascending chunks of `limit` interval slots, so callers get candles oldest first
while the backfill runs. A venue returns at most `limit` candles per call (spot 200, newest first;
futures 500, the newest of the window, ascending). Inside a chunk we keep a
stack of windows still to cover: a page covers `[min, max]` of its window, so what is left is the part
below `min` and the part above `max` (usually empty: the server gives the latest candles of the window),
each asked for only if an open time still fits in it, so a server that pages from either end is walked
completely. A window is done when its page brings nothing new or is short (fewer than `limit` rows: the
documented cap is trusted; pass a smaller `limit` for a server with a smaller cap).
Rows outside the window (inclusive bounds on some servers) and repeated rows are dropped, so overlapping
pages never produce duplicates. Intervals without trades have no candle; a hole is not the end of data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import Candle, StreamError, TradingPair

from bitmart_plugin.candles.intervals import Interval
from bitmart_plugin.candles.market import KlineMarket
from bitmart_plugin.candles.spot_klines import SPOT

__all__ = ["Fetch", "KlinePager", "Progress", "backfill"]

Fetch = Callable[[Mapping[str, Any]], Awaitable[Any]]
Progress = Callable[[int, int], None]
ONE = Decimal(1)


class KlinePager:
    """Walks one pair's klines over a time window, chunk by chunk in ascending order.

    `scale` multiplies wire volumes (a perpetual's contract size; 1 on spot).
    """

    def __init__(self, fetch: Fetch, symbol: str, pair: TradingPair, interval: Interval, *,
                 limit: int | None = None, market: KlineMarket = SPOT, scale: Decimal = ONE) -> None:
        self.fetch, self.symbol, self.pair, self.interval = fetch, symbol, pair, interval
        self.limit = limit if limit is not None else market.max_per_call
        self.market, self.scale = market, scale
        self.calls = 0

    async def chunks(self, lo: int, hi: int, progress: Progress | None = None) -> AsyncIterator[list[Candle]]:
        """Candles with `lo <= open_time < hi` in ascending chunks of at most `limit` interval slots."""
        span = self.limit * self.interval.seconds
        expected = max(1, -(-(hi - lo) // self.interval.seconds))
        done = 0
        start = lo
        while start < hi:
            end = min(hi, start + span)
            base = done
            got = await self.window(start, end, None if progress is None else lambda n: progress(base + n, expected))
            done += len(got)
            if got:
                yield got
            start = end

    async def window(self, lo: int, hi: int, progress: Callable[[int], None] | None = None) -> list[Candle]:
        """Every candle with `lo <= open_time < hi`, ascending, each once (see the module docstring)."""
        iv = self.interval
        found: dict[int, Candle] = {}
        windows = [(lo, hi)]
        while windows:
            w_lo, w_hi = windows.pop()
            params = self.market.page_params(self.symbol, iv, w_lo, w_hi, self.limit)
            self.calls += 1
            page = await self.fetch(params)
            if not isinstance(page, list):
                raise StreamError(f"BitMart klines answer is not a list: {str(page)[:200]}",
                                  connector=self.market.connector)
            rows = (self.market.parse_row(r, self.pair, iv, self.scale) for r in page)
            inside = [c for c in rows if w_lo <= c.open_time_s < w_hi]
            new = [c for c in inside if c.open_time_s not in found]
            found.update((c.open_time_s, c) for c in new)
            if progress is not None:
                progress(len(found))
            if not new or len(page) < self.limit:
                continue  # nothing new, or a short page: this window is covered
            t_min = min(c.open_time_s for c in inside)
            t_max = max(c.open_time_s for c in inside)
            if t_min - iv.min_seconds >= w_lo:
                windows.append((w_lo, t_min))
            if t_max + iv.min_seconds < w_hi:
                windows.append((t_max + 1, w_hi))
        return [found[t] for t in sorted(found)]


async def backfill(
    fetch: Fetch,
    symbol: str,
    pair: TradingPair,
    interval: Interval,
    lo: int,
    hi: int,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    market: KlineMarket = SPOT,
    scale: Decimal = ONE,
) -> list[Candle]:
    """Every candle with `lo <= open_time < hi`, ascending, each once. `fetch(params)` returns the `data` list."""
    pager = KlinePager(fetch, symbol, pair, interval, limit=limit, market=market, scale=scale)
    return [c async for chunk in pager.chunks(lo, hi, progress) for c in chunk]

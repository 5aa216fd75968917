"""REST backfill from `/spot/quotation/v3/klines` (api §6.3): paging over a time window, newest-first pages.

The range is cut into ascending chunks of 200 interval slots, so callers get candles oldest first while
the backfill runs. BitMart returns at most 200 candles per call, newest first, for
`after < open_time < before`. Inside a chunk we keep a
stack of windows still to cover: a page covers `[min, max]` of its window, so what is left is the part
below `min` and the part above `max` (usually empty: the server gives the latest candles of the window),
each asked for only if an open time still fits in it, so a server that pages from either end is walked
completely. A window is done when its page brings nothing new or is short (fewer than `limit` rows: the
documented 200 per call is trusted; pass a smaller `limit` for a server with a smaller cap).
Rows outside the window (inclusive bounds on some servers) and repeated rows are dropped, so overlapping
pages never produce duplicates. Intervals without trades have no candle; a hole is not the end of data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from host_spec import Candle, StreamError, TradingPair

from bitmart_plugin.candles.intervals import Interval

__all__ = ["KLINES_PATH", "MAX_PER_CALL", "Fetch", "KlinePager", "Progress", "backfill", "parse_rest_row"]

KLINES_PATH = "/spot/quotation/v3/klines"
MAX_PER_CALL = 200
Fetch = Callable[[Mapping[str, Any]], Awaitable[Any]]
Progress = Callable[[int, int], None]


def parse_rest_row(row: Sequence[Any], pair: TradingPair, interval: Interval) -> Candle:
    """`["t","o","h","l","c","v_base","qv_quote"]` -> Candle (not yet marked closed)."""
    try:
        return Candle(
            pair=pair,
            interval=interval.name,
            open_time_s=int(row[0]),
            open=Decimal(str(row[1])),
            high=Decimal(str(row[2])),
            low=Decimal(str(row[3])),
            close=Decimal(str(row[4])),
            volume=Decimal(str(row[5])),
            quote_volume=Decimal(str(row[6])) if len(row) > 6 and row[6] not in (None, "") else Decimal(0),
        )
    except (IndexError, TypeError, ValueError, ArithmeticError) as exc:
        raise StreamError(f"BitMart sent an unreadable kline row {row!r} ({exc})", connector="bitmart") from None


class KlinePager:
    """Walks one pair's klines over a time window, chunk by chunk in ascending order."""

    def __init__(self, fetch: Fetch, symbol: str, pair: TradingPair, interval: Interval, *,
                 limit: int = MAX_PER_CALL) -> None:
        self.fetch, self.symbol, self.pair, self.interval, self.limit = fetch, symbol, pair, interval, limit
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
            params = {"symbol": self.symbol, "step": iv.step, "after": w_lo - 1, "before": w_hi, "limit": self.limit}
            self.calls += 1
            page = await self.fetch(params)
            if not isinstance(page, list):
                raise StreamError(f"BitMart klines answer is not a list: {str(page)[:200]}", connector="bitmart")
            inside = [c for c in (parse_rest_row(r, self.pair, iv) for r in page) if w_lo <= c.open_time_s < w_hi]
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
    limit: int = MAX_PER_CALL,
    progress: Progress | None = None,
) -> list[Candle]:
    """Every candle with `lo <= open_time < hi`, ascending, each once. `fetch(params)` returns the `data` list."""
    pager = KlinePager(fetch, symbol, pair, interval, limit=limit)
    return [c async for chunk in pager.chunks(lo, hi, progress) for c in chunk]

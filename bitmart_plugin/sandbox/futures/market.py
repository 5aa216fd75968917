"""Public market data of the futures venue: recent trades, trade candles and mark-price candles.

Fed by the venue's own listener (``record``): every public trade updates the trade candles of the
13 futures steps (§9.1), every mark refresh updates the mark candles (volume 0, ``markprice-kline``).
Sizes are contracts. Kline queries follow §9.1: both bounds inclusive on the open time, ascending,
and the newest ``limit`` candles of a window that holds more.
"""
from __future__ import annotations

from decimal import Decimal

from ..core.candles import CandleSeries, SymbolMarketData
from ..core.events import ZERO, Candle, PublicTrade
from .contracts import ContractRules
from .events import FuturesEvent, MarkChanged

#: kline ``step`` values in minutes (§9.1); anything else is 40038
STEPS: tuple[int, ...] = (1, 3, 5, 15, 30, 60, 120, 240, 360, 720, 1440, 4320, 10080)
KLINE_MAX = 500


def window(series: CandleSeries, start_s: int, end_s: int, limit: int = KLINE_MAX) -> list[Candle]:
    """Candles with open time in [start_s, end_s], oldest first, the newest ``limit`` of them."""
    if end_s < start_s:
        return []
    return list(reversed(series.query(end_s + 1, start_s - 1, limit)))


class FuturesMarket:
    """Trades and candles of every contract."""

    def __init__(self, contracts: list[ContractRules]) -> None:
        self.data = {c.symbol: SymbolMarketData(c.symbol, steps=STEPS) for c in contracts}
        self.marks = {c.symbol: {s: CandleSeries(s) for s in STEPS} for c in contracts}

    def record(self, ev: FuturesEvent) -> None:
        """Engine listener: keep public trades and mark samples."""
        if isinstance(ev, PublicTrade):
            self.data[ev.symbol].add_trade(ev)
        elif isinstance(ev, MarkChanged):
            self.add_mark(ev.symbol, ev.mark_price, ev.time_ms)

    def add_mark(self, symbol: str, mark: Decimal, time_ms: int) -> None:
        """One mark sample into every mark-candle step."""
        t = time_ms // 1000
        for series in self.marks[symbol].values():
            series.add(mark, ZERO, ZERO, t)

    def backfill(self, trades: list[PublicTrade]) -> None:
        """Seeded past trades (oldest first, before any live one): trade candles, and marks at their prices."""
        for t in trades:
            self.data[t.symbol].add_trade(t)
            self.add_mark(t.symbol, t.price, t.time_ms)

    def recent_trades(self, symbol: str, limit: int) -> list[PublicTrade]:
        """Newest first."""
        return self.data[symbol].recent_trades(limit)

    def candles(self, symbol: str, step: int, start_s: int, end_s: int, limit: int = KLINE_MAX) -> list[Candle]:
        return window(self.data[symbol].series[step], start_s, end_s, limit)

    def mark_candles(self, symbol: str, step: int, start_s: int, end_s: int,
                     limit: int = KLINE_MAX) -> list[Candle]:
        return window(self.marks[symbol][step], start_s, end_s, limit)

    def current(self, symbol: str, step: int) -> Candle | None:
        """The newest trade candle of ``step`` (None before the first trade)."""
        series = self.data[symbol].series[step]
        return series.data[series.times[-1]] if series.times else None

    def stats_24h(self, symbol: str, now_ms: int) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal] | None:
        """(open, high, low, volume in contracts, Σ price × contracts) over the last 24 hours of 1 h candles."""
        return self.data[symbol].stats_24h(now_ms)

"""Public trades -> OHLCV candles per interval, and the candle queries of api §6.3.

Buckets are floored from the Unix epoch: ``open = t - t % (step * 60)``. So 1-week candles
(10080) start on Thursdays 00:00 UTC and the 43200 "month" candles are 30-day buckets from the
epoch, not calendar months (a documented sandbox simplification).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from itertools import islice
from decimal import Decimal
from typing import Any, Callable, Iterable

from .events import ZERO, Candle, PublicTrade

STEPS: tuple[int, ...] = (1, 3, 5, 15, 30, 45, 60, 120, 180, 240, 1440, 10080, 43200)


def runs(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """Consecutive rows ``[bucket, open, high, low, close, volume, quote volume]`` of one bucket folded into
    one (arrival order kept: a bucket met again later starts a new run)."""
    out: list[list[Any]] = []
    for row in rows:
        agg = out[-1] if out else None
        if agg is None or agg[0] != row[0]:
            out.append(row)
            continue
        if row[2] > agg[2]:
            agg[2] = row[2]
        if row[3] < agg[3]:
            agg[3] = row[3]
        agg[4] = row[4]
        agg[5] += row[5]
        agg[6] += row[6]
    return out


class CandleSeries:
    """Candles of one interval for one symbol, ordered by open time."""

    __slots__ = ("step", "seconds", "times", "data")

    def __init__(self, step: int) -> None:
        self.step = step
        self.seconds = step * 60
        self.times: list[int] = []
        self.data: dict[int, Candle] = {}

    def add(self, price: Decimal, size: Decimal, notional: Decimal, time_s: int) -> Candle:
        t = time_s - time_s % self.seconds
        c = self.data.get(t)
        if c is None:
            c = Candle(t, price, price, price, price, size, notional)
            if self.times and t < self.times[-1]:
                insort(self.times, t)
            else:
                self.times.append(t)
        else:
            c = Candle(t, c.open, max(c.high, price), min(c.low, price), price,
                       c.volume + size, c.quote_volume + notional)
        self.data[t] = c
        return c

    def merge(self, minutes: list[list[Any]]) -> None:
        """Fold per-minute aggregates ``[minute_s, open, high, low, close, volume, quote volume]`` (in
        arrival order) in, as ``add`` would their trades one by one; one new Candle per bucket touched."""
        seconds = self.seconds
        for agg in runs([m - m % seconds, *rest] for m, *rest in minutes):
            self._fold(agg[0], agg[1:])

    def _fold(self, t: int, agg: list[Any]) -> None:
        o, h, lo, c, v, qv = agg
        old = self.data.get(t)
        if old is None:
            if self.times and t < self.times[-1]:
                insort(self.times, t)
            else:
                self.times.append(t)
            self.data[t] = Candle(t, o, h, lo, c, v, qv)
        else:
            self.data[t] = Candle(t, old.open, max(old.high, h), min(old.low, lo), c,
                                  old.volume + v, old.quote_volume + qv)

    def query(self, before_s: int | None, after_s: int | None, limit: int) -> list[Candle]:
        """Newest first. ``before``/``after`` are exclusive bounds on the open time.

        Only ``after``: the ``limit`` candles right after it; otherwise the latest ``limit``
        candles below ``before`` (and above ``after`` when both are given).
        """
        times = self.times
        lo = 0 if after_s is None else bisect_right(times, after_s)
        hi = len(times) if before_s is None else bisect_left(times, before_s)
        if hi <= lo or limit <= 0:
            return []
        if after_s is not None and before_s is None:
            chosen = times[lo:min(hi, lo + limit)]
        else:
            chosen = times[max(lo, hi - limit):hi]
        return [self.data[t] for t in reversed(chosen)]


class SymbolMarketData:
    """Recent public trades and the candle series of one symbol.

    ``record`` defers the candles: the trades it keeps anyway wait, unfolded, until ``series`` is read
    or until the oldest of them would leave the kept window; then each series takes one merge per minute
    of them (13 candles per trade, one per interval, were most of a trade's cost at 1,000 busy pairs; a
    fold every 64 trades was still an eighth of the venue's time with nobody reading candles).
    ``add_trade`` updates them at once.

    ``history`` (the seeded past trades) is generated on first use of anything here, and its candles
    wait for the first read like live trades do: a symbol made at a subscription sends its snapshot
    without first building 90 minutes of trades and candles (at 1,000 pairs subscribed at once, that
    was 3.5 s of the venue's time before the last snapshot).
    """

    def __init__(self, symbol: str, trades_kept: int = 5000, steps: tuple[int, ...] = STEPS,
                 history: Callable[[], Iterable[PublicTrade]] | None = None) -> None:
        self.symbol = symbol
        self._trades: deque[PublicTrade] = deque(maxlen=max(1, trades_kept))
        self._kept = max(1, trades_kept)  # the deque's maxlen, read on every record
        self._series: dict[int, CandleSeries] = {s: CandleSeries(s) for s in steps}
        self._unfolded = 0  # the newest trades kept whose candles are not made yet
        self._last: Decimal | None = None
        self._history = history

    def _load_history(self) -> None:
        history, self._history = self._history, None
        assert history is not None
        past = list(history())
        if not past:
            return
        # first use of anything here: nothing is recorded yet, so the past is all that is unfolded
        if len(past) > self._kept:  # more than the window keeps: its candles now
            self._fold(past)
        else:
            self._unfolded = len(past)
        self._trades.extend(past)
        self._last = past[-1].price

    @property
    def trades(self) -> deque[PublicTrade]:
        """The recent public trades, oldest first."""
        if self._history is not None:
            self._load_history()
        return self._trades

    @property
    def last(self) -> Decimal | None:
        """The last trade's price (None: no trade yet)."""
        if self._history is not None:
            self._load_history()
        return self._last

    @property
    def series(self) -> dict[int, CandleSeries]:
        """Step -> its candles, up to date with every trade recorded."""
        if self._history is not None:
            self._load_history()
        if self._unfolded:
            self._catch_up()
        return self._series

    def record(self, trade: PublicTrade) -> None:
        """Record ``trade``; its candles are made when next read."""
        if self._history is not None:
            self._load_history()
        if self._unfolded >= self._kept:  # the oldest unfolded trade is about to leave the window
            self._catch_up()
        self._trades.append(trade)
        self._last = trade.price
        self._unfolded += 1

    def _catch_up(self) -> None:
        trades, n = self._trades, self._unfolded
        self._unfolded = 0
        self._fold(list(islice(trades, len(trades) - n, None)))

    def _fold(self, trades: list[PublicTrade]) -> None:
        minutes = runs([t.time_ms // 1000 - t.time_ms // 1000 % 60, t.price, t.price, t.price, t.price, t.size,
                        t.price * t.size] for t in trades)
        for series in self._series.values():
            series.merge(minutes)

    def add_trade(self, trade: PublicTrade) -> list[tuple[int, Candle]]:
        """Record ``trade``; returns ``(step, updated candle)`` for every interval."""
        if self._history is not None:
            self._load_history()
        if self._unfolded:
            self._catch_up()
        self._trades.append(trade)
        self._last = trade.price
        notional = trade.price * trade.size
        time_s = trade.time_ms // 1000
        return [(step, s.add(trade.price, trade.size, notional, time_s)) for step, s in self._series.items()]

    def recent_trades(self, limit: int) -> list[PublicTrade]:
        trades = self.trades
        n = len(trades)
        return [trades[i] for i in range(n - 1, max(-1, n - 1 - limit), -1)]

    def stats_24h(self, now_ms: int) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal] | None:
        """(open, high, low, volume, quote volume) over the 1-hour candles of the last 24 hours."""
        series = self.series[60]
        since = now_ms // 1000 - 86400
        lo = bisect_right(series.times, since - since % 3600 - 1)
        chosen = [series.data[t] for t in series.times[lo:]]
        if not chosen:
            return None
        return (chosen[0].open, max(c.high for c in chosen), min(c.low for c in chosen),
                sum((c.volume for c in chosen), ZERO), sum((c.quote_volume for c in chosen), ZERO))


def recompute(trades: list[PublicTrade], step: int) -> dict[int, Candle]:
    """Reference aggregation (for tests): candles of ``step`` from a list of trades, by open time."""
    series = CandleSeries(step)
    for t in sorted(trades, key=lambda x: x.time_ms):
        series.add(t.price, t.size, t.price * t.size, t.time_ms // 1000)
    return dict(series.data)

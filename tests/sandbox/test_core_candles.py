"""Candles: aggregation equals recomputation from public trades; before/after/limit queries."""
from __future__ import annotations

from decimal import Decimal as D

from bitmart_plugin.sandbox.core.candles import STEPS, CandleSeries, SymbolMarketData, recompute
from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.spot.exchange import Exchange


def test_seed_history_and_live_trades_agree_with_recomputation() -> None:
    clock = ManualClock(1_700_000_000_000)
    ex = Exchange(seed=9, pairs=3, clock=clock)
    md = ex.engine.market["BTC_USDT"]
    assert len(ex.candles("BTC_USDT", 1, limit=200)) == 200
    assert len(md.series[1].times) >= 600
    for _ in range(300):
        clock.advance(7_000)
        ex.step_agents(5)
    trades = list(md.trades)
    assert md.trades.maxlen is not None and len(trades) < md.trades.maxlen  # none dropped
    assert trades[-1].time_ms > 1_700_000_000_000  # live trades happened
    for step in STEPS:
        expected = recompute(trades, step)
        got = {c.open_time_s: c for c in ex.candles("BTC_USDT", step, limit=100_000)}
        assert got == expected, step
    one = ex.candles("BTC_USDT", 1, limit=3)
    assert one[0].open_time_s > one[1].open_time_s > one[2].open_time_s  # newest first
    c = one[0]
    assert c.low <= c.open <= c.high and c.low <= c.close <= c.high and c.volume > 0
    assert ex.public_trades("BTC_USDT", 5)[0] == trades[-1]


def test_series_query_modes() -> None:
    s = CandleSeries(1)
    for m in range(10):
        s.add(D(100 + m), D(1), D(100 + m), 6000 + m * 60)
    times = [6000 + m * 60 for m in range(10)]
    assert [c.open_time_s for c in s.query(None, None, 3)] == times[::-1][:3]
    assert [c.open_time_s for c in s.query(times[5], None, 2)] == [times[4], times[3]]
    assert [c.open_time_s for c in s.query(None, times[5], 2)] == [times[7], times[6]]
    assert [c.open_time_s for c in s.query(times[8], times[2], 100)] == times[3:8][::-1]
    assert s.query(times[2], times[8], 10) == []
    assert s.query(None, None, 0) == []


def test_bucket_floor_and_ohlcv() -> None:
    s = CandleSeries(5)
    s.add(D("10"), D("1"), D("10"), 1000)
    s.add(D("12"), D("2"), D("24"), 1100)
    c = s.add(D("9"), D("1"), D("9"), 1199)
    assert c.open_time_s == 900 and (c.open, c.high, c.low, c.close) == (D(10), D(12), D(9), D(9))
    assert (c.volume, c.quote_volume) == (D(4), D(43))
    month = CandleSeries(43200)
    assert month.add(D(1), D(1), D(1), 1_700_000_000).open_time_s == 1_700_000_000 - 1_700_000_000 % 2_592_000


def test_deferred_candles_equal_trade_by_trade_ones() -> None:
    """`record` (candles folded per minute when read) builds exactly what `add_trade` builds trade by
    trade, in arrival order, across minute/hour/day buckets, a clock that steps back, reads mid-way."""
    for kept in (5000, 40):  # 40: trades leave the kept window unfolded-first, many times over
        _deferred_equal_eager(SymbolMarketData("X_USDT", trades_kept=kept), SymbolMarketData("X_USDT", trades_kept=kept))


def _deferred_equal_eager(lazy: SymbolMarketData, eager: SymbolMarketData) -> None:
    import random

    from bitmart_plugin.sandbox.core.events import PublicTrade

    rng = random.Random(5)
    t = 1_700_000_000_000
    for i in range(3000):
        t += rng.choice((0, 150, 900, 20_000, 61_000, 3_700_000)) if rng.random() > 0.02 else -rng.randint(1, 7_200_000)
        trade = PublicTrade("X_USDT", D(rng.randint(90, 110)) / 4, D(rng.randint(1, 50)) / 8, "buy", t)
        lazy.record(trade)
        eager.add_trade(trade)
        if rng.random() < 0.01:
            assert lazy.series[1].data == eager.series[1].data
    for step in STEPS:
        assert lazy.series[step].times == eager.series[step].times, step
        assert lazy.series[step].data == eager.series[step].data, step
    assert lazy.last == eager.last and list(lazy.trades) == list(eager.trades)


def test_history_is_made_on_first_use_as_of_the_symbols_creation() -> None:
    """A symbol's seeded past is generated when first used, but dated as of its creation: reading it
    later (the clock moved on) gives the same trades and candles as reading it at once."""
    at_once_clock, later_clock = ManualClock(1_700_000_000_000), ManualClock(1_700_000_000_000)
    at_once, later = Exchange(seed=4, pairs=60, clock=at_once_clock), Exchange(seed=4, pairs=60, clock=later_clock)
    symbol = next(r.symbol for r in at_once.symbol_list[40:] if r.trading)  # beyond the eager ones
    at_once.materialize(symbol)
    later.materialize(symbol)
    first = at_once.candles(symbol, 1, limit=1000)
    later_clock.advance(600_000)
    assert later.candles(symbol, 1, limit=1000) == first and first
    assert list(later.engine.market[symbol].trades) == list(at_once.engine.market[symbol].trades)
    assert all(t.time_ms < 1_700_000_000_000 for t in later.engine.market[symbol].trades)

"""Candles: aggregation equals recomputation from public trades; before/after/limit queries."""
from __future__ import annotations

from decimal import Decimal as D

from bitmart_plugin.sandbox.core.candles import STEPS, CandleSeries, recompute
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

"""End-to-end: candles from the feed (real REST + WS over loopback) equal candles recomputed from the
sandbox's own trade history, for history and live, 1m and 5m, across a dropped socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from host_spec import Candle, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed
from bitmart_plugin.sandbox.core.candles import recompute

pytestmark = pytest.mark.e2e
PAIR = TradingPair("BTC", "USDT")
STEPS = {"1m": 1, "5m": 5}


class JumpClock:
    """Wall clock plus an offset the test moves forward (so minutes pass instantly)."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    def seconds(self) -> float:
        return self.now_ms() / 1000


def oracle(venue: Any, interval: str) -> dict[int, Any]:
    trades = venue.sandbox.exchange.public_trades("BTC_USDT", 100_000)  # newest first
    return recompute(trades[::-1], STEPS[interval])  # chronological: one sweep's trades share a millisecond


def same(c: Candle, o: Any) -> bool:
    return (c.open_time_s, c.open, c.high, c.low, c.close, c.volume, c.quote_volume) == (
        o.open_time_s, o.open, o.high, o.low, o.close, o.volume, o.quote_volume)


def make_feed(session: Any, clock: JumpClock | None = None) -> BitmartCandlesFeed:
    return BitmartCandlesFeed(session.rest, session.settings.ws_public_url, grace_s=0.5,
                              clock=clock.seconds if clock else time.time)


@pytest.mark.parametrize("interval", ["1m", "5m"])
async def test_history_equals_recomputed_trades(session: Any, venue: Any, interval: str) -> None:
    feed = make_feed(session)
    expected = oracle(venue, interval)
    first = min(expected)
    pages: list[tuple[int, int]] = []
    got = await feed.history(PAIR, interval, first - 3600, None, progress=lambda d, e: pages.append((d, e)))
    await feed.close()
    assert [c.open_time_s for c in got] == sorted(expected)
    assert all(same(c, expected[c.open_time_s]) for c in got)
    assert all(c.closed for c in got[:-1]) and all(c.interval == interval for c in got)
    if interval == "1m":
        assert len(got) > 600 and feed.rest_calls >= 4  # 720 minutes of history: several pages of 200


async def test_history_window_bounds(session: Any, venue: Any) -> None:
    feed = make_feed(session)
    expected = sorted(oracle(venue, "1m"))
    lo, hi = expected[100], expected[450]
    got = await feed.history(PAIR, "1m", lo + 30, hi)  # since floors to the minute; until is exclusive
    assert [c.open_time_s for c in got] == [t for t in expected if lo <= t < hi]


async def collect(it: Any, into: list[Candle]) -> None:
    async for c in it:
        into.append(c)


async def wait_for(pred: Any, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_follow_live_equals_recomputed_trades(session: Any, venue: Any) -> None:
    ex = venue.sandbox.exchange
    clock = JumpClock()
    ex.clock = ex.engine.clock = clock
    account = venue.sandbox.credentials.account_id
    feed = make_feed(session, clock)
    since = int(clock.seconds()) - 20 * 60
    streams: dict[str, list[Candle]] = {"1m": [], "5m": []}
    tasks = [asyncio.create_task(collect(feed.follow(PAIR, iv, since), out)) for iv, out in streams.items()]
    try:
        await wait_for(lambda: all(streams.values()))
        await asyncio.sleep(0.3)
        last_trade_s = 0
        for step in range(4):
            for k in range(3):
                ex.submit_order(account, "BTC_USDT", "buy" if k % 2 else "sell", "market",
                                **({"notional": "150"} if k % 2 else {"size": "0.002"}))
                last_trade_s = int(clock.seconds())
                await asyncio.sleep(0.25)
            if step == 1:
                venue.sandbox._drop("public")  # the socket drops; trades go on while it reconnects
                await asyncio.sleep(0.05)
            clock.offset_ms += 300_000 + 7_000 * step  # move to another 5-minute candle
        ex.submit_order(account, "BTC_USDT", "buy", "market", notional="50")  # opens the next candles
        await wait_for(lambda: any(c.closed and c.open_time_s == last_trade_s // 300 * 300 for c in streams["5m"])
                       and any(c.closed and c.open_time_s == last_trade_s // 60 * 60 for c in streams["1m"]),
                       timeout=15)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await feed.close()
    for interval, out in streams.items():
        check_live(interval, out, oracle(venue, interval), since - since % (STEPS[interval] * 60), same)


def check_live(interval: str, out: list[Candle], expected: dict[int, Any], first: int,
               same: Callable[[Candle, Any], bool]) -> None:
    """Closed candles: each once, in order, exactly the oracle's from `first` on, with its values;
    forming ones are newer than the last closed, known to the oracle, or closed later.

    An interval without a trade has no candle in the oracle (nor in REST); the futures venue still pushes
    its candle, flat at the last close with volume 0, and the feed closes it like any other: such a
    candle must be exactly that.
    """
    closed = [c for c in out if c.closed]
    opens = [c.open_time_s for c in closed]
    assert opens == sorted(set(opens)), f"{interval}: closed candles repeat or go back"
    for before, c in zip(closed, closed[1:]):
        if c.open_time_s not in expected:
            assert c.volume == 0 and c.open == c.high == c.low == c.close == before.close, \
                f"{interval}: a closed candle at {c.open_time_s} without trades is not flat at the last close: {c}"
    traded = [t for t in opens if t in expected]
    want = [t for t in sorted(expected) if first <= t <= opens[-1]]
    assert traded == want and opens[0] in expected, f"{interval}: closed candles differ from the trade history"
    assert all(same(c, expected[c.open_time_s]) for c in closed if c.open_time_s in expected)
    forming = [c for c in out if not c.closed]
    assert all(c.open_time_s > opens[-1] or c.open_time_s in expected or c.open_time_s in opens for c in forming)
    assert len(closed) >= 4


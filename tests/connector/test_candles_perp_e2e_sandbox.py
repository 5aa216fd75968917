"""End-to-end: perp candles from the feed (real REST on the futures paths + the futures WS `/futures/api`, over
loopback) equal candles recomputed from the sandbox futures venue's own trades: history across several
500-candle pages, an interval without a channel (3m, polled), live 1m/3m/5m across a dropped socket, and
mark-price candles. Volumes come back in base units (contracts x the contract size the details endpoint gives)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import Candle, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed
from bitmart_plugin.candles.perp_klines import perp_candles_feed
from bitmart_plugin.sandbox.core.candles import recompute
from bitmart_plugin.settings import load_settings
from bitmart_plugin.spot.rest import BitmartRest

from .test_candles_e2e_sandbox import check_live, collect, wait_for

pytestmark = pytest.mark.e2e
PAIR = TradingPair("BTC", "USDT")
SYM = "BTCUSDT"
SIZE = D("0.001")  # the sandbox's BTCUSDT contract size
STEPS = {"1m": 1, "3m": 3, "5m": 5, "1h": 60}


class FuturesMarket:
    """Trades on the futures venue at chosen times: a second account rests a sell, the default account buys it.

    The venue's clock (shared with the spot venue) is the wall clock plus `offset_ms`, which the test moves.
    """

    def __init__(self, venue: Any) -> None:
        sb = venue.sandbox
        self.sandbox = sb
        self.fv = sb.state.futures
        self.buyer = sb.credentials.account_id
        self.seller = sb.add_account("b" * 40, "c" * 64, "memo2", balances={"USDT": "10000000"}).account_id
        self.offset_ms = 0
        self.fv.clock.now_ms = self.now_ms  # the one clock object both venues read ...
        sb.futures_ws.public.now_ms = self.now_ms  # ... and the kline pushes, which took its method at start
        self.base = self.fv.marks.mark[SYM]
        self.n = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    def seconds(self) -> float:
        return self.now_ms() / 1000

    def trade(self) -> None:
        self.n += 1
        price = self.base + D(self.n % 13 - 6) / 10
        size = 1 + self.n % 5
        self.fv.submit_order(self.seller, SYM, 4, size, type="limit", price=str(price))
        self.fv.submit_order(self.buyer, SYM, 1, size, type="market")

    def oracle(self, interval: str) -> dict[int, Any]:
        trades = self.fv.market.recent_trades(SYM, 100_000)[::-1]
        return recompute(trades, STEPS[interval])


def same(c: Candle, o: Any) -> bool:
    return (c.open_time_s, c.open, c.high, c.low, c.close, c.volume, c.quote_volume) == (
        o.open_time_s, o.open, o.high, o.low, o.close, o.volume * SIZE, 0)


@pytest.fixture
async def venue() -> AsyncIterator[Any]:
    from bitmart_plugin.venue import start_local_venue

    v = await start_local_venue({"seed": 7, "pairs": 5, "agent_rate": 0, "futures_agents": False})
    try:
        yield v
    finally:
        await v.close()


@pytest.fixture
async def rest(venue: Any) -> AsyncIterator[BitmartRest]:
    client = BitmartRest(load_settings(rest_url=venue.sandbox.futures_rest_url))  # public: no credentials
    try:
        yield client
    finally:
        await client.close()


def make_feed(venue: Any, rest: BitmartRest, market: FuturesMarket, **kw: Any) -> BitmartCandlesFeed:
    return perp_candles_feed(rest, venue.sandbox.futures_ws_public_url, clock=market.seconds, grace_s=0.5,
                             poll_s=1.0, **kw)


@pytest.mark.parametrize("interval", ["1m", "3m", "1h"])
async def test_history_equals_recomputed_trades(venue: Any, rest: BitmartRest, interval: str) -> None:
    market = FuturesMarket(venue)
    minutes = 1150
    market.offset_ms = -minutes * 60_000
    for i in range(minutes):
        if i % 97 != 5:  # some minutes without trades: holes are not the end of data
            market.trade()
        market.offset_ms += 60_000
    expected = market.oracle(interval)
    feed = make_feed(venue, rest, market)
    got = await feed.history(PAIR, interval, min(expected) - 3600, None)
    await feed.close()
    assert [c.open_time_s for c in got] == sorted(expected)
    assert all(same(c, expected[c.open_time_s]) for c in got)
    assert all(c.closed for c in got[:-1]) and all(c.interval == interval for c in got)
    if interval == "1m":
        assert feed.rest_calls >= 3  # 1210 minutes of history: pages of 500
    opens = sorted(expected)
    lo, hi = opens[len(opens) // 4], opens[len(opens) // 2]
    feed = make_feed(venue, rest, market)
    window = await feed.history(PAIR, interval, lo + 30, hi)  # since floors to the interval; until is exclusive
    assert [c.open_time_s for c in window] == [t for t in opens if lo <= t < hi] and window


async def test_follow_live_equals_recomputed_trades(venue: Any, rest: BitmartRest) -> None:
    market = FuturesMarket(venue)
    market.offset_ms = -20 * 60_000
    for _ in range(20):
        market.trade()
        market.offset_ms += 60_000
    market.offset_ms = 0
    feed = make_feed(venue, rest, market)
    since = int(market.seconds()) - 20 * 60
    streams: dict[str, list[Candle]] = {"1m": [], "3m": [], "5m": []}  # 3m has no channel: polled
    tasks = [asyncio.create_task(collect(feed.follow(PAIR, iv, since), out)) for iv, out in streams.items()]
    try:
        await wait_for(lambda: all(streams.values()))
        hub = venue.sandbox.futures_ws.public
        assert {"futures/klineBin1m:BTCUSDT", "futures/klineBin5m:BTCUSDT"} == set(hub.topics.subs)  # no 3m channel
        await asyncio.sleep(0.3)
        last_trade_s = 0
        for step in range(4):
            for _ in range(3):
                market.trade()
                last_trade_s = int(market.seconds())
                await asyncio.sleep(0.25)
            if step == 1:
                assert venue.sandbox._drop("public") >= 1  # the kline socket drops; trades go on meanwhile
                await asyncio.sleep(0.05)
            market.offset_ms += 300_000 + 7_000 * step  # into another 5-minute candle
        market.trade()  # opens the next candles
        await wait_for(lambda: all(any(c.closed and c.open_time_s == last_trade_s // (STEPS[iv] * 60) * STEPS[iv] * 60
                                       for c in out) for iv, out in streams.items()), timeout=15)
        assert feed._streams._conn.connects >= 2  # the live candles came over a socket that reconnected
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await feed.close()
    for interval, out in streams.items():
        check_live(interval, out, market.oracle(interval), since - since % (STEPS[interval] * 60), same)


async def test_a_minute_without_trades_closes_flat(venue: Any, rest: BitmartRest) -> None:
    """The venue pushes the candle of a minute nobody trades in, flat at the last close; REST has no candle
    there. Live, that minute closes as pushed (volume 0), as a gap-filling consumer would make it; a minute
    the venue never pushed and nobody traded in does not appear."""
    market = FuturesMarket(venue)
    market.offset_ms = int((65 - time.time() % 60) * 1000)  # 5 s into a minute: room before the next roll
    m = int(market.seconds()) // 60 * 60
    market.trade()
    feed = make_feed(venue, rest, market)
    out: list[Candle] = []
    task = asyncio.create_task(collect(feed.follow(PAIR, "1m", m - 300), out))
    try:
        await wait_for(lambda: any(c.open_time_s == m for c in out))
        market.offset_ms += 60_000  # minute m+1: no trade, the venue pushes it flat
        await wait_for(lambda: any(c.open_time_s == m + 60 and not c.closed for c in out))
        market.offset_ms += 120_000  # straight to m+3, never pushing m+2
        market.trade()
        await wait_for(lambda: any(c.open_time_s == m + 180 for c in out))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await feed.close()
    closed = {c.open_time_s: c for c in out if c.closed}
    assert sorted(closed) == [m, m + 60]
    last_close = closed[m].close
    flat = closed[m + 60]
    assert (flat.open, flat.high, flat.low, flat.close, flat.volume) == (last_close,) * 4 + (D(0),)
    assert same(closed[m], market.oracle("1m")[m])
    history = await make_feed(venue, rest, market).history(PAIR, "1m", m, m + 240)
    assert [c.open_time_s for c in history] == [m, m + 180]  # REST: no candle where nobody traded


async def test_mark_price_candles(venue: Any, rest: BitmartRest) -> None:
    market = FuturesMarket(venue)
    fv = market.fv
    start = int(market.seconds())
    for k in range(4):  # mark samples in four minutes
        market.offset_ms = k * 60_000
        fv.tick()
    feed = make_feed(venue, rest, market, mark=True)
    now = int(market.seconds())
    try:
        got = await feed.history(PAIR, "1m", start - 60, None)
        want = fv.market.mark_candles(SYM, 1, start - 60, now)
        assert [(c.open_time_s, c.open, c.high, c.low, c.close) for c in got] == [
            (w.open_time_s, w.open, w.high, w.low, w.close) for w in want]
        assert len(got) >= 4 and all(c.volume == 0 for c in got)
        it = feed.follow(PAIR, "1m", start - 60)
        live = [await asyncio.wait_for(it.__anext__(), 5) for _ in range(len(got))]
        assert [c.open_time_s for c in live] == [c.open_time_s for c in got]
        await it.aclose()  # type: ignore[attr-defined]
    finally:
        await feed.close()

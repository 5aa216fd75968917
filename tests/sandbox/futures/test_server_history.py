"""Seeded kline history of the futures venue: hours of 1-minute candles at start over REST and klineBin,
deterministic per seed, around the index, and the first live trade continuing them without a gap."""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import aiohttp

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.futures.agents import HISTORY_MINUTES, HISTORY_MINUTES_BTC, FuturesAgents
from bitmart_plugin.sandbox.futures.venue import FuturesVenue
from bitmart_plugin.sandbox.server import Sandbox

from ..conftest import make_config
from .rest_helpers import BTC, ok, public
from .ws_fixture import connect, group_is, recv_until, send

START_MS = 1_700_000_123_456


def seeded(seed: int) -> FuturesVenue:
    v = FuturesVenue(seed=seed, contracts=8, clock=ManualClock(START_MS))
    FuturesAgents(v, seed)
    return v


def test_history_is_deterministic_per_seed_and_reaches_the_current_minute() -> None:
    a, b, c = seeded(5), seeded(5), seeded(6)
    series = a.market.data[BTC].series[1]
    assert series.data == b.market.data[BTC].series[1].data != c.market.data[BTC].series[1].data
    assert a.market.marks[BTC][1].data == b.market.marks[BTC][1].data
    now_min = START_MS // 60_000 * 60
    assert series.times == list(range(now_min - (HISTORY_MINUTES_BTC - 1) * 60, now_min + 60, 60))
    assert all(t.time_ms < START_MS for t in a.market.recent_trades(BTC, 10_000))
    eth = a.market.data["ETHUSDT"].series[1].times
    assert len(eth) == HISTORY_MINUTES and eth[-1] == now_min
    assert a.engine.last_price[BTC] == series.data[now_min].close


async def klines(http: aiohttp.ClientSession, sb: Sandbox, symbol: str, step: int, hours: int,
                 mark: bool = False) -> list[dict[str, Any]]:
    now = int(time.time())
    path = "/contract/public/markprice-kline" if mark else "/contract/public/kline"
    return ok(await public(http, sb, path, symbol=symbol, step=step,  # type: ignore[no-any-return]
                           start_time=now - hours * 3600, end_time=now))


def gapless(rows: list[dict[str, Any]], seconds: int) -> bool:
    times = [r["timestamp"] for r in rows]
    return all(b - a == seconds for a, b in zip(times, times[1:]))


async def test_hours_of_candles_at_start_around_the_index() -> None:
    before = int(time.time()) // 60 * 60
    async with Sandbox(make_config(futures_agents=True)) as sb, aiohttp.ClientSession() as http:
        after = int(time.time()) // 60 * 60
        venue = sb.state.futures
        minutes = await klines(http, sb, BTC, 1, 8)
        assert len(minutes) >= 480 and gapless(minutes, 60)
        assert before <= minutes[-1]["timestamp"] <= after  # through the minute the venue started in
        hours = await klines(http, sb, BTC, 60, 13)
        assert len(hours) >= 12 and gapless(hours, 3600)
        assert sum(Decimal(r["volume"]) for r in hours) > 0
        for symbol, rows in ((BTC, minutes), ("ETHUSDT", await klines(http, sb, "ETHUSDT", 1, 3))):
            index = venue.marks.index[symbol]
            assert len(rows) >= 179 and gapless(rows, 60)
            assert all(abs(Decimal(r[k]) / index - 1) < Decimal("0.02")
                       for r in rows for k in ("open_price", "high_price", "low_price", "close_price"))
            # the newest minute sits at the index (its trades within two 2-basis-point quote gaps)
            assert abs(Decimal(rows[-1]["close_price"]) / index - 1) <= Decimal("0.0004")
        marks = await klines(http, sb, BTC, 1, 8, mark=True)
        assert len(marks) >= 480 and gapless(marks, 60) and {r["volume"] for r in marks} == {"0"}


async def test_first_live_candle_continues_the_history() -> None:
    async with Sandbox(make_config(futures_agents=True)) as sb, aiohttp.ClientSession() as http:
        async with connect(sb.futures_ws_public_url) as ws:
            await send(ws, "subscribe", "futures/klineBin1m:BTCUSDT")
            pushed = (await recv_until(ws, group_is("futures/klineBin1m:BTCUSDT")))["data"]["items"][0]
        rows = await klines(http, sb, BTC, 1, 1)
        same = [r for r in rows if r["timestamp"] == pushed["ts"]]
        if same:  # the current candle is the seeded one ...
            r = same[0]
            assert (pushed["o"], pushed["c"], pushed["v"]) == (r["open_price"], r["close_price"], r["volume"])
            assert pushed["v"] != "0"
        else:  # ... or the minute rolled since: a flat candle at its close
            assert (pushed["o"], pushed["v"], pushed["ts"] - rows[-1]["timestamp"]) == (
                rows[-1]["close_price"], "0", 60)
        venue, agents = sb.state.futures, sb.futures_agents
        assert agents is not None
        seeded_count = len(venue.market.recent_trades(BTC, 10_000))
        last_seeded = venue.market.recent_trades(BTC, 1)[0]
        for _ in range(2000):
            agents.step(1)
            if len(venue.market.recent_trades(BTC, 10_000)) > seeded_count:
                break
        live = venue.market.recent_trades(BTC, 1)[0]
        assert live.time_ms > last_seeded.time_ms
        rows = await klines(http, sb, BTC, 1, 1)
        assert gapless(rows, 60) and rows[-1]["timestamp"] == live.time_ms // 60_000 * 60
        assert abs(live.price / last_seeded.price - 1) < Decimal("0.002")

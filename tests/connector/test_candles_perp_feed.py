"""The shared candles feed on perp data: backfill in seconds (never ms), paging by 500, the REST/WS seam
(no gap, no duplicate, closed once with final values), gap repair, polling where no channel exists,
mark-price candles, and the futures subscribe dialect over a real loopback socket."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import Candle, ConnectorError, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed
from bitmart_plugin.candles.perp_klines import PERP, perp_candles_feed
from bitmart_plugin.candles.rest import backfill
from bitmart_plugin.candles.ws import KlineStreams

from .test_candles_feed import Clock, FakeConn, next_n
from .ws_replay import LoopbackServer

PAIR = TradingPair("BTC", "USDT")
SIZE = D("0.001")
T0 = 1_700_000_040  # a minute boundary
M1 = PERP.parse_interval("1m")


def prow(t: int, close: int = 100, vol: str = "1000", *, stamp_offset: int = 0) -> dict[str, Any]:
    return {"timestamp": t + stamp_offset, "open_price": "100", "high_price": str(max(100, close)),
            "low_price": str(min(100, close)), "close_price": str(close), "volume": vol}


def pseries(n: int, start: int = T0, step: int = 60, holes: frozenset[int] = frozenset(),
            stamp_offset: int = 0) -> dict[int, dict[str, Any]]:
    return {start + i * step: prow(start + i * step, 100 + i % 7, stamp_offset=stamp_offset)
            for i in range(n) if i not in holes}


class FakeFuturesKlines:
    """`/contract/public/kline` as the venue answers it (§9.1): `start_time`/`end_time` in **seconds**, both
    inclusive on the row's timestamp, ascending, the newest 500 of the window; a bad window is refused."""

    def __init__(self, rows: dict[int, dict[str, Any]], cap: int = 500) -> None:
        self.rows, self.cap = rows, cap
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.calls.append(dict(params))
        if "start_time" not in params or "end_time" not in params:
            raise ConnectorError("Parameter error", code=40011)
        start, end = int(params["start_time"]), int(params["end_time"])
        if end < start:
            raise ConnectorError("end_time must be after start_time", code=40039)
        ok = [r for r in sorted(self.rows.values(), key=lambda r: r["timestamp"]) if start <= r["timestamp"] <= end]
        return ok[-self.cap:]


async def size(pair: TradingPair) -> D:
    return SIZE


def feed_of(fetch: Any, **kw: Any) -> BitmartCandlesFeed:
    return perp_candles_feed(fetch=fetch, contract_size=size, **kw)


# ---- backfill: units and paging -------------------------------------------------------------------

async def test_backfill_asks_in_seconds_and_gets_every_candle() -> None:
    rows = pseries(30)
    fake = FakeFuturesKlines(rows)
    got = await backfill(fake, "BTCUSDT", PAIR, M1, T0, T0 + 30 * 60, market=PERP, scale=SIZE)
    assert [c.open_time_s for c in got] == sorted(rows)
    assert got[0].volume == D(1)  # 1000 contracts x 0.001
    [call] = fake.calls
    assert call == {"symbol": "BTCUSDT", "step": 1, "start_time": T0, "end_time": T0 + 30 * 60 - 1}
    assert call["start_time"] < 10**10 and call["end_time"] < 10**10  # seconds, not milliseconds


async def test_ccxt_ms_bug_would_get_nothing() -> None:
    """ccxt sends `since` in ms where the venue reads seconds (§7.2-4); the backfill above would come back empty."""

    @dataclasses.dataclass(frozen=True)
    class MsKlines(type(PERP)):  # type: ignore[misc]
        def page_params(self, symbol: str, interval: Any, lo: int, hi: int, limit: int) -> dict[str, Any]:
            return {**super().page_params(symbol, interval, lo, hi, limit), "start_time": lo * 1000,
                    "end_time": (hi - 1) * 1000}

    fake = FakeFuturesKlines(pseries(30))
    assert await backfill(fake, "BTCUSDT", PAIR, M1, T0, T0 + 30 * 60, market=MsKlines(), scale=SIZE) == []


async def test_backfill_pages_by_500_without_gaps_or_duplicates() -> None:
    rows = pseries(1200, holes=frozenset({0, 499, 500, 501, 1199}))
    fake = FakeFuturesKlines(rows)
    seen: list[tuple[int, int]] = []
    got = await backfill(fake, "BTCUSDT", PAIR, M1, T0, T0 + 1200 * 60, market=PERP, scale=SIZE,
                         progress=lambda d, e: seen.append((d, e)))
    assert [c.open_time_s for c in got] == sorted(rows) and len(set(c.open_time_s for c in got)) == len(got)
    assert len(fake.calls) == 3  # 1200 minutes, 500 per call
    assert [c["end_time"] - c["start_time"] for c in fake.calls] == [499 * 60 + 59, 499 * 60 + 59, 199 * 60 + 59]
    assert seen[-1] == (len(rows), 1200)


async def test_backfill_with_a_smaller_venue_cap_walks_the_window() -> None:
    rows = pseries(300)
    fake = FakeFuturesKlines(rows, cap=120)  # answers the newest 120 of any window
    got = await backfill(fake, "BTCUSDT", PAIR, M1, T0, T0 + 300 * 60, market=PERP, scale=SIZE, limit=120)
    assert [c.open_time_s for c in got] == sorted(rows)


async def test_rows_stamped_one_second_late_keep_their_candle() -> None:
    rows = pseries(10, stamp_offset=1)  # pre-2025 live form (C5)
    fake = FakeFuturesKlines(rows)
    got = await backfill(fake, "BTCUSDT", PAIR, M1, T0 + 120, T0 + 360, market=PERP, scale=SIZE)
    assert [c.open_time_s for c in got] == [T0 + 120, T0 + 180, T0 + 240, T0 + 300]


async def test_history_marks_closed_and_uses_the_contract_size_once() -> None:
    lookups: list[TradingPair] = []

    async def counted(pair: TradingPair) -> D:
        lookups.append(pair)
        return SIZE

    now = T0 + 9 * 60 + 30
    feed = perp_candles_feed(fetch=FakeFuturesKlines(pseries(10)), contract_size=counted, clock=lambda: now)
    got = await feed.history(PAIR, "1m", T0 + 17, None)
    assert [c.open_time_s for c in got] == [T0 + 60 * i for i in range(10)]
    assert all(c.closed for c in got[:-1]) and not got[-1].closed and got[0].volume == D(1)
    await feed.history(PAIR, "1m", T0, T0 + 300)
    assert lookups == [PAIR]


def test_stream_validates_interval_and_pair_eagerly() -> None:
    feed = feed_of(FakeFuturesKlines({}))
    from host_spec import InvalidPair

    from bitmart_plugin.candles.intervals import UnsupportedInterval

    with pytest.raises(UnsupportedInterval):
        feed.stream(PAIR, "1M", None, None, False)
    with pytest.raises(InvalidPair):
        feed.stream(TradingPair("BTC", "USDC"), "1m", None, None, False)


async def test_mark_price_candles_use_their_endpoint() -> None:
    class Rest:
        paths: list[str] = []

        async def request(self, path: str, method: str, params: dict[str, Any], *, what: str = "") -> Any:
            self.paths.append(path)
            return [prow(T0, vol="0")]

    rest = Rest()
    feed = perp_candles_feed(rest, mark=True, clock=lambda: T0 + 90)
    [c] = await feed.history(PAIR, "1m", T0, T0 + 60)
    assert rest.paths == ["/contract/public/markprice-kline"] and c.volume == 0  # no details lookup either


# ---- the seam on perp pushes ----------------------------------------------------------------------

class PerpConn(FakeConn):
    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.kw = kw

    def push_perp(self, t: int, close: int, vol: str, *, ts_offset: int = 0) -> None:
        item = {"o": "100", "h": str(max(100, close)), "l": str(min(100, close)), "c": str(close), "v": vol,
                "ts": t + ts_offset}
        self.on_payload(json.dumps({"group": "futures/klineBin1m:BTCUSDT",
                                    "data": {"symbol": "BTCUSDT", "items": [item]}}), self)


def make_feed(rows: dict[int, dict[str, Any]], clock: Clock) -> tuple[BitmartCandlesFeed, FakeFuturesKlines,
                                                                      list[PerpConn]]:
    conns: list[PerpConn] = []

    def factory(*a: Any, **kw: Any) -> PerpConn:
        conns.append(PerpConn(*a, **kw))
        return conns[-1]

    fake = FakeFuturesKlines(rows)
    streams = KlineStreams("ws://127.0.0.1:1/futures/api", market=PERP, connection_factory=factory)
    return feed_of(fake, streams=streams, clock=clock, grace_s=1), fake, conns


async def test_follow_seam_then_live_closes_once() -> None:
    clock = Clock(T0 + 4 * 60 + 20)
    rows = pseries(5)
    feed, fake, conns = make_feed(rows, clock)
    it = feed.follow(PAIR, "1m", T0)
    hist = await next_n(it, 5)
    assert [(c.open_time_s, c.closed) for c in hist] == [(T0 + i * 60, i < 4) for i in range(5)]
    conn = conns[0]
    assert conn.topics == {"futures/klineBin1m:BTCUSDT"} and conn.kw["action_key"] == "action"
    conn.push_perp(T0 + 180, 100, "9000")  # stale (already closed): dropped
    conn.push_perp(T0 + 240, 110, "2000", ts_offset=1)  # the forming candle moves; ts one second late
    [upd] = await next_n(it, 1)
    assert (upd.open_time_s, upd.closed, upd.close, upd.volume) == (T0 + 240, False, D(110), D(2))
    rows[T0 + 240] = prow(T0 + 240, 111, "3000")  # final values the socket never showed
    rows[T0 + 300] = prow(T0 + 300, 95, "1000")
    clock.t = T0 + 300  # before the wall clock alone would close T0+240 (grace 1 s): the push must
    conn.push_perp(T0 + 300, 95, "1000")
    closed, forming = await next_n(it, 2)
    assert (closed.open_time_s, closed.closed, closed.close, closed.volume) == (T0 + 240, True, D(111), D(3))
    assert (forming.open_time_s, forming.closed) == (T0 + 300, False)
    # the candles before the push were read from REST, from after the last closed one up to the push, in seconds
    assert (fake.calls[-1]["start_time"], fake.calls[-1]["end_time"]) == (T0 + 181, T0 + 299)
    conn.push_perp(T0 + 300, 95, "1000")  # an identical re-push is not emitted again
    conn.push_perp(T0 + 300, 96, "2000")
    [upd] = await next_n(it, 1)
    assert upd.close == D(96)
    await it.aclose()
    assert conn.topics == set()


async def test_follow_repairs_the_gap_after_a_reconnect() -> None:
    clock = Clock(T0 + 2 * 60 + 5)
    rows = pseries(3)
    feed, fake, conns = make_feed(rows, clock)
    it = feed.follow(PAIR, "1m", T0)
    assert [c.closed for c in await next_n(it, 3)] == [True, True, False]
    for i in range(2, 6):
        rows[T0 + i * 60] = prow(T0 + i * 60, 100 + i, str(i * 1000))
    clock.t = T0 + 5 * 60 + 10
    calls = len(fake.calls)
    conns[0].on_connected(conns[0], True)
    got = await next_n(it, 4)
    assert [(c.open_time_s, c.closed) for c in got] == [(T0 + 120, True), (T0 + 180, True), (T0 + 240, True),
                                                          (T0 + 300, False)]
    assert got[0].close == D(102) and got[0].volume == D(2)
    assert fake.calls[calls]["start_time"] == T0 + 61  # only what is missing, in seconds
    await it.aclose()


async def test_follow_polls_rest_for_an_interval_without_a_channel() -> None:
    step = 180
    t3 = T0 - T0 % step
    clock = Clock(t3 + 2 * step + 20)
    rows = pseries(3, start=t3, step=step)
    feed, fake, conns = make_feed(rows, clock)
    feed.poll_s = 0.01
    it = feed.follow(PAIR, "3m", t3)
    hist = await next_n(it, 3)
    assert [(c.open_time_s, c.closed) for c in hist] == [(t3, True), (t3 + step, True), (t3 + 2 * step, False)]
    assert conns == []  # no socket: 3m has no klineBin channel
    rows[t3 + 2 * step] = prow(t3 + 2 * step, 104, "4000")  # the forming candle moves
    [upd] = await next_n(it, 1)
    assert (upd.open_time_s, upd.closed, upd.close, upd.volume) == (t3 + 2 * step, False, D(104), D(4))
    polls = [c for c in fake.calls if c["end_time"] == clock.t]
    assert polls and polls[-1]["start_time"] == int(clock.t) - 2 * step  # the last two intervals
    rows[t3 + 2 * step] = prow(t3 + 2 * step, 105, "5000")  # a last trade before the close
    rows[t3 + 3 * step] = prow(t3 + 3 * step, 99, "1000")
    clock.t = t3 + 3 * step + 2
    closed, forming = await next_n(it, 2)
    assert (closed.open_time_s, closed.closed, closed.close) == (t3 + 2 * step, True, D(105))
    assert (forming.open_time_s, forming.closed) == (t3 + 3 * step, False)
    await it.aclose()


def test_poll_period_is_a_tenth_of_the_interval_at_most_a_minute() -> None:
    from bitmart_plugin.candles.poll import poll_period

    assert poll_period(180) == 18.0 and poll_period(43_200) == 60.0


# ---- the futures dialect over a real socket -------------------------------------------------------

async def test_kline_streams_speak_the_futures_dialect_over_a_socket() -> None:
    topic = "futures/klineBin1m:BTCUSDT"

    async def venue(server: LoopbackServer, index: int, conn: Any, text: str) -> None:
        msg = json.loads(text)
        if msg.get("action") == "subscribe":
            for arg in msg["args"]:
                await conn.send(json.dumps({"action": "subscribe", "group": arg, "success": True,
                                            "request": {"action": "subscribe", "args": [arg]}}))
                await conn.send(json.dumps({"group": arg, "data": {"symbol": "BTCUSDT", "items": [
                    {"o": "1", "h": "2", "l": "1", "c": "2", "v": "5", "ts": T0 + 1}]}}))  # a TEXT frame

    async with LoopbackServer(on_message=venue) as server:
        streams = KlineStreams(server.url.replace("/api", "/futures/api"), market=PERP)
        sub = streams.subscribe("BTCUSDT", M1, pair=PAIR, scale=SIZE)
        try:
            got = await sub.get(5)
            assert isinstance(got, Candle) and (got.open_time_s, got.close, got.volume) == (T0, D(2), D("0.005"))
            sent = [json.loads(t) for t in server.received[0] if t.startswith("{")]
            assert sent[0] == {"action": "subscribe", "args": [topic]}  # never the spot {"op": ...}
        finally:
            sub.close()
            await streams.close()

"""Candles feed units: interval mapping, REST paging, the REST/WS seam, gap repair after a reconnect."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import Candle, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed
from bitmart_plugin.candles.intervals import INTERVALS, UnsupportedInterval, parse_interval
from bitmart_plugin.candles.merge import CandleMerger
from bitmart_plugin.candles.rest import KlinePager, backfill
from bitmart_plugin.candles.ws import RECONNECTED, KlineStreams

PAIR = TradingPair("BTC", "USDT")
T0 = 1_700_000_040  # a minute boundary (T0 % 60 == 0)
M1 = parse_interval("1m")


def row(t: int, close: int = 100, vol: str = "1") -> list[str]:
    return [str(t), "100", str(max(100, close)), str(min(100, close)), str(close), vol, str(D(vol) * close)]


class FakeKlines:
    """`/spot/quotation/v3/klines` over a dict of rows: newest first, exclusive bounds, `limit` latest."""

    def __init__(self, rows: dict[int, list[str]], *, inclusive: bool = False, cap: int = 200,
                 from_after: bool = False) -> None:
        self.rows = rows
        self.inclusive, self.cap, self.from_after = inclusive, cap, from_after
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, params: Mapping[str, Any]) -> list[list[str]]:
        self.calls.append(dict(params))
        after, before, limit = params.get("after"), params.get("before"), min(int(params["limit"]), self.cap)
        ok = [t for t in sorted(self.rows)
              if (after is None or t > after or (self.inclusive and t == after))
              and (before is None or t < before or (self.inclusive and t == before))]
        chosen = ok[:limit] if self.from_after else ok[-limit:]
        return [self.rows[t] for t in reversed(chosen)]


def series(n: int, start: int = T0, step: int = 60, holes: set[int] = frozenset()) -> dict[int, list[str]]:
    return {start + i * step: row(start + i * step, 100 + i % 7) for i in range(n) if i not in holes}


# ---- intervals ------------------------------------------------------------------------------------

def test_interval_table() -> None:
    assert [(i.name, i.step, i.ws) for i in INTERVALS.values()] == [
        ("1m", 1, "1m"), ("5m", 5, "5m"), ("15m", 15, "15m"), ("30m", 30, "30m"), ("1h", 60, "1H"),
        ("2h", 120, "2H"), ("4h", 240, "4H"), ("1d", 1440, "1D"), ("1w", 10080, "1W"), ("1M", 43200, "1M")]
    assert parse_interval("1H").name == "1h" and parse_interval("60m").name == "1h"
    assert parse_interval("1m").seconds == 60 and parse_interval("1M").step == 43200
    with pytest.raises(UnsupportedInterval, match="1m, 5m"):
        parse_interval("7m")
    with pytest.raises(ValueError):
        parse_interval("3h")


def test_interval_floor_and_end() -> None:
    h1 = parse_interval("1h")
    assert h1.floor(T0 + 3599) == (T0 + 3599) - (T0 + 3599) % 3600
    assert h1.end(7200) == 10800
    month = parse_interval("1M")
    jan = 1_704_067_200  # 2024-01-01
    assert month.end(jan) == 1_706_745_600  # 2024-02-01
    assert month.end(1_706_745_600) == 1_709_251_200  # 2024-03-01 (leap year February)
    assert month.end(jan + 3600) == jan + 3600 + 30 * 86_400  # not a month start: 30-day bucket


# ---- pagination -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"inclusive": True}, {"cap": 70}, {"from_after": True}])
async def test_backfill_pages_without_gaps_or_duplicates(kw: dict[str, Any]) -> None:
    rows = series(650, holes={0, 1, 199, 200, 201, 400, 649 - 5})
    fake = FakeKlines(rows, **kw)
    seen: list[tuple[int, int]] = []
    limit = kw.get("cap", 200)
    got = await backfill(fake, "BTC_USDT", PAIR, M1, T0, T0 + 650 * 60, limit=limit,
                         progress=lambda d, e: seen.append((d, e)))
    assert [c.open_time_s for c in got] == sorted(rows)
    assert len({c.open_time_s for c in got}) == len(got)
    assert all(p["limit"] == limit and p["step"] == 1 and p["symbol"] == "BTC_USDT" for p in fake.calls)
    assert seen[-1][0] == len(rows) and seen[-1][1] == 650
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # progress only grows
    if not kw:
        assert len(fake.calls) == 4  # 643 rows over 650 minutes: one call per 200-minute chunk


@pytest.mark.parametrize("from_after", [False, True])
async def test_window_walks_on_from_either_end(from_after: bool) -> None:
    rows = series(100, holes={50})
    fake = FakeKlines(rows, cap=40, from_after=from_after)
    pager = KlinePager(fake, "BTC_USDT", PAIR, M1, limit=40)
    got = await pager.window(T0, T0 + 100 * 60)  # one window, more rows than one page
    assert [c.open_time_s for c in got] == sorted(rows)
    assert len(fake.calls) == 3 == pager.calls  # 40 + 40 + 19 (short page: done)
    bounds = [(p["after"], p["before"]) for p in fake.calls]
    assert len(set(bounds)) == 3  # each call asks for the part not yet covered


async def test_backfill_respects_the_window_and_newest_first_overlaps() -> None:
    rows = series(300)
    fake = FakeKlines(rows, inclusive=True)
    lo, hi = T0 + 10 * 60, T0 + 250 * 60
    got = await backfill(fake, "BTC_USDT", PAIR, M1, lo, hi)
    assert got[0].open_time_s == lo and got[-1].open_time_s == hi - 60 and len(got) == 240
    assert fake.calls[0]["after"] == lo - 1 and fake.calls[0]["before"] == lo + 200 * 60  # oldest chunk first
    assert fake.calls[-1]["before"] == hi and len(fake.calls) == 3  # inclusive bounds cost one probe


async def test_backfill_empty_and_bad_answers() -> None:
    assert await backfill(FakeKlines({}), "BTC_USDT", PAIR, M1, T0, T0 + 6000) == []

    async def broken(params: Mapping[str, Any]) -> Any:
        return {"oops": 1}

    from host_spec import StreamError

    with pytest.raises(StreamError):
        await backfill(broken, "BTC_USDT", PAIR, M1, T0, T0 + 600)


async def test_history_marks_closed_and_limits_calls() -> None:
    rows = series(10)
    now = T0 + 9 * 60 + 30  # inside the 10th candle
    feed = BitmartCandlesFeed(fetch=FakeKlines(rows), clock=lambda: now)
    got = await feed.history(PAIR, "1m", T0 + 17, None)  # since is floored to the minute
    assert [c.open_time_s for c in got] == sorted(rows)
    assert all(c.closed for c in got[:-1]) and not got[-1].closed
    assert all(c.interval == "1m" and c.pair == PAIR for c in got)
    got = await feed.history(PAIR, "1m", T0, T0 + 5 * 60)
    assert len(got) == 5 and all(c.closed for c in got)


# ---- the seam -------------------------------------------------------------------------------------

def ws_candle(t: int, close: int, vol: str) -> Candle:
    return Candle(PAIR, "1m", t, D(100), D(max(100, close)), D(min(100, close)), D(close), D(vol))


def rest_candle(t: int, close: int = 100, vol: str = "1") -> Candle:
    return Candle(PAIR, "1m", t, D(100), D(max(100, close)), D(min(100, close)), D(close), D(vol), D(vol) * close)


def test_merger_seam_no_gap_no_duplicate_closed_once() -> None:
    m = CandleMerger(M1, grace_s=2)
    now = T0 + 2 * 60 + 10
    out = m.absorb([rest_candle(T0), rest_candle(T0 + 60), rest_candle(T0 + 120, 101)], now)
    assert [(c.open_time_s, c.closed) for c in out] == [(T0, True), (T0 + 60, True), (T0 + 120, False)]
    assert m.stale(ws_candle(T0 + 60, 100, "1"))  # a buffered push of a closed candle is dropped
    assert m.push(ws_candle(T0 + 120, 101, "1")) == []  # same as REST: nothing new
    assert m.push(ws_candle(T0 + 120, 102, "2"))[0].close == D(102)
    nxt = ws_candle(T0 + 180, 99, "1")
    assert m.newer(nxt)
    out = m.absorb([rest_candle(T0 + 120, 103, "3")], now + 60, close_before=nxt.open_time_s) + m.push(nxt)
    assert [(c.open_time_s, c.closed, c.close) for c in out] == [(T0 + 120, True, D(103)), (T0 + 180, False, D(99))]
    assert out[0].quote_volume == D(309)  # closed values come from REST, quote volume included
    assert m.push(ws_candle(T0 + 120, 104, "4")) == []  # late push of a closed candle


def test_merger_wall_clock_close_and_ws_fallback() -> None:
    m = CandleMerger(M1, grace_s=2)
    m.absorb([rest_candle(T0)], T0 + 10)
    assert m.current is not None and m.deadline(T0 + 10) == T0 + 62
    assert m.absorb([], T0 + 61) == []  # before the grace: still forming
    out = m.absorb([], T0 + 62)  # REST had nothing newer: closed with the last values seen
    assert [(c.open_time_s, c.closed) for c in out] == [(T0, True)]
    assert m.current is None and m.absorb([rest_candle(T0)], T0 + 70) == []


def test_merger_until() -> None:
    m = CandleMerger(M1, grace_s=0, until_s=T0 + 120)
    out = m.absorb([rest_candle(T0), rest_candle(T0 + 60), rest_candle(T0 + 120)], T0 + 100)
    assert [(c.open_time_s, c.closed) for c in out] == [(T0, True), (T0 + 60, False)]
    assert not m.finished(T0 + 110)
    m.absorb([rest_candle(T0 + 60)], T0 + 120)
    assert m.finished(T0 + 121)


# ---- follow with a fake socket --------------------------------------------------------------------

class FakeConn:
    """Stands in for WsConnection: records topics; the test calls the callbacks it was given."""

    def __init__(self, url: str, on_payload: Any, *, on_error: Any, on_connected: Any, name: str, **kw: Any) -> None:
        self.on_payload, self.on_connected = on_payload, on_connected
        self.topics: set[str] = set()
        self.connected = asyncio.Event()
        self.closed = False

    def start(self) -> None:
        self.connected.set()
        self.on_connected(self, False)

    def subscribe(self, topics: list[str]) -> None:
        self.topics.update(topics)

    def unsubscribe(self, topics: list[str]) -> None:
        self.topics.difference_update(topics)

    async def close(self) -> None:
        self.closed = True

    def push(self, t: int, close: int, vol: str) -> None:
        msg = {"table": "spot/kline1m", "data": [{"symbol": "BTC_USDT", "candle": [t, "100", str(max(100, close)),
                                                  str(min(100, close)), str(close), vol]}]}
        self.on_payload(json.dumps(msg).encode(), self)


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_feed(rows: dict[int, list[str]], clock: Clock) -> tuple[BitmartCandlesFeed, FakeKlines, list[FakeConn]]:
    conns: list[FakeConn] = []

    def factory(*a: Any, **kw: Any) -> FakeConn:
        conns.append(FakeConn(*a, **kw))
        return conns[-1]

    fake = FakeKlines(rows)
    streams = KlineStreams("ws://127.0.0.1:1/api", connection_factory=factory)
    return BitmartCandlesFeed(fetch=fake, streams=streams, clock=clock, grace_s=1), fake, conns


async def next_n(it: Any, n: int) -> list[Candle]:
    return [await asyncio.wait_for(it.__anext__(), 2) for _ in range(n)]


async def test_follow_seam_then_live_closes_once() -> None:
    clock = Clock(T0 + 4 * 60 + 20)
    rows = series(5)  # T0 .. T0+240 (the last one is forming)
    feed, fake, conns = make_feed(rows, clock)
    it = feed.follow(PAIR, "1m", T0)
    hist = await next_n(it, 5)
    assert [(c.open_time_s, c.closed) for c in hist] == [(T0 + i * 60, i < 4) for i in range(5)]
    conn = conns[0]
    assert conn.topics == {"spot/kline1m:BTC_USDT"}
    conn.push(T0 + 180, 100, "9")  # stale (already closed): dropped
    conn.push(T0 + 240, 110, "2")  # the forming candle moves
    [upd] = await next_n(it, 1)
    assert (upd.open_time_s, upd.closed, upd.close) == (T0 + 240, False, D(110))
    rows[T0 + 240] = row(T0 + 240, 111, "3")  # its final values (a last trade the socket never showed)
    rows[T0 + 300] = row(T0 + 300, 95, "1")
    clock.t = T0 + 300 + 5
    conn.push(T0 + 300, 95, "1")
    closed, forming = await next_n(it, 2)
    assert (closed.open_time_s, closed.closed, closed.close, closed.volume) == (T0 + 240, True, D(111), D(3))
    assert (forming.open_time_s, forming.closed) == (T0 + 300, False)
    conn.push(T0 + 300, 95, "1")  # an identical re-push is not emitted again
    conn.push(T0 + 300, 96, "2")
    [upd] = await next_n(it, 1)
    assert upd.close == D(96)
    await it.aclose()
    assert conn.topics == set()
    await asyncio.sleep(0)
    assert conn.closed  # the last consumer left: the kline socket is closed


async def test_follow_repairs_the_gap_after_a_reconnect() -> None:
    clock = Clock(T0 + 2 * 60 + 5)
    rows = series(3)
    feed, fake, conns = make_feed(rows, clock)
    it = feed.follow(PAIR, "1m", T0)
    hist = await next_n(it, 3)
    assert [c.closed for c in hist] == [True, True, False]
    # the socket drops; three minutes pass; candles T0+120 .. T0+240 close unseen, T0+300 forms
    for i in range(2, 6):
        rows[T0 + i * 60] = row(T0 + i * 60, 100 + i, str(i))
    clock.t = T0 + 5 * 60 + 10
    conn = conns[0]
    calls = len(fake.calls)
    conn.on_connected(conn, True)
    got = await next_n(it, 4)
    assert [(c.open_time_s, c.closed) for c in got] == [(T0 + 120, True), (T0 + 180, True), (T0 + 240, True),
                                                          (T0 + 300, False)]
    assert got[0].close == D(102) and got[0].volume == D(2)  # closed with its final REST values
    assert fake.calls[calls]["after"] == T0 + 60  # asks only for what is missing
    conn.push(T0 + 300, 105, "5")  # the resubscription's snapshot equals REST: nothing new
    conn.push(T0 + 360, 101, "1")
    rows[T0 + 360] = row(T0 + 360, 101, "1")
    clock.t = T0 + 360 + 1
    got = await next_n(it, 2)
    assert [(c.open_time_s, c.closed) for c in got] == [(T0 + 300, True), (T0 + 360, False)]
    await it.aclose()


async def test_follow_closes_by_wall_clock_when_quiet() -> None:
    clock = Clock(T0 + 50)
    rows = series(1)
    feed, fake, conns = make_feed(rows, clock)
    feed.grace_s = 0.05
    it = feed.follow(PAIR, "1m", T0)
    [c] = await next_n(it, 1)
    assert not c.closed
    start = time.monotonic()
    clock.t = T0 + 60  # from here the fake clock follows real time: the deadline (T0+60.05) is 50 ms away
    feed._clock = lambda: T0 + 60 + (time.monotonic() - start)
    [c] = await next_n(it, 1)
    assert c.open_time_s == T0 and c.closed
    await it.aclose()


def test_stream_validates_eagerly() -> None:
    feed = BitmartCandlesFeed(fetch=FakeKlines({}))
    with pytest.raises(UnsupportedInterval):
        feed.stream(PAIR, "7m", None, None, False)
    with pytest.raises(ValueError):
        BitmartCandlesFeed()


async def test_stream_history_iterator() -> None:
    feed = BitmartCandlesFeed(fetch=FakeKlines(series(3)), clock=lambda: T0 + 3 * 60 + 5)
    got = [c async for c in feed.stream(PAIR, "1m", T0, None, False)]
    assert [c.open_time_s for c in got] == [T0, T0 + 60, T0 + 120] and all(c.closed for c in got)


def test_kline_streams_routes_and_counts_bad_frames() -> None:
    streams = KlineStreams("ws://x", connection_factory=lambda *a, **k: FakeConn(*a, **k))
    sub5 = streams.subscribe("BTC_USDT", parse_interval("5m"))
    msg = {"table": "spot/kline5m", "data": [{"symbol": "BTC_USDT", "candle": [T0 + 7, "1", "2", "0.5", "1.5", "3"]}]}
    streams.on_payload(json.dumps(msg))
    streams.on_payload(b"not json")
    streams.on_payload(json.dumps({"table": "spot/kline5m", "data": [{"symbol": "BTC_USDT", "candle": [1]}]}))
    item = sub5._queue.get_nowait()
    assert isinstance(item, Candle) and item.interval == "5m" and item.open_time_s == (T0 + 7) - (T0 + 7) % 300
    assert item.high == D(2) and streams.bad_frames == 2
    streams.on_connected(None, True)
    assert sub5._queue.get_nowait() == RECONNECTED


def test_merger_closes_current_when_rest_shows_a_newer_candle() -> None:
    m = CandleMerger(M1, grace_s=2)
    m.absorb([rest_candle(T0)], T0 + 10)
    out = m.absorb([rest_candle(T0 + 60)], T0 + 70)  # e.g. the next backfill chunk
    assert [(c.open_time_s, c.closed) for c in out] == [(T0, True), (T0 + 60, False)]


async def test_history_chunks_arrive_oldest_first() -> None:
    feed = BitmartCandlesFeed(fetch=FakeKlines(series(450)), clock=lambda: T0 + 450 * 60 + 5)
    chunks = [chunk async for chunk in feed.history_chunks(PAIR, "1m", T0, None)]
    assert [len(c) for c in chunks] == [200, 200, 50]
    flat = [c for chunk in chunks for c in chunk]
    assert [c.open_time_s for c in flat] == [T0 + 60 * i for i in range(450)] and all(c.closed for c in flat)

"""Public futures WS (``/futures/api``, bare ``/futures``): book, trade, ticker, bookticker, klines, funding.

Driven by the venue's events (level changes, fills) plus a timer: book streams once per speed period,
klines every ``snapshot_push_ms`` (the current candle, even when no trade moved it: HB-CANDLES needs a
candle to start, §9.2), tickers every ``ticker_push_s``, funding every ``funding_push_s`` and on settlement.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Iterable

from ..core.events import ZERO, Candle, LevelChanged
from ..faults import FaultState
from ..ws_conn import Conn
from . import ws_proto as P
from . import ws_rows as R
from .events import ContractFill, FundingSettled, FuturesOrderChanged
from .venue import FuturesVenue
from .ws_config import FuturesWsConfig
from .ws_depth import DepthStreams
from .ws_endpoint import FuturesEndpoint

TICK_S = 0.1  # the fastest book speed


class PublicEndpoint(FuturesEndpoint):
    """Public channels of §3.5."""

    kind = "futures-public"

    def __init__(self, venue: FuturesVenue, config: FuturesWsConfig, faults: FaultState) -> None:
        super().__init__(config, faults, venue.engine.contracts)
        self.venue = venue
        self.market = venue.market
        self.now_ms = venue.clock.now_ms
        self.depth = DepthStreams(venue.engine.books, self.now_ms, self.topics.get, faults)
        self._makers: dict[str, ContractFill] = {}  # trade id -> maker fill awaiting its taker
        self._trades: dict[str, list[dict[str, Any]]] = {}
        self._tops: dict[str, tuple[Any, Any]] = {}  # bookticker: last best bid/ask pushed
        self._flush: asyncio.Handle | None = None
        self._kline_ts: dict[str, int] = {}  # kline group -> open time last pushed

    # -- events -------------------------------------------------------------------------------
    def on_event(self, ev: object) -> None:
        """Venue listener."""
        if isinstance(ev, LevelChanged):
            self.depth.on_level(ev.symbol)
            if self.topics.subs.get(f"futures/bookticker:{ev.symbol}"):
                self._tops.setdefault(ev.symbol, (None, None))
                self._schedule()
        elif isinstance(ev, FuturesOrderChanged) and ev.fill is not None:
            fill = ev.fill
            if fill.role == "maker":
                self._makers[fill.trade_id] = fill
                return
            maker = self._makers.pop(fill.trade_id, None)
            if maker is not None and self.topics.subs.get(f"futures/trade:{fill.symbol}"):
                self._trades.setdefault(fill.symbol, []).append(R.trade_row(maker, fill))
                self._schedule()
        elif isinstance(ev, FundingSettled):
            self._send(f"futures/fundingRate:{ev.symbol}", lambda: self._funding(ev.symbol))

    def _schedule(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._flush_now)

    def _flush_now(self) -> None:
        """Trades of one matching burst as one message, newest first; changed best levels."""
        self._flush = None
        trades, self._trades = self._trades, {}
        for sym, rows in trades.items():
            self._send(f"futures/trade:{sym}", lambda rows=rows: list(reversed(rows)))
        for sym, last in list(self._tops.items()):
            top = self._top(sym)
            if top != last:
                self._tops[sym] = top
                self._send(f"futures/bookticker:{sym}", lambda s=sym, t=top: R.bookticker_row(s, *t, self.now_ms()))

    def _send(self, group: str, build: Any, conns: Iterable[Conn] | None = None) -> None:
        subs = list(self.topics.get(group) if conns is None else conns)
        if subs:
            frame = P.push(group, build())
            for c in subs:
                c.send(frame)

    # -- builders -----------------------------------------------------------------------------
    def _top(self, symbol: str) -> tuple[Any, Any]:
        bids, asks = self.venue.engine.books[symbol].depth(1)
        return (bids[0] if bids else None), (asks[0] if asks else None)

    def _ticker(self, symbol: str) -> dict[str, Any]:
        stats = self.market.stats_24h(symbol, self.now_ms())
        bid, ask = self._top(symbol)
        marks = self.venue.marks
        return R.ticker_row(symbol, self.venue.engine.last_price[symbol], stats[3] if stats else ZERO,
                            stats[0] if stats else None, marks.mark[symbol], marks.index[symbol], bid, ask)

    def _funding(self, symbol: str) -> dict[str, Any]:
        f = self.venue.funding
        rate = f.expected(symbol)
        return R.funding_row(symbol, rate, rate, f.next_time[symbol], self.venue.config.funding_cap, self.now_ms())

    def _candle(self, topic: P.Topic, open_s: int | None = None) -> Candle:
        """The candle of ``open_s`` (default: the current bucket); flat at the last close when no update."""
        step = P.KLINE_INTERVALS[topic.interval]
        sym = topic.symbol
        if topic.kind == "klineBin":
            series = self.market.data[sym].series[step]
            fallback = self.venue.engine.last_price[sym]
        else:
            series = self.market.marks[sym][step]
            fallback = self.venue.marks.mark[sym]
        now_s = self.now_ms() // 1000
        t = now_s - now_s % (step * 60) if open_s is None else open_s
        c = series.data.get(t)
        if c is not None:
            return c
        older = [x for x in series.times[-2:] if x < t]
        px = series.data[older[-1]].close if older else fallback
        return Candle(t, px, px, px, px, ZERO, ZERO)

    def _push_kline(self, conns: Iterable[Conn], topic: P.Topic) -> None:
        """The current candle; on a roll first the final state of the one it closes (§9.2)."""
        current = self._candle(topic)
        last = self._kline_ts.get(topic.group)
        if last is not None and last != current.open_time_s:
            closed = self._candle(topic, last)
            self._send(topic.group, lambda: R.kline_data(topic.symbol, closed), conns)
        self._kline_ts[topic.group] = current.open_time_s
        self._send(topic.group, lambda: R.kline_data(topic.symbol, current), conns)

    # -- subscriptions ------------------------------------------------------------------------
    def on_subscribe(self, conn: Conn, topic: P.Topic) -> None:
        kind, sym = topic.kind, topic.symbol
        if kind in ("depth", "depthAll", "depthIncrease"):
            self.depth.first(conn, topic)
        elif kind == "ticker":
            for s in [sym] if sym else list(self.symbols):
                self._send(topic.group, lambda s=s: self._ticker(s), [conn])
        elif kind == "fundingRate":
            self._send(topic.group, lambda: self._funding(sym), [conn])
        elif kind in ("klineBin", "markPriceKlineBin"):
            current = self._candle(topic)
            if len(self.topics.subs.get(topic.group, ())) == 1:  # a fresh stream: no roll to announce
                self._kline_ts[topic.group] = current.open_time_s
            self._send(topic.group, lambda: R.kline_data(sym, current), [conn])
        elif kind == "bookticker":
            self._tops[sym] = self._top(sym)
            self._send(topic.group, lambda: R.bookticker_row(sym, *self._tops[sym], self.now_ms()), [conn])

    def on_request(self, conn: Conn, topic: P.Topic) -> bool:
        """depthIncrease: a snapshot at the current version; fundingRate: the current push (§3.2)."""
        if topic.kind == "depthIncrease":
            conn.send(self.depth.snapshot(topic))
        elif topic.kind == "fundingRate":
            self._send(topic.group, lambda: self._funding(topic.symbol), [conn])
        else:
            return False
        return True

    # -- timer --------------------------------------------------------------------------------
    async def pulse(self) -> None:
        cfg = self.config
        due = {"200ms": 0.0, "kline": 0.0, "ticker": 0.0, "funding": time.monotonic() + cfg.funding_push_s}
        periods = {"200ms": 0.2, "kline": cfg.snapshot_push_ms / 1000, "ticker": cfg.ticker_push_s,
                   "funding": cfg.funding_push_s}
        while True:
            await asyncio.sleep(TICK_S)
            self.depth.flush("100ms")
            now = time.monotonic()
            for job, at in due.items():
                if now >= at:
                    due[job] = now + periods[job]
                    self._timed(job)

    def _timed(self, job: str) -> None:
        if job == "200ms":
            self.depth.flush("200ms")
            return
        for group, conns in list(self.topics.subs.items()):
            topic = self.topic_of[group]
            if job == "kline" and topic.kind in ("klineBin", "markPriceKlineBin"):
                self._push_kline(conns, topic)
            elif job == "ticker" and topic.kind == "ticker":
                for s in [topic.symbol] if topic.symbol else list(self.symbols):
                    self._send(group, lambda s=s: self._ticker(s), conns)
            elif job == "funding" and topic.kind == "fundingRate":
                self._send(group, lambda t=topic: self._funding(t.symbol), conns)

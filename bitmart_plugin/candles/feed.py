"""`BitmartCandlesFeed`: candles of one BitMart market as REST backfill plus live WS klines.

The market (`KlineMarket`) says how: spot (`spot_klines.SPOT`, the default) or USDT-M perpetuals
(`perp_klines.PERP`, mark-price candles `PERP_MARK`; build those with `perp_klines.perp_candles_feed`).
Perpetual volumes are contracts on the wire; the feed multiplies them by each pair's contract size.

`follow` subscribes first (pushes are buffered), backfills up to now through REST, then merges pushes
by open time (`candles_merge.CandleMerger`): no gap and no duplicate at the seam, `closed=True` exactly
once per candle, when the next candle appears or the wall clock passes its end plus a grace. Closed
candles are re-read from REST so their values are final (and carry the quote volume the WS lacks). After
a reconnect, or when nothing was pushed for a whole interval, the missing range is fetched again. An
interval without a kline channel is followed by polling REST (`poll.PollSubscription`) through the same loop.
An interval nobody traded in has no REST candle; where the venue pushes one anyway (futures: flat at the last
close, volume 0) it closes as pushed, the candle a gap-filling consumer would make.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import Candle, TradingPair

from bitmart_plugin.candles.intervals import Interval
from bitmart_plugin.candles.market import KlineMarket
from bitmart_plugin.candles.merge import CandleMerger
from bitmart_plugin.candles.poll import PollSubscription, poll_period
from bitmart_plugin.candles.rest import Fetch, KlinePager, Progress
from bitmart_plugin.candles.spot_klines import SPOT
from bitmart_plugin.candles.ws import RECONNECTED, KlineStreams

__all__ = ["DEFAULT_CANDLES", "BitmartCandlesFeed", "ContractSize"]

DEFAULT_CANDLES = 200  # history length when no `since` is given
ContractSize = Callable[[TradingPair], Awaitable[Decimal]]


class BitmartCandlesFeed:
    """Candles of any pair and interval of one market for one session.

    `rest` needs `request(path, method, params, what=)`; `contract_size(pair)` is required for a market
    whose volumes count contracts.
    """

    def __init__(
        self,
        rest: Any = None,
        ws_url: str | None = None,
        *,
        market: KlineMarket = SPOT,
        fetch: Fetch | None = None,
        streams: Any = None,
        contract_size: ContractSize | None = None,
        clock: Callable[[], float] = time.time,
        grace_s: float = 2.0,
        connect_wait_s: float = 5.0,
        poll_s: float | None = None,
    ) -> None:
        if fetch is None:
            if rest is None:
                raise ValueError("BitmartCandlesFeed needs a REST client or a fetch function")
            fetch = self._rest_fetch(rest, market.rest_path)
        if market.contracts and contract_size is None:
            raise ValueError(f"{market.title} candles count contracts: give the feed a contract_size lookup")
        self.market = market
        self._contract_size = contract_size
        self._scales: dict[TradingPair, Decimal] = {}
        self._fetch = fetch
        self._ws_url = ws_url
        self._streams = streams
        self._clock = clock
        self.grace_s = grace_s
        self.connect_wait_s = connect_wait_s
        self.poll_s = poll_s  # REST polling period where no kline channel exists (None: a tenth of the interval)
        self.rest_calls = 0

    @staticmethod
    def _rest_fetch(rest: Any, path: str) -> Fetch:
        async def fetch(params: Mapping[str, Any]) -> Any:
            return await rest.request(path, "GET", dict(params), what="candles")

        return fetch

    async def _scale(self, pair: TradingPair) -> Decimal:
        """What wire volumes of `pair` are multiplied by: its contract size (looked up once), or 1."""
        if self._contract_size is None or not self.market.contracts:
            return Decimal(1)
        if pair not in self._scales:
            self._scales[pair] = await self._contract_size(pair)
        return self._scales[pair]

    async def _counted_fetch(self, params: Mapping[str, Any]) -> Any:
        self.rest_calls += 1
        return await self._fetch(params)

    def _kline_streams(self) -> Any:
        if self._streams is None:
            if not self._ws_url:
                raise ValueError("live candles need the public WebSocket URL")
            self._streams = KlineStreams(self._ws_url, market=self.market)
        return self._streams

    def _subscribe(self, pair: TradingPair, iv: Interval, scale: Decimal) -> Any:
        """The live source: the kline channel, or REST polling where the market has none for `iv`."""
        symbol = self.market.symbol(pair)
        if self.market.topic(symbol, iv) is None:
            period = self.poll_s if self.poll_s is not None else poll_period(iv.seconds)
            return PollSubscription(self._pager(pair, iv, scale), self._clock, period)
        return self._kline_streams().subscribe(symbol, iv, pair=pair, scale=scale)

    # ---- history ---------------------------------------------------------------------------------

    def _window(self, iv: Interval, since_s: int | None, until_s: int | None) -> tuple[int, int]:
        now = int(self._clock())
        hi = until_s if until_s is not None else iv.end(iv.floor(now)) if iv.seconds <= 86_400 else now + 1
        lo = iv.floor(since_s) if since_s is not None else hi - DEFAULT_CANDLES * iv.seconds
        return lo, hi

    def _pager(self, pair: TradingPair, iv: Interval, scale: Decimal) -> KlinePager:
        return KlinePager(self._counted_fetch, self.market.symbol(pair), pair, iv, market=self.market, scale=scale)

    def _mark(self, candles: list[Candle], iv: Interval, newer_follows: bool) -> list[Candle]:
        """Closed once a newer candle exists or the interval (plus grace) has ended."""
        now = self._clock()
        last = len(candles) - 1
        return [dataclasses.replace(c, closed=True)
                if i < last or newer_follows or iv.end(c.open_time_s) + self.grace_s <= now else c
                for i, c in enumerate(candles)]

    async def history_chunks(
        self, pair: TradingPair, interval: str, since_s: int | None, until_s: int | None,
        progress: Progress | None = None,
    ) -> AsyncIterator[list[Candle]]:
        """`history` as ascending chunks (up to 200 candles each) while the backfill runs."""
        iv = self.market.parse_interval(interval)
        lo, hi = self._window(iv, since_s, until_s)
        pending: list[Candle] = []
        async for chunk in self._pager(pair, iv, await self._scale(pair)).chunks(lo, hi, progress):
            if pending:
                yield self._mark(pending, iv, True)
            pending = chunk
        if pending:
            yield self._mark(pending, iv, False)

    async def history(
        self, pair: TradingPair, interval: str, since_s: int | None, until_s: int | None,
        progress: Progress | None = None,
    ) -> list[Candle]:
        """Candles with `since_s <= open_time < until_s` (until defaults to now), ascending, each once.

        `since_s` is floored to the interval; without it the latest 200 candles are returned. A candle
        is `closed` once a newer one exists or its interval has ended. `progress(done, expected)` is
        called after every page.
        """
        return [c async for chunk in self.history_chunks(pair, interval, since_s, until_s, progress) for c in chunk]

    # ---- hook entry ------------------------------------------------------------------------------

    def stream(
        self, pair: TradingPair, interval: str, since_s: int | None, until_s: int | None, follow: bool,
    ) -> AsyncIterator[Candle]:
        """What the `candles_feed` hook returns: history, then live candles when `follow`. Validates eagerly."""
        self.market.parse_interval(interval)
        self.market.symbol(pair)
        if follow:
            return self.follow(pair, interval, since_s, until_s)
        return self._iterate_history(pair, interval, since_s, until_s)

    async def _iterate_history(self, pair: TradingPair, interval: str, since_s: int | None,
                               until_s: int | None) -> AsyncIterator[Candle]:
        async for chunk in self.history_chunks(pair, interval, since_s, until_s):
            for candle in chunk:
                yield candle

    # ---- live --------------------------------------------------------------------------------------

    async def follow(
        self, pair: TradingPair, interval: str, since_s: int | None = None, until_s: int | None = None,
        progress: Progress | None = None,
    ) -> AsyncIterator[Candle]:
        """Backfill from `since_s`, then live candles (forming ones with `closed=False`) until `until_s` or forever."""
        iv = self.market.parse_interval(interval)
        scale = await self._scale(pair)
        sub = self._subscribe(pair, iv, scale)
        try:
            await self._wait_connected(sub)
            merger = CandleMerger(iv, grace_s=self.grace_s, until_s=until_s)
            lo, hi = self._window(iv, since_s, until_s)
            async for chunk in self._pager(pair, iv, scale).chunks(lo, hi, progress):
                for c in merger.absorb(chunk, self._clock()):
                    yield c
            while not merger.finished(self._clock()):
                wait = merger.deadline(self._clock()) - self._clock()
                item = await sub.get(wait) if wait > 0 else None
                if item is None:
                    if merger.deadline(self._clock()) > self._clock():
                        continue  # woke a little early
                    out = await self._sync(merger, pair, iv, scale, lo)
                elif item == RECONNECTED:
                    out = await self._sync(merger, pair, iv, scale, lo)
                elif isinstance(item, Candle):
                    out = []
                    if self._missing_before(merger, iv, item):
                        out = await self._sync(merger, pair, iv, scale, lo, close_before=item.open_time_s)
                    out += merger.push(item)
                else:
                    continue
                for c in out:
                    yield c
        finally:
            sub.close()

    @staticmethod
    def _missing_before(merger: CandleMerger, iv: Interval, item: Candle) -> bool:
        """A push opening a newer candle: REST must close `current` or fill candles never pushed."""
        if not merger.newer(item):
            return False
        if merger.current is not None:
            return True
        return merger.last_closed is not None and item.open_time_s - merger.last_closed > iv.min_seconds

    async def _wait_connected(self, sub: Any) -> None:
        try:
            async with asyncio.timeout(self.connect_wait_s):
                await sub.connected.wait()
        except asyncio.TimeoutError:
            pass  # REST still backfills; pushes merge whenever the socket comes up

    async def _sync(self, merger: CandleMerger, pair: TradingPair, iv: Interval, scale: Decimal, lo: int, *,
                    close_before: int | None = None) -> list[Candle]:
        """REST from the first missing open time up to `close_before` (or now), absorbed into the merger."""
        start = merger.resume_from(lo)
        now = int(self._clock())
        hi = close_before if close_before is not None else (iv.end(iv.floor(now)) if iv.seconds <= 86_400 else now + 1)
        if merger.until_s is not None:
            hi = min(hi, merger.until_s)
        got = await self._pager(pair, iv, scale).window(start, hi) if hi > start else []
        return merger.absorb(got, self._clock(), close_before=close_before)

    async def close(self) -> None:
        """Close the kline connection (the REST client belongs to the session)."""
        if self._streams is not None and hasattr(self._streams, "close"):
            await self._streams.close()

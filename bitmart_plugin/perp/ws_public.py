"""Public futures streams: versioned books, trades, tickers (mark, index) and funding (bitmart_futures.md §3.5).

Books come from `futures/depthIncrease50:<SYM>@100ms` through the shared `BookFeed` (same sequencing,
validation, paced resyncs and reconnect handling as spot), built with `heartbeats=False` because the
futures venue sends nothing on a quiet book (C10): a quiet book is probed with `request`, not dropped.
Sizes reach the book in base units (`parse_market.depth_from_ws`). `funding(pair)` joins the latest
`futures/fundingRate` push with the latest `futures/ticker` mark and index into host `FundingInfo`,
one update per push of either once both are known. Parsing stays in `perp.parse_*`; pushes are routed
by `perp.topics.route` (speed suffix stripped).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from host_spec import FundingInfo, PublicTrade, TradingPair

from bitmart_plugin.fields import ParseError, decode
from bitmart_plugin.perp.parse_funding import FundingRate, funding_info, rate_from_ws
from bitmart_plugin.perp.parse_market import PerpTicker, depth_from_ws, ticker_from_ws, trades_from_ws
from bitmart_plugin.perp.symbols import Contracts, to_symbol
from bitmart_plugin.perp.topics import route, topic
from bitmart_plugin.ws.connection import Payload, WsConnection
from bitmart_plugin.ws.dialect import FUTURES
from bitmart_plugin.ws.market_streams import MarketStreams

__all__ = ["DEPTH", "FUNDING", "TICKER", "TRADE", "PerpPublicStreams"]

log = logging.getLogger(__name__)
DEPTH = "futures/depthIncrease50"
TRADE = "futures/trade"
TICKER = "futures/ticker"
FUNDING = "futures/fundingRate"
_FUNDING_KEY = "funding"  # consumers of joined FundingInfo, keyed "funding:<SYM>"


class PerpPublicStreams(MarketStreams):
    """Futures books, trades, tickers and funding over a pool of public connections (see MarketStreams).

    `contracts` returns the current listing (contract sizes; symbol -> pair): the session reloads it.
    """

    def __init__(self, url: str, contracts: Callable[[], Contracts], *, cap: int = 100, speed: str = "100ms",
                 **options: Any) -> None:
        """`options`: the book options of MarketStreams (resync_timeout, stale_after, ...) and connection options."""
        super().__init__(url, cap=cap, heartbeats=False, name="futures-public", dialect=FUTURES, **options)
        self.contracts = contracts
        self.speed = speed
        self.last_tickers: dict[str, PerpTicker] = {}  # symbol -> latest
        self.last_rates: dict[str, FundingRate] = {}  # symbol -> latest

    def _symbol(self, pair: TradingPair) -> str:
        return self.contracts().by_pair(pair).symbol  # InvalidPair (naming close matches) for an unlisted pair

    def _book_topic(self, symbol: str) -> str:
        return topic(DEPTH, symbol, self.speed)

    # ---- consumers (order_book and close come from MarketStreams) ---------------------------------

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        """Every public trade, oldest first within a push, size in base units, taker side from `m`."""
        name = topic(TRADE, self._symbol(pair))
        trades: AsyncIterator[PublicTrade] = self.listen(name, (name,))
        return trades

    def tickers(self, pair: TradingPair) -> AsyncIterator[PerpTicker]:
        """Ticker pushes (~1/s): last, best bid/ask, 24 h volume in base units, mark and index."""
        symbol = self._symbol(pair)
        name = topic(TICKER, symbol)
        tickers: AsyncIterator[PerpTicker] = self.listen(name, (name,), self.last_tickers.get(symbol))
        return tickers

    def funding(self, pair: TradingPair) -> AsyncIterator[FundingInfo]:
        """FundingInfo updates: the next settlement's rate and time with the ticker's mark and index."""
        symbol = self._symbol(pair)
        infos: AsyncIterator[FundingInfo] = self.listen(f"{_FUNDING_KEY}:{symbol}",
                                                        (topic(TICKER, symbol), topic(FUNDING, symbol)),
                                                        self._funding(symbol))
        return infos

    def funding_info(self, pair: TradingPair) -> FundingInfo | None:
        """The latest FundingInfo of a pair whose funding streams run, or None until both pushes came."""
        return self._funding(self._symbol(pair))

    def _funding(self, symbol: str) -> FundingInfo | None:
        rate, ticker = self.last_rates.get(symbol), self.last_tickers.get(symbol)
        if rate is None or ticker is None or ticker.index_price is None:
            return None  # before 2025-02 the ticker had no index price: no FundingInfo from the stream then
        return funding_info(rate, self.contracts().by_symbol(symbol), ticker.mark_price, ticker.index_price)

    # ---- pushes ----------------------------------------------------------------------------------

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        """Decode, route by channel + symbol, parse into base units and hand on. Bad frames are counted and skipped."""
        try:
            push = route(decode(payload))
            if push is None:
                return
            channel, symbol, data = push.channel, push.filter, push.data
            if channel == DEPTH:
                feed = self.books.get(symbol)
                if feed is not None:
                    try:
                        depth = depth_from_ws(channel, data, self.contracts())
                    except ParseError as exc:  # e.g. a fractional contract count: the book may have missed a change
                        self.bad_frames += 1
                        feed.reject(f"unreadable depth message: {exc}")
                        return
                    feed.on_depth(depth)
            elif channel == TRADE:
                if self.subs.get(f"{TRADE}:{symbol}"):
                    for trade in trades_from_ws(data, self.contracts()):
                        self.publish(f"{TRADE}:{symbol}", trade)
            elif channel == TICKER:
                ticker = ticker_from_ws(data, self.contracts(), int(time.time() * 1000))
                symbol = to_symbol(ticker.ticker.pair)  # the all-symbol `futures/ticker` group has no filter
                self.last_tickers[symbol] = ticker
                self.publish(f"{TICKER}:{symbol}", ticker)
                self._funding_changed(symbol)
            elif channel == FUNDING:
                rate = rate_from_ws(data, self.contracts())
                symbol = to_symbol(rate.pair)
                self.last_rates[symbol] = rate
                self._funding_changed(symbol)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # ParseError is a ValueError
            self.bad_frames += 1
            kind = "malformed" if isinstance(exc, ParseError) else "unparseable"
            log.warning("skipped a %s futures public frame (%s: %s)", kind, type(exc).__name__, str(exc)[:200])

    def _funding_changed(self, symbol: str) -> None:
        key = f"{_FUNDING_KEY}:{symbol}"
        if self.subs.get(key):
            info = self._funding(symbol)
            if info is not None:
                self.publish(key, info)

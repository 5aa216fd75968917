"""PerpPublicStreams routing on the real captures' wire forms (groups with and without `@<speed>`, the all-symbol
ticker), fed straight to `on_payload` (no socket): books in base units, rejected depth resynced, tickers and
funding joined into FundingInfo, every trade of a push."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from host_spec import FundingInfo, Side, TradingPair
from bitmart_plugin.perp.ws_public import PerpPublicStreams
from tests.connector.perp.helpers import listing, load

BTC = TradingPair("BTC", "USDT")
D = Decimal


@pytest.fixture
async def streams() -> AsyncIterator[PerpPublicStreams]:
    contracts = listing()
    s = PerpPublicStreams("ws://127.0.0.1:9/futures/api", lambda: contracts, backoff_base=5.0)
    yield s
    await s.close()


def depth(kind: str, version: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]] | None = None) -> str:
    level = lambda p, v: {"price": p, "vol": v}  # noqa: E731
    data = {"symbol": "BTCUSDT", "type": kind, "version": version, "ms_t": 1730400086184,
            "bids": [level(*b) for b in bids], "asks": [level(*a) for a in asks or [("70400", "10")]]}
    return json.dumps({"group": "futures/depthIncrease50:BTCUSDT@100ms", "data": data})


async def take(stream: AsyncIterator[Any]) -> Any:
    return await asyncio.wait_for(stream.__anext__(), 2)


async def test_book_in_base_units_and_the_capture_update_applies(streams: PerpPublicStreams) -> None:
    books = streams.order_book(BTC, 5)
    streams.on_payload(depth("snapshot", 980360, [("70391.2", "1000"), ("70390", "7")]))
    first = await take(books)
    assert first.bids == ((D("70391.2"), D("1")), (D("70390"), D("0.007"))) and first.sequence == 980360
    capture = load("ws_public/depthIncrease50_hbtest.json")  # v980361, group with @200ms: routed all the same
    streams.on_payload(json.dumps(capture))
    view = await take(books)
    assert view.sequence == 980361 and view.bids[0] == (D("70391.2"), D("1.335")) and view.asks[0] == (D("70391.6"), D("3.55"))


@pytest.mark.parametrize("bad", ["1.5", "-1", "NaN"])
async def test_an_unreadable_depth_update_resyncs_the_book(streams: PerpPublicStreams, bad: str) -> None:
    """A fractional or negative contract count cannot be read: the book may have missed a change, so it resyncs."""
    books = streams.order_book(BTC, 5, conflate=True)
    streams.on_payload(depth("snapshot", 1, [("100", "1")]))
    await take(books)
    streams.on_payload(depth("update", 2, [("100", bad)]))
    feed = streams.books["BTCUSDT"]
    assert feed.stats["bad"] == 1 and feed.awaiting and feed.view(5) is None and streams.bad_frames == 1
    streams.on_payload(depth("update", 3, [("100", "2")]))  # buffered while resyncing
    streams.on_payload(depth("snapshot", 2, [("100", "5")]))
    view = await take(books)
    assert view.sequence == 3 and view.bids == ((D("100"), D("0.002")),)


async def test_funding_joins_the_rate_with_the_tickers_mark_and_index(streams: PerpPublicStreams) -> None:
    infos = streams.funding(BTC)
    tickers = streams.tickers(BTC)
    streams.on_payload(json.dumps(load("ws_public/fundingRate_doc.json")))
    assert streams.funding_info(BTC) is None  # no mark yet
    ticker = load("ws_public/ticker_symbol_doc.json")
    ticker["group"] = "futures/ticker:BTCUSDT@100ms"  # the form the venue pushes (§3.4)
    streams.on_payload(json.dumps(ticker))
    info = await take(infos)
    assert info == FundingInfo(BTC, D("0.000098800809"), 1732550400000, 8 * 3600, D("97153.7"), D("97185.614"),
                               predicted_rate=D("0.0000947"), timestamp_ms=1732525864601)
    t = await take(tickers)
    assert (t.mark_price, t.index_price, t.ticker.volume_24h) == (D("97153.7"), D("97185.614"), D("25502.894"))


async def test_every_trade_of_a_push_oldest_first(streams: PerpPublicStreams) -> None:
    """Two captured trades in one push, newest first as the venue sends them (Hummingbot reads only data[0])."""
    trades = streams.trades(BTC)
    older = load("ws_public/trade_doc.json")["data"][0]  # m true: the taker sold
    newer = load("ws_public/trade_live_ccxt_2023-12.json")["data"][0] | {"m": False}  # the taker bought
    streams.on_payload(json.dumps({"group": "futures/trade:BTCUSDT", "data": [newer, older]}))
    got = [await take(trades), await take(trades)]
    assert [(t.trade_id, t.taker_side, t.amount) for t in got] == [
        ("1409495322", Side.SELL, D("1.445")), ("6798697637", Side.BUY, D("0.002"))]

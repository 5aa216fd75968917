"""ccxt 4.5.70 swap REST market data against the sandbox's futures venue, only the base URLs changed
(bitmart_futures.md §8.1); every answer is checked against the venue's own state."""
from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .compat_futures import BTC, MARK, SYM, book, ccxt_rest, quote, venue
from .compat_futures import rest, sb  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.e2e


async def test_load_markets_lists_every_contract(sb: Sandbox) -> None:
    ex = ccxt_rest(sb)
    try:
        markets = await ex.load_markets()
    finally:
        await ex.close()
    swaps = {m["id"]: m for m in markets.values() if m["swap"]}
    contracts = venue(sb).contract_list
    assert set(swaps) == {c.symbol for c in contracts}
    for c in contracts:
        m = swaps[c.symbol]
        assert m["symbol"] == f"{c.base}/USDT:USDT" and m["settle"] == "USDT" and m["linear"]
        assert m["active"] is c.trading  # one contract is Delisted
        assert m["contractSize"] == float(c.contract_size)
        assert (m["precision"]["price"], m["precision"]["amount"]) == (float(c.price_tick), float(c.vol_step))
        assert (m["limits"]["amount"]["min"], m["limits"]["amount"]["max"]) == (
            float(c.min_volume), float(c.max_volume))
        assert m["limits"]["leverage"]["max"] == c.max_leverage
    assert not all(c.trading for c in contracts)
    btc = markets[SYM]
    assert (btc["id"], btc["contractSize"], btc["active"], btc["type"]) == (BTC, 0.001, True, "swap")
    assert "BTC/USDT" in markets  # the spot markets still load from the same port


async def test_ticker_book_and_open_interest_follow_the_venue(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    quote(sb)
    ob = await rest.fetch_order_book(SYM)
    bids, asks = book(sb)
    assert [lv[:2] for lv in ob["bids"]] == bids and [lv[:2] for lv in ob["asks"]] == asks
    await rest.create_order(SYM, "market", "buy", 4)  # lifts 4 of the maker's 10 at the ask
    ob = await rest.fetch_order_book(SYM)
    assert [lv[:2] for lv in ob["asks"]] == book(sb)[1] == [[float(60100), 6.0]]
    t = await rest.fetch_ticker(SYM)
    assert (t["last"], t["indexPrice"]) == (60100.0, float(venue(sb).marks.index[BTC]))
    tickers = await rest.fetch_tickers(None, {"type": "swap"})
    assert {s for s in tickers} == {m["symbol"] for m in rest.markets.values() if m["swap"]}
    assert tickers[SYM]["last"] == 60100.0
    oi = await rest.fetch_open_interest(SYM)
    assert oi["openInterestAmount"] == float(venue(sb).open_interest(BTC)) == 4.0
    assert oi["openInterestValue"] == pytest.approx(4 * 0.001 * float(MARK))


async def test_ohlcv_trade_and_mark_candles(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    quote(sb)
    await rest.create_order(SYM, "market", "buy", 2)
    await rest.create_order(SYM, "market", "sell", 3)
    candles = await rest.fetch_ohlcv(SYM, "1m", limit=5)
    assert candles and candles[-1][0] % 60_000 == 0
    vol = sum(c[5] for c in candles)
    assert vol == 5  # contracts, as the venue's kline reports them
    assert max(c[2] for c in candles) == 60100 and min(c[3] for c in candles) == 59900
    venue(sb).refresh_marks(venue(sb).clock.now_ms())  # a mark sample for the mark candles
    marks = await rest.fetch_ohlcv(SYM, "1m", limit=5, params={"price": "mark"})
    assert marks and marks[-1][0] % 60_000 == 0 and marks[-1][4] == float(MARK) and marks[-1][5] == 0


async def test_funding_rate_and_history(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    v = venue(sb)
    fr = await rest.fetch_funding_rate(SYM)
    assert fr["fundingRate"] == float(v.funding.expected(BTC))
    assert fr["fundingTimestamp"] == v.funding.next_time[BTC]  # the next settlement (ms)
    now = v.clock.now_ms()
    v.set_funding_rate(BTC, Decimal("0.00025"))
    v.settle_funding(now - 60_000, BTC, force=True)  # an admin-forced settlement a minute ago
    v.set_funding_rate(BTC, Decimal("-0.0001"))
    v.settle_funding(now, BTC, force=True)
    fr = await rest.fetch_funding_rate(SYM)
    assert (fr["fundingRate"], fr["previousFundingRate"]) == (-0.0001, -0.0001)
    hist = await rest.fetch_funding_rate_history(SYM)
    assert [h["fundingRate"] for h in hist] == [0.00025, -0.0001]  # ccxt sorts oldest first
    assert [h["timestamp"] for h in hist] == [now - 60_000, now]

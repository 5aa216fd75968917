"""ccxt.pro 4.5.70 swap WebSocket against the sandbox's futures venue, only the URLs changed
(bitmart_futures.md §8.2: ``urls['api']['ws']['swap']``); every result is checked against the venue."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .compat_futures import BTC, MAKER, MARK, SYM, book, eventually, held, me, quote, venue
from .compat_futures import pro, sb  # noqa: F401  (pytest fixtures)
from .conftest import started

pytestmark = pytest.mark.e2e


def sides(ob: Any) -> tuple[list[list[float]], list[list[float]]]:
    return [list(x) for x in ob["bids"]], [list(x) for x in ob["asks"]]


async def test_watch_order_book_equals_the_venue_book(sb: Sandbox, pro: ccxtpro.bitmart) -> None:
    v = venue(sb)
    for i in range(30):  # deeper than 20 levels: ccxt.pro guesses the depth limit from the push group's name
        quote(sb, size=10 + i, bid=Decimal(59900 - 10 * i), ask=Decimal(60100 + 10 * i))
    ob = await asyncio.wait_for(pro.watch_order_book(SYM), 5)  # both per-side depth50 pushes arrived
    assert sides(ob) == book(sb) and len(ob["bids"]) == 30
    update = await started(sb, pro.watch_order_book(SYM), "futures/depth")
    await pro.create_order(SYM, "market", "buy", 15)  # takes the best ask and part of the next
    await asyncio.wait_for(update, 5)
    update = await started(sb, pro.watch_order_book(SYM), "futures/depth")
    v.submit_order(MAKER, BTC, 1, 7, price=Decimal("59950"), type="limit")  # a new best bid
    await asyncio.wait_for(update, 5)
    await eventually(lambda: sides(pro.orderbooks[SYM]) == book(sb), lambda: (sides(pro.orderbooks[SYM]), book(sb)))
    assert book(sb)[0][0] == [59950.0, 7.0] and book(sb)[1][0] == [60110.0, 6.0]


async def test_watch_trades_ticker_ohlcv_and_funding_rate(sb: Sandbox, pro: ccxtpro.bitmart) -> None:
    v = venue(sb)
    quote(sb)
    trades = await started(sb, pro.watch_trades(SYM), "futures/trade")
    await pro.create_order(SYM, "market", "buy", 3)
    got = await asyncio.wait_for(trades, 5)
    [fill] = v.fills_of(me(sb), BTC)
    assert [(t["id"], t["side"], t["price"], t["amount"]) for t in got] == [(fill.trade_id, "buy", 60100, 3)]
    t = await asyncio.wait_for(pro.watch_ticker(SYM), 5)  # subscribed after the trade: current values
    assert (t["last"], t["bid"], t["ask"], t["bidVolume"], t["askVolume"]) == (60100, 59900, 60100, 10, 7)
    assert (t["markPrice"], t["indexPrice"]) == (float(MARK), float(v.marks.index[BTC]))
    candles = await asyncio.wait_for(pro.watch_ohlcv(SYM, "1m"), 5)
    assert candles[-1][0] % 60_000 == 0 and candles[-1][1:] == [60100.0] * 4 + [3.0]
    v.set_funding_rate(BTC, Decimal("0.0002"))
    fr = await asyncio.wait_for(pro.watch_funding_rate(SYM), 5)  # one push right after the subscribe
    assert fr["fundingRate"] == 0.0002 == float(v.funding.expected(BTC))
    assert fr["nextFundingTimestamp"] == v.funding.next_time[BTC]


async def test_watch_balance_follows_the_futures_wallet(sb: Sandbox, pro: ccxtpro.bitmart) -> None:
    bal = await asyncio.wait_for(pro.watch_balance({"type": "swap"}), 5)
    assert bal["USDT"]["free"] == float(venue(sb).account(me(sb)).available_balance) == 1_000_000
    update = await started(sb, pro.watch_balance({"type": "swap"}), "futures/asset")
    await pro.create_order(SYM, "limit", "buy", 10, 59000)  # freezes margin and fee
    await asyncio.wait_for(update, 5)

    def usdt() -> tuple[float, float]:
        return pro.balance["swap"]["USDT"]["free"], pro.balance["swap"]["USDT"]["used"]

    def truth() -> tuple[float, float]:
        view = venue(sb).account(me(sb))
        return float(view.available_balance), float(view.frozen_balance)
    await eventually(lambda: usdt() == truth(), lambda: (usdt(), truth()))
    assert 0 < usdt()[1] < 100


async def test_watch_orders_through_their_life(sb: Sandbox, pro: ccxtpro.bitmart) -> None:
    quote(sb)
    orders = await started(sb, pro.watch_orders(SYM), "futures/order")
    o = await pro.create_order(SYM, "limit", "buy", 2, 59000, {"clientOrderId": "proSwap1"})
    [got] = await asyncio.wait_for(orders, 5)
    assert (got["id"], got["clientOrderId"], got["status"], got["side"], got["price"], got["amount"]) == (
        o["id"], "proSwap1", "open", "buy", 59000, 2)
    orders = await started(sb, pro.watch_orders(SYM), "futures/order")
    await pro.cancel_order(o["id"], SYM)
    [got] = await asyncio.wait_for(orders, 5)
    assert (got["id"], got["status"], got["filled"]) == (o["id"], "canceled", 0)
    orders = await started(sb, pro.watch_orders(SYM), "futures/order")
    m = await pro.create_order(SYM, "market", "buy", 3)
    await asyncio.wait_for(orders, 5)

    def cached() -> Any:
        return pro.orders.hashmap[SYM].get(m["id"])
    await eventually(lambda: cached() is not None and cached()["filled"] == 3, lambda: cached())
    assert (cached()["status"], cached()["average"], cached()["side"]) == ("closed", 60100, "buy")


async def test_watch_positions_open_and_close(sb: Sandbox, pro: ccxtpro.bitmart) -> None:
    quote(sb)
    positions = await started(sb, pro.watch_positions([SYM]), "futures/position")
    await pro.create_order(SYM, "market", "buy", 3)
    got = await asyncio.wait_for(positions, 5)
    [p] = held(sb)
    assert [(x["side"], x["contracts"], x["entryPrice"], x["marginMode"]) for x in got] == [
        ("long", float(p.hold_volume), float(p.entry_price), "cross")]
    positions = await started(sb, pro.watch_positions([SYM]), "futures/position")
    await pro.create_order(SYM, "market", "sell", 3, None, {"reduceOnly": True})
    got = await asyncio.wait_for(positions, 5)
    assert [(x["side"], x["contracts"]) for x in got] == [("long", 0)] and held(sb) == []

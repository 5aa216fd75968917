"""ccxt.pro bitmart WebSocket client against the sandbox (only URLs changed)."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import ccxt.pro as ccxtpro
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import make_config, started


@pytest.fixture
async def live() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config(pairs=3, depth_flush_ms=20)) as sb:
        yield sb


@pytest.fixture
async def pro(live: Sandbox) -> AsyncIterator[ccxtpro.bitmart]:
    c = live.credentials
    ex = ccxtpro.bitmart({"apiKey": c.api_key, "secret": c.secret_key, "uid": c.memo})
    ex.urls["api"]["spot"] = live.rest_url
    ex.urls["api"]["swap"] = live.rest_url
    ex.urls["api"]["ws"]["spot"] = {"public": live.ws_public_url, "private": live.ws_private_url}
    try:
        yield ex
    finally:
        await ex.close()


def true_top(live: Sandbox, n: int) -> tuple[list[list[float]], list[list[float]]]:
    bids, asks = live.exchange.depth("BTC_USDT", n)
    return ([[float(p), float(s)] for p, s in bids], [[float(p), float(s)] for p, s in asks])


async def test_watch_order_book_tracks_true_book(live: Sandbox, pro: ccxtpro.bitmart) -> None:
    await pro.load_markets()
    ob = await asyncio.wait_for(pro.watch_order_book("BTC/USDT"), 10)
    bids, asks = true_top(live, 100)
    assert ob["bids"][:100] == bids and ob["asks"][:100] == asks
    live.exchange.step_agents(30)
    for _ in range(20):
        ob = await asyncio.wait_for(pro.watch_order_book("BTC/USDT"), 10)
        bids, asks = true_top(live, 100)
        if ob["bids"][:100] == bids and ob["asks"][:100] == asks:
            break
    assert ob["bids"][:100] == bids and ob["asks"][:100] == asks


class PatchedBitmart(ccxtpro.bitmart):  # type: ignore[misc]
    """ccxt 4.5.70's Python parse_ws_trade reads an unbound `takerOrMaker` unless the push has `m`.

    The documented spot trade push (api §8.4) has no `m` field, so stock ccxt.pro cannot parse real
    spot trades either (see DESIGN.md "Compatibility notes"); this shim only adds `m`.
    """

    def parse_ws_trade(self, trade, market=None):  # type: ignore[no-untyped-def]
        return super().parse_ws_trade({**trade, "m": trade.get("side") == "sell"}, market)


async def _trade_flow(live: Sandbox, pro: ccxtpro.bitmart) -> list:  # type: ignore[type-arg]
    await pro.load_markets()
    task = await started(live, pro.watch_trades("BTC/USDT"), "spot/trade:BTC_USDT")
    best_ask = live.exchange.depth("BTC_USDT", 1)[1][0][0]
    await pro.create_order("BTC/USDT", "limit", "buy", 0.0005, round(float(best_ask) * 1.01, 2))
    return await asyncio.wait_for(task, 3)


async def test_watch_trades(live: Sandbox) -> None:
    c = live.credentials
    pro = PatchedBitmart({"apiKey": c.api_key, "secret": c.secret_key, "uid": c.memo})
    pro.urls["api"]["spot"] = pro.urls["api"]["swap"] = live.rest_url
    pro.urls["api"]["ws"]["spot"] = {"public": live.ws_public_url, "private": live.ws_private_url}
    try:
        trades = await _trade_flow(live, pro)
    finally:
        await pro.close()
    assert trades and trades[-1]["symbol"] == "BTC/USDT" and trades[-1]["side"] == "buy"
    assert trades[-1]["amount"] == 0.0005


@pytest.mark.xfail(strict=True, raises=(asyncio.TimeoutError, TimeoutError),
                   reason="ccxt 4.5.70 python bug: unbound takerOrMaker for documented spot trade pushes")
async def test_watch_trades_stock_ccxt(live: Sandbox, pro: ccxtpro.bitmart) -> None:
    await _trade_flow(live, pro)


async def test_watch_orders(live: Sandbox, pro: ccxtpro.bitmart) -> None:
    await pro.load_markets()
    task = await started(live, pro.watch_orders("BTC/USDT"), "spot/user/order")
    o = await pro.create_order("BTC/USDT", "limit", "buy", 0.01, 50000)
    orders = await asyncio.wait_for(task, 10)
    assert orders[-1]["id"] == o["id"] and orders[-1]["status"] == "open"
    assert orders[-1]["price"] == 50000 and orders[-1]["amount"] == 0.01
    task = asyncio.ensure_future(pro.watch_orders("BTC/USDT"))
    await asyncio.sleep(0.05)
    await pro.cancel_order(o["id"], "BTC/USDT")
    orders = await asyncio.wait_for(task, 10)
    assert orders[-1]["id"] == o["id"] and orders[-1]["status"] == "canceled"

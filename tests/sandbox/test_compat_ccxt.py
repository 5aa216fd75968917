"""ccxt 4.5.70 (REST) against the sandbox with only its URLs changed."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import ccxt.async_support as ccxt_async
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import make_config


@pytest.fixture
async def live() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config(agent_rate=0.0, pairs=5)) as sb:
        yield sb


@pytest.fixture
async def client(live: Sandbox) -> AsyncIterator[ccxt_async.bitmart]:
    c = live.credentials
    ex = ccxt_async.bitmart({"apiKey": c.api_key, "secret": c.secret_key, "uid": c.memo})
    ex.urls["api"] = {"spot": live.rest_url, "swap": live.rest_url}
    try:
        yield ex
    finally:
        await ex.close()


async def test_public_market_data(client: ccxt_async.bitmart) -> None:
    markets = await client.load_markets()
    assert "BTC/USDT" in markets
    m = markets["BTC/USDT"]
    assert m["spot"] and m["precision"]["price"] and m["precision"]["amount"]
    assert m["limits"]["cost"]["min"] == 5
    ob = await client.fetch_order_book("BTC/USDT", 5)
    assert 0 < len(ob["bids"]) <= 5 and ob["bids"][0][0] < ob["asks"][0][0]
    ohlcv = await client.fetch_ohlcv("BTC/USDT", "1m", limit=3)
    assert len(ohlcv) == 3 and ohlcv[0][0] < ohlcv[-1][0]
    assert (await client.fetch_ohlcv("BTC/USDT", "1h", limit=2))[0][0] % 3_600_000 == 0
    t = await client.fetch_ticker("BTC/USDT")
    assert t["bid"] and t["ask"] and t["last"]
    trades = await client.fetch_trades("BTC/USDT", limit=5)
    assert 0 < len(trades) <= 5
    assert abs(await client.fetch_time() - client.milliseconds()) < 5000


async def test_private_order_flow(client: ccxt_async.bitmart) -> None:
    await client.load_markets()
    bal = await client.fetch_balance()
    assert bal["total"]["USDT"] == 1_000_000 and bal["total"]["BTC"] == 100
    ob = await client.fetch_order_book("BTC/USDT", 5)
    below = round(ob["bids"][0][0] * 0.9, 2)
    o = await client.create_order("BTC/USDT", "limit", "buy", 0.01, below)
    assert o["id"]
    got = await client.fetch_order(o["id"], "BTC/USDT")
    assert got["status"] == "open" and got["price"] == below and got["amount"] == 0.01
    assert [x["id"] for x in await client.fetch_open_orders("BTC/USDT")] == [o["id"]]
    bal = await client.fetch_balance()
    assert bal["used"]["USDT"] == pytest.approx(below * 0.01)
    po = await client.create_order("BTC/USDT", "limit", "buy", 0.01, below, {"postOnly": True})
    assert (await client.fetch_order(po["id"], "BTC/USDT"))["status"] == "open"
    # a crossing post-only order is accepted and then cancelled by the system (api §7.4)
    ask = ob["asks"][0][0]
    cross = await client.create_order("BTC/USDT", "limit", "buy", 0.001, ask, {"postOnly": True})
    assert (await client.fetch_order(cross["id"], "BTC/USDT"))["status"] == "canceled"
    await client.cancel_order(o["id"], "BTC/USDT")
    assert (await client.fetch_order(o["id"], "BTC/USDT"))["status"] == "canceled"
    await client.cancel_order(po["id"], "BTC/USDT")
    # take liquidity, then the fills are visible
    taker = await client.create_order("BTC/USDT", "limit", "buy", 0.0005, round(ask * 1.01, 2))
    await asyncio.sleep(0)
    trades = await client.fetch_my_trades("BTC/USDT")
    assert trades and trades[0]["order"] == taker["id"] and trades[0]["takerOrMaker"] == "taker"
    assert trades[0]["fee"]["cost"] > 0
    closed = await client.fetch_closed_orders("BTC/USDT")
    assert taker["id"] in [c["id"] for c in closed]


async def test_errors_map_to_ccxt_exceptions(client: ccxt_async.bitmart) -> None:
    await client.load_markets()
    with pytest.raises(ccxt_async.InsufficientFunds):
        await client.create_order("BTC/USDT", "limit", "buy", 1000, 50000)
    with pytest.raises(ccxt_async.OrderNotFound):
        await client.fetch_order("999999", "BTC/USDT")
    client.secret = "0" * 64
    with pytest.raises(ccxt_async.AuthenticationError):
        await client.create_order("BTC/USDT", "limit", "buy", 0.01, 50000)

"""The futures stream recordings (cassettes/ws/ws_futures_*.jsonl, recorded from the venue by
scripts/record_ws_frames.py) replayed through the connector's own streams (`PerpStreams`) over a loopback socket.

The replay server checks every frame the connector sends against the recording (subscribe topics, the `access`
login before the private subscriptions) and answers `{"action":"ping"}`. What comes out is checked against the
recorded frames read independently here: the book rebuilt from the snapshot and its versioned updates, every
trade oldest first with its taker side from `m`, the ticker's mark and index, the funding rate, and on the
private socket our fill (fee charged positive), the position and the balance, sizes in base units.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

from pydantic import SecretStr

from host_spec import BalanceEvent, OrderState, PositionMode, Side, TradingPair

from bitmart_plugin.perp.parse_account import PositionUpdate
from bitmart_plugin.perp.parse_orders import FuturesOrder
from bitmart_plugin.perp.streams import PerpStreams

from ..ws_replay import LoopbackServer, load_cassette
from .helpers import RATES, listing

BTC = TradingPair("BTC", "USDT")
SIZE = D("0.001")  # BTCUSDT's contract size, at the venue and in the listing
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "open_timeout": 2.0}
PUBLIC = "ws_futures_public_book_trade_ticker_funding.jsonl"
PRIVATE = "ws_futures_private_order_position_asset.jsonl"


def pushes(script: list[dict[str, Any]], channel: str) -> list[Any]:
    """The `data` of every recorded push whose group starts with `channel`, in order."""
    return [s["data"]["data"] for s in script
            if s["dir"] == "recv" and str(s["data"].get("group", "")).startswith(channel) and "data" in s["data"]]


def rebuilt_book(frames: list[dict[str, Any]], depth: int) -> tuple[list[tuple[D, D]], list[tuple[D, D]]]:
    """The book the recorded depthIncrease frames describe: the snapshot, then each update (vol 0 removes)."""
    sides: dict[str, dict[D, D]] = {"bids": {}, "asks": {}}
    for frame in frames:
        if frame["type"] == "snapshot":
            sides = {"bids": {}, "asks": {}}
        for name in sides:
            for level in frame[name]:
                price, vol = D(level["price"]), D(level["vol"])
                if vol:
                    sides[name][price] = vol * SIZE
                else:
                    sides[name].pop(price, None)
    bids = sorted(sides["bids"].items(), reverse=True)[:depth]
    return bids, sorted(sides["asks"].items())[:depth]


async def until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"{what} not reached"
        await asyncio.sleep(0.01)


async def collect(stream: Any, into: list[Any]) -> None:
    async for item in stream:
        into.append(item)


async def test_public_recording_through_the_perp_streams() -> None:
    script = load_cassette(PUBLIC)
    depth, trade_pushes = pushes(script, "futures/depthIncrease50"), pushes(script, "futures/trade")
    tickers, rates = pushes(script, "futures/ticker"), pushes(script, "futures/fundingRate")
    contracts = listing()
    async with LoopbackServer([script]) as srv:
        url = srv.url.replace("/api", "/futures/api")
        streams = PerpStreams(url, url, contracts=lambda: contracts, **FAST)
        got: dict[str, list[Any]] = {"book": [], "trades": [], "tickers": [], "funding": []}
        makers = {"book": lambda: streams.order_book(BTC, 20), "trades": lambda: streams.trades(BTC),
                  "tickers": lambda: streams.tickers(BTC), "funding": lambda: streams.funding(BTC)}
        tasks = []
        try:
            for name, make in makers.items():  # started one after the other, as when recorded
                tasks.append(asyncio.create_task(collect(make(), got[name])))
                await until(lambda: bool(got[name]), name)
            await until(lambda: got["book"][-1].sequence == depth[-1]["version"], "the last recorded book version")
            await until(lambda: len(got["trades"]) == sum(map(len, trade_pushes)), "every recorded trade")
            await until(lambda: len(got["tickers"]) == len(tickers), "every recorded ticker")
            await until(lambda: got["funding"][-1].rate == D(rates[-1]["fundingRate"]), "the last funding rate")
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await streams.close()
    view = got["book"][-1]
    bids, asks = rebuilt_book(depth, 20)
    assert (list(view.bids), list(view.asks)) == (bids, asks) and bids and asks
    want = [(t["trade_id"], D(t["deal_price"]), D(t["deal_vol"]) * SIZE, Side.SELL if t["m"] else Side.BUY)
            for push in trade_pushes for t in reversed(push)]  # newest first on the wire
    assert [(t.trade_id, t.price, t.amount, t.taker_side) for t in got["trades"]] == want
    assert {t.taker_side for t in got["trades"]} == {Side.BUY, Side.SELL}
    last = got["tickers"][-1]
    assert (last.mark_price, last.index_price) == (D(tickers[-1]["mark_price"]), D(tickers[-1]["index_price"]))
    info = got["funding"][-1]
    assert (info.rate, info.next_funding_ms) == (D(rates[-1]["fundingRate"]), rates[-1]["nextFundingTime"])
    assert (info.mark_price, info.index_price) == (last.mark_price, last.index_price)
    assert srv.sent_ops(0, "subscribe") == [[s["data"]["args"][0]] for s in script
                                            if s["dir"] == "send" and s["data"]["action"] == "subscribe"]


async def test_private_recording_through_the_perp_streams() -> None:
    script = load_cassette(PRIVATE)
    orders, positions, assets = pushes(script, "futures/order"), pushes(script, "futures/position"), pushes(
        script, "futures/asset")
    fill_push = next(e["order"] for push in orders for e in push if e["order"]["last_trade"])
    contracts = listing()
    async with LoopbackServer([script]) as srv:
        url = srv.url.replace("/api", "/futures/user")
        streams = PerpStreams(url, url, contracts=lambda: contracts, position_mode=lambda: PositionMode.HEDGE,
                              fee_rates=lambda: RATES, api_key=SecretStr("k3y"), secret_key=SecretStr("s3cr3t"),
                              memo=SecretStr("m3mo"), **FAST)
        events: list[Any] = []
        task = asyncio.create_task(collect(streams.private_events(), events))
        try:
            await until(lambda: sum(isinstance(e, BalanceEvent) for e in events) == len(assets)
                        and sum(isinstance(e, FuturesOrder) for e in events) == sum(map(len, orders)), "every push")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await streams.close()
        access = srv.received[0][0]
    assert '"action":"access"' in access.replace(" ", "") and "s3cr3t" not in access and "m3mo" not in access
    fill = next(e.fill for e in events if isinstance(e, FuturesOrder) and e.fill is not None)
    trade = fill_push["last_trade"]
    assert (fill.trade_id, fill.price, fill.amount, fill.fee) == (
        str(trade["lastTradeID"]), D(trade["fillPrice"]), D(trade["fillQty"]) * SIZE, -D(trade["fee"]))
    assert fill.fee > 0 and fill.client_order_id == fill_push["client_order_id"]
    states = [(e.client_order_id, e.state) for e in events if isinstance(e, FuturesOrder)]
    assert (fill_push["client_order_id"], OrderState.FILLED) in states and states[-1][1] is OrderState.CANCELED
    (position,) = [e for e in events if isinstance(e, PositionUpdate)]
    assert position.amount == D(positions[-1][0]["hold_volume"]) * SIZE and position.pair == BTC
    balance = [e for e in events if isinstance(e, BalanceEvent)][-1]
    assert (balance.asset, balance.available) == ("USDT", D(assets[-1]["available_balance"]))

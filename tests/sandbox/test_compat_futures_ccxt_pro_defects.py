"""ccxt.pro 4.5.70 swap WebSocket defects (bitmart_futures.md §7.2-6/7/12, C7, and un-watch), each shown
twice against the sandbox: a STRICT xfail asserting what a correct client reports, and a raw-socket test
(plain ``websockets``, BitMart's wire protocol) proving the venue pushes the right facts."""
from __future__ import annotations

import asyncio
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .compat_futures import BTC, MARK, SYM, eventually, held, me, quote, venue
from .compat_futures import fast_pro, sb  # noqa: F401  (pytest fixtures)
from .conftest import started
from .futures.ws_fixture import Server, connect, group_is, recv, recv_until, send

pytestmark = pytest.mark.e2e
ORDER, POSITION, ASSET, TICKER = "futures/order", "futures/position", "futures/asset:USDT", f"futures/ticker:{BTC}"


def pro_bug(reason: str) -> Any:
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"ccxt.pro 4.5.70: {reason}")


@pytest.fixture(autouse=True)
async def maker_offers_two(sb: Sandbox) -> None:
    quote(sb, size=2)  # 2 contracts at 59900 and at 60100


async def private_socket(sb: Sandbox, ws: Any, *topics: str) -> None:
    """Log in on the futures private socket and subscribe ``topics`` (acks and first rows consumed)."""
    await ws.send(Server(sb).access())
    assert (await recv(ws))["success"] is True
    await send(ws, "subscribe", *topics)
    for topic in topics:
        await recv_until(ws, lambda m, t=topic: m.get("group") == t and m.get("success") is True)


async def pro_partial_fill(sb: Sandbox, pro: ccxtpro.bitmart) -> dict[str, Any]:
    """A limit buy of 5 that takes the maker's 2 and rests 3; returns ccxt.pro's cached order after the fill."""
    orders = await started(sb, pro.watch_orders(SYM), "futures/order")
    o = await pro.create_order(SYM, "limit", "buy", 5, 60100)
    await asyncio.wait_for(orders, 5)

    def cached() -> Any:
        return pro.orders.hashmap[SYM].get(o["id"])
    await eventually(lambda: cached() is not None and cached()["filled"], "no fill push")  # after the submit push
    return dict(cached())


# -- order status from `action`: a partial fill (action 1) reads "closed" (§7.2-12) -------------------
@pro_bug("watch_orders takes the status from action, so a partial fill (action 1) is 'closed'")
async def test_partial_fill_status(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    got = await pro_partial_fill(sb, fast_pro)
    assert (got["status"], got["filled"], got["remaining"]) == ("open", 2, 3)


# -- fee sign passed through: WS last_trade.fee is negative when charged (C7) ------------------------
@pro_bug("watch_orders passes last_trade.fee through, so a charged fee has a negative cost")
async def test_order_fee_cost(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    got = await pro_partial_fill(sb, fast_pro)
    assert got["fee"]["cost"] == pytest.approx(0.0006 * 2 * 0.001 * 60100)


async def test_raw_partial_fill_push(sb: Sandbox) -> None:
    async with connect(Server(sb).private_url) as ws:
        await private_socket(sb, ws, ORDER)
        o = venue(sb).submit_order(me(sb), BTC, 1, 5, price="60100", type="limit")
        fill = await recv_until(ws, lambda m: group_is(ORDER)(m) and m["data"][0]["action"] == 1)
    order = fill["data"][0]["order"]
    assert (order["order_id"], order["state"], order["deal_size"], order["size"]) == (o.order_id, 2, "2", "5")
    [f] = venue(sb).fills_of(me(sb), BTC)
    assert float(order["last_trade"]["fee"]) == -float(f.fee) < 0  # negative = charged (REST paid_fees > 0)
    assert venue(sb).order(me(sb), o.order_id).state == "partially_filled"


# -- WS position markPrice = hold_avg_price (§7.2-12) ------------------------------------------------
@pro_bug("watch_positions reports hold_avg_price (the entry) as markPrice")
async def test_position_mark_price(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    positions = await started(sb, fast_pro.watch_positions([SYM]), "futures/position")
    await fast_pro.create_order(SYM, "market", "buy", 2)
    [p] = await asyncio.wait_for(positions, 5)
    assert (p["entryPrice"], p["markPrice"]) == (60100, float(MARK))


async def test_raw_position_and_ticker_pushes(sb: Sandbox) -> None:
    srv = Server(sb)
    async with connect(srv.private_url) as priv, connect(srv.public_url) as pub:
        await private_socket(sb, priv, POSITION)
        venue(sb).submit_order(me(sb), BTC, 1, 2, type="market")
        rows = (await recv_until(priv, lambda m: group_is(POSITION)(m) and m["data"]))["data"]
        await send(pub, "subscribe", TICKER)
        ticker = (await recv_until(pub, lambda m: str(m.get("group", "")).startswith(TICKER) and "data" in m))["data"]
    [p] = held(sb)
    assert [(r["position_type"], r["hold_volume"], r["hold_avg_price"]) for r in rows] == [(1, "2", "60100")]
    assert float(p.entry_price) == 60100
    assert (ticker["mark_price"], ticker["volume_24"]) == (str(MARK), "2")  # the mark lives on the ticker


# -- WS ticker: volume_24 (contracts) becomes quoteVolume (§7.2-7) -----------------------------------
@pro_bug("watch_ticker puts volume_24 (contracts) into quoteVolume")
async def test_ticker_quote_volume(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    await fast_pro.create_order(SYM, "market", "buy", 2)
    t = await asyncio.wait_for(fast_pro.watch_ticker(SYM), 5)
    assert t["quoteVolume"] == pytest.approx(2 * 0.001 * 60100)


# -- WS balance total = available + frozen, without position margin (§7.2-6) -------------------------
@pro_bug("watch_balance(type swap) total is available + frozen, without position_deposit")
async def test_balance_total(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    await asyncio.wait_for(fast_pro.watch_balance({"type": "swap"}), 5)
    update = await started(sb, fast_pro.watch_balance({"type": "swap"}), "futures/asset")
    await fast_pro.create_order(SYM, "market", "buy", 2)
    await asyncio.wait_for(update, 5)
    view = venue(sb).account(me(sb))

    def usdt() -> Any:
        return fast_pro.balance["swap"]["USDT"]  # replaced by every push
    await eventually(lambda: usdt()["free"] == float(view.available_balance), lambda: (usdt(), view))
    assert usdt()["total"] == float(view.available_balance + view.frozen_balance + view.position_deposit)


async def test_raw_asset_push_has_position_deposit(sb: Sandbox) -> None:
    async with connect(Server(sb).private_url) as ws:
        await private_socket(sb, ws, ASSET)
        venue(sb).submit_order(me(sb), BTC, 1, 2, type="market")
        push = await recv_until(ws, lambda m: group_is(ASSET)(m) and m["data"]["position_deposit"] != "0")
    view = venue(sb).account(me(sb))
    assert float(push["data"]["position_deposit"]) == float(view.position_deposit) == 2 * 0.001 * 60100 / 20
    assert float(push["data"]["available_balance"]) == float(view.available_balance)


# -- un-watch never resolves: the ack resolves "ticker:<symbol>", un_watch waits on "ticker::<symbol>" ----
@pytest.mark.xfail(strict=True, raises=(asyncio.TimeoutError, TimeoutError),
                   reason="ccxt.pro 4.5.70: swap un_watch_* waits on a message hash its ack handler never resolves")
async def test_un_watch_ticker(sb: Sandbox, fast_pro: ccxtpro.bitmart) -> None:
    await asyncio.wait_for(fast_pro.watch_ticker(SYM), 5)
    assert await asyncio.wait_for(fast_pro.un_watch_ticker(SYM), 2) is True


async def test_raw_unsubscribe_ack_names_the_topic(sb: Sandbox) -> None:
    assert sb.futures_ws is not None
    async with connect(sb.futures_ws_public_url) as ws:
        await send(ws, "subscribe", TICKER)
        await recv_until(ws, lambda m: m.get("action") == "subscribe")
        await send(ws, "unsubscribe", TICKER)
        ack = await recv_until(ws, lambda m: m.get("action") == "unsubscribe")
        assert ack == {"action": "unsubscribe", "group": TICKER, "success": True,
                       "request": {"action": "unsubscribe", "args": [TICKER]}}
        assert sb.futures_ws.public.topics.subs == {}  # the venue stopped the stream

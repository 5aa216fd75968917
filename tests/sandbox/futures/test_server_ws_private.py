"""Futures private WS over real sockets: access login (good, bad sign/key/time), authentication errors,
and the order/position/asset pushes of fills and cancels, shaped as the real captures."""
from __future__ import annotations

import json
import time

import pytest
import websockets

from .ws_fixture import BTC, connect, fixture, group_is, recv, recv_until, same_shape, send, serve

ORDER, POSITION, ASSET = "futures/order", "futures/position", "futures/asset:USDT"


async def login(srv, ws, *topics: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Access, subscribe ``topics``; returns the pushes that came among the acks."""
    await ws.send(srv.access())
    assert await recv(ws) == fixture("ws_private/access_ok_doc.json")
    pushes, acks = [], 0
    if topics:
        await send(ws, "subscribe", *topics)
        while acks < len(topics):
            m = await recv(ws)
            if "success" in m:
                assert m["success"] is True and m["group"] == topics[acks]
                acks += 1
            else:
                pushes.append(m)
    return pushes


async def test_access_failures_answer_and_close() -> None:
    async with serve() as srv:
        stale = str(int(time.time() * 1000) - 120_000)
        for bad in (srv.access(sign="0" * 64), srv.access(key="880d5edecsffffffff"), srv.access(ts=stale),
                    json.dumps({"action": "access", "args": [srv.cred.api_key]})):
            async with connect(srv.private_url) as ws:
                await ws.send(bad)
                m = await recv(ws)
                assert m["action"] == "access" and m["success"] is False
                assert m["error"].startswith("access failed: openapi auth: apiKey ") and "****" in m["error"]
                with pytest.raises(websockets.ConnectionClosed):
                    await recv(ws)
        async with connect(srv.private_url) as ws:
            await ws.send(srv.access(key="880d5edecsffffffff"))
            assert await recv(ws) == fixture("ws_private/access_fail_doc.json")


async def test_private_topics_need_access() -> None:
    async with serve() as srv, connect(srv.private_url) as ws:
        await send(ws, "subscribe", ORDER)
        assert await recv(ws) == fixture("ws_private/subscribe_need_auth_doc.json")
        await send(ws, "subscribe", "futures/trade:BTCUSDT")  # public topics live on the public path
        assert (await recv(ws))["error"] == "group [futures/trade:BTCUSDT] not exist"
        rows = {m["data"]["currency"]: m
                for m in await login(srv, ws, "futures/asset:USDT", "futures/asset:BTC", "futures/asset:ETH")}
        m = await recv(ws)
        rows[m["data"]["currency"]] = m
        assert [m["group"] for m in rows.values()] == [f"futures/asset:{c}" for c in ("USDT", "BTC", "ETH")]
        same_shape(rows["USDT"]["data"], fixture("ws_private/asset_live_ccxt.json")["data"])
        assert rows["BTC"]["data"]["available_balance"] == "0"
        assert rows["USDT"]["data"]["available_balance"] == "1000000"


async def test_fill_pushes_order_position_and_asset() -> None:
    async with serve() as srv, connect(srv.private_url) as ws:
        await login(srv, ws, ORDER, POSITION, ASSET)
        assert (await recv(ws))["group"] == ASSET  # the row sent on subscribe
        srv.venue.submit_order("maker", BTC, 4, 3, price="60000")
        o = srv.venue.submit_order(srv.cred.account_id, BTC, 1, 3, price="60000", client_order_id="abc1")
        ref = fixture("ws_private/order_doc.json")["data"][0]
        submit = await recv_until(ws, group_is(ORDER))
        assert len(submit["data"]) == 1
        same_shape(submit["data"][0], ref)
        same_shape(submit["data"][0]["order"], ref["order"])
        e = submit["data"][0]
        assert (e["action"], e["order"]["state"], e["order"]["last_trade"]) == (2, 2, None)
        assert e["order"]["order_id"] == o.order_id and e["order"]["client_order_id"] == "abc1"
        fill = await recv_until(ws, group_is(ORDER))
        e = fill["data"][0]
        assert (e["action"], e["order"]["state"], e["order"]["deal_size"]) == (1, 4, "3")
        lt = e["order"]["last_trade"]
        same_shape(lt, fixture("ws_private/order_last_trade_live_ccxt.json"))
        assert lt["fee"] == "-0.108" and lt["fillPrice"] == "60000"  # 3 × 0.001 × 60000 × 0.0006, negative (C7)
        pos = await recv_until(ws, group_is(POSITION))
        same_shape(pos["data"][0], fixture("ws_private/position_doc.json")["data"][0])
        assert [(r["position_type"], r["hold_volume"], r["open_type"], r["liquidate_price"]) for r in pos["data"]] == \
            [(1, "3", 2, "0")]  # long, cross: liquidate_price "0" (C18)
        asset = await recv_until(ws, group_is(ASSET))
        view = srv.venue.account(srv.cred.account_id)
        assert asset["data"]["position_deposit"] == format(view.position_deposit.normalize(), "f")


async def test_cancel_pushes_action_3() -> None:
    async with serve() as srv, connect(srv.private_url) as ws:
        await login(srv, ws, ORDER, ASSET)
        assert (await recv(ws))["group"] == ASSET
        o = srv.venue.submit_order(srv.cred.account_id, BTC, 1, 2, price="50000")
        srv.venue.cancel_order(srv.cred.account_id, order_id=o.order_id)
        await recv_until(ws, group_is(ORDER))
        m = await recv_until(ws, group_is(ORDER))
        e = m["data"][0]
        assert (e["action"], e["order"]["state"], e["order"]["last_trade"]) == (3, 4, None)
        frozen = await recv_until(ws, lambda m: group_is(ASSET)(m) and m["data"]["frozen_balance"] == "0")
        assert frozen["data"]["available_balance"] == "1000000"


async def test_approval_state_and_batching_switches() -> None:
    async with serve(emit_approval_state=True, batch_order_events=True) as srv, connect(srv.private_url) as ws:
        await login(srv, ws, ORDER)
        srv.venue.submit_order("maker", BTC, 4, 1, price="60000")
        srv.venue.submit_order("maker", BTC, 4, 1, price="60010")
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 2, type="market")
        m = await recv_until(ws, group_is(ORDER))
        assert [(e["action"], e["order"]["state"]) for e in m["data"]] == [(2, 1), (1, 2), (1, 4)]
        assert m["data"][0]["order"]["type"] == "market" and m["data"][0]["order"]["price"] == "60000"


async def test_position_timer_repeats_open_rows() -> None:
    async with serve(position_push_s=0.2) as srv, connect(srv.private_url) as ws:
        await login(srv, ws, POSITION)
        assert (await recv_until(ws, group_is(POSITION)))["data"] == []  # nothing held: still a message
        srv.venue.submit_order("maker", BTC, 1, 2, price="60000")
        srv.venue.submit_order(srv.cred.account_id, BTC, 4, 2, price="60000")
        await recv_until(ws, group_is(POSITION))  # the change
        timed = await recv_until(ws, group_is(POSITION))
        assert [(r["position_type"], r["hold_volume"]) for r in timed["data"]] == [(2, "2")]

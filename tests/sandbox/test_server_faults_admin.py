"""Faults (REST and WebSocket) and the admin API."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import Signer, admin, make_config, recv_until


async def test_admin_views(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    assert (await admin(http, sandbox, "GET", "/book?symbol=BTC_USDT", token="bad"))[0] == 401
    _, _, r = await signer.post("/spot/v2/submit_order", {"symbol": "BTC_USDT", "side": "buy", "type": "limit",
                                                           "size": "0.01", "price": "59000"})
    oid = r["data"]["order_id"]
    st, book = await admin(http, sandbox, "GET", "/book?symbol=BTC_USDT")
    lvl = [x for x in book["bids"] if x["price"] == "59000"][0]
    assert lvl["orders"][-1]["order_id"] == oid
    st, orders = await admin(http, sandbox, "GET", f"/orders?account={sandbox.credentials.account_id}")
    assert [o["order_id"] for o in orders["orders"]] == [oid]
    st, bal = await admin(http, sandbox, "GET", "/balances")
    assert bal["balances"]["USDT"]["frozen"] == "590"
    st, acct = await admin(http, sandbox, "POST", "/accounts", {"memo": "m2", "balances": {"USDT": "10"}})
    assert len(acct["api_key"]) == 40
    st, ag = await admin(http, sandbox, "POST", "/agents", {"rate": 3})
    assert (ag["rate"], ag["paused"]) == (3.0, False)
    assert isinstance(ag["actions"], int) and isinstance(ag["futures_actions"], int)  # performed by the timer
    assert (await admin(http, sandbox, "POST", "/agents/pause"))[1]["paused"] is True


async def test_rest_faults(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    await admin(http, sandbox, "POST", "/faults", {"http_5xx": 1, "burst_429": 1})
    async with http.get(sandbox.rest_url + "/system/time") as r:
        assert (r.status, (await r.json())["code"]) == (503, 30014)
    async with http.get(sandbox.rest_url + "/system/time") as r:
        assert (r.status, (await r.json())["code"]) == (429, 30013)
    async with http.get(sandbox.rest_url + "/system/time") as r:
        assert r.status == 200
    await admin(http, sandbox, "POST", "/faults", {"lose_response": 1})
    with pytest.raises(aiohttp.ClientError):
        await signer.post("/spot/v2/submit_order", {"symbol": "BTC_USDT", "side": "buy", "type": "limit",
                                                    "size": "0.01", "price": "59000", "client_order_id": "lost1"})
    # the order was executed even though the answer was lost
    st, _, b = await signer.post("/spot/v4/query/client-order", {"clientOrderId": "lost1"})
    assert b["data"]["state"] == "new"
    st, f = await admin(http, sandbox, "GET", "/faults")
    assert f["fired"] == {"http_5xx": 1, "burst_429": 1, "lose_response": 1}


async def test_ws_faults() -> None:
    async with Sandbox(make_config(pairs=2, depth_flush_ms=10)) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/depth/increase100:BTC_USDT"]}))
            snap = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table"))
            v = snap["data"][0]["version"]
            await admin(http, sb, "POST", "/faults", {"depth_gap": "BTC_USDT:1"})
            sb.exchange.step_agents(50)
            u = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table"))
            assert u["data"][0]["version"] == v + 2
            await admin(http, sb, "POST", "/faults", {"depth_dup": "BTC_USDT"})
            sb.exchange.step_agents(50)
            a = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table"))
            b = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table"))
            assert a == b
            await admin(http, sb, "POST", "/faults", {"stall_ws": "public"})
            await ws.send_str("ping")
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(timeout=0.3)
            await admin(http, sb, "POST", "/faults", {"drop_ws": "public"})
            assert (await ws.receive(timeout=3)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await admin(http, sb, "POST", "/faults", {"push_delay_ms": 300})
        async with http.ws_connect(sb.ws_public_url) as ws:
            t0 = asyncio.get_running_loop().time()
            await ws.send_str("ping")
            assert (await ws.receive(timeout=3)).data == "pong"
            assert asyncio.get_running_loop().time() - t0 >= 0.28

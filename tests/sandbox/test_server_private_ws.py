"""Private WebSocket: login errors, 91006 before login, order and balance pushes with every field."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.signing import ws_login_sign

from .conftest import Signer, recv_until

ORDER_FIELDS = {"symbol", "side", "type", "notional", "size", "ms_t", "price", "filled_notional", "filled_size",
                "margin_trading", "state", "order_id", "order_type", "last_fill_time", "last_fill_price",
                "last_fill_count", "exec_type", "detail_id", "client_order_id", "create_time", "update_time",
                "order_mode", "entrust_type", "order_state", "dealFee", "deal_fee_coin_name"}


def login_args(sb: Sandbox, ts: int | None = None, secret: str | None = None) -> list[str]:
    c = sb.credentials
    t = str(ts if ts is not None else int(time.time() * 1000))
    return [c.api_key, t, ws_login_sign(secret or c.secret_key, t, c.memo)]


@pytest.mark.parametrize("mutate,code", [
    (lambda a: ["", a[1], a[2]], "91001"), (lambda a: ["e" * 40, a[1], a[2]], "91002"),
    (lambda a: [a[0], "", a[2]], "91021"), (lambda a: [a[0], "x", a[2]], "91023"),
    (lambda a: [a[0], str(int(a[1]) - 120_000), a[2]], "91022"), (lambda a: [a[0], a[1], ""], "91010"),
    (lambda a: [a[0], a[1], "0" * 64], "91011"),
])
async def test_login_errors_close(sandbox: Sandbox, http: aiohttp.ClientSession, mutate, code) -> None:  # type: ignore[no-untyped-def]
    async with http.ws_connect(sandbox.ws_private_url) as ws:
        await ws.send_str(json.dumps({"op": "login", "args": mutate(login_args(sandbox))}))
        m = await recv_until(ws, lambda m: True)
        assert m["event"] == "login" and m["errorCode"] == code
        assert (await ws.receive(timeout=3)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_private_flow(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    async with http.ws_connect(sandbox.ws_private_url) as ws:
        await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/user/order:BTC_USDT"]}))
        m = await recv_until(ws, lambda m: True)
        assert m["errorCode"] == "91006"
        await ws.send_str(json.dumps({"op": "login", "args": login_args(sandbox)}))
        assert await recv_until(ws, lambda m: True) == {"event": "login"}
        await ws.send_str(json.dumps({"op": "subscribe", "args": [
            "spot/user/order:BTC_USDT", "spot/user/orders:ALL_SYMBOLS", "spot/user/balance:BALANCE_UPDATE"]}))
        for _ in range(3):
            assert "topic" in await recv_until(ws, lambda m: True)
        ask = sandbox.exchange.depth("BTC_USDT", 1)[1][0][0]
        st, _, b = await signer.post("/spot/v2/submit_order", {
            "symbol": "BTC_USDT", "side": "buy", "type": "ioc", "size": "0.0005", "price": str(ask * 2),
            "client_order_id": "cid42"})
        assert st == 200
        one = await recv_until(ws, lambda m: m.get("table") == "spot/user/order"
                               and m["data"][0]["order_state"] == "filled")
        allsym = await recv_until(ws, lambda m: m.get("table") == "spot/user/orders"
                                  and m["data"][0]["order_state"] == "filled")
        o = one["data"][0]
        assert set(o) == ORDER_FIELDS and all(isinstance(v, str) for v in o.values())
        assert o == allsym["data"][0]
        assert (o["entrust_type"], o["order_type"], o["state"], o["client_order_id"]) == ("IOC", "3", "6", "cid42")
        assert o["exec_type"] == "T" and o["detail_id"] and o["deal_fee_coin_name"] == "BTC"
        assert o["last_fill_count"] == "0.00050" and o["notional"] == ""
        bal = await recv_until(ws, lambda m: m.get("table") == "spot/user/balance")
        d = bal["data"][0]
        assert d["event_type"] == "TRANSACTION_COMPLETED" and isinstance(d["event_time"], str)
        assert {x["ccy"] for x in d["balance_details"]} >= {"USDT"}
        await ws.send_str(json.dumps({"op": "login", "args": login_args(sandbox)}))
        m = await recv_until(ws, lambda m: m.get("event") == "login")
        assert m["errorCode"] == "91005"

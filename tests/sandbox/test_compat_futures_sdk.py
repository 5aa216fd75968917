"""BitMart's official Python SDK (bitmart-python-sdk-api) against the sandbox's futures venue, only the
URLs changed (bitmart_futures.md §8.3): APIContract REST, public and private, and FuturesSocketClient
public subscriptions and private login with order and position pushes. Checked against the venue."""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any, Callable

import pytest
from bitmart.api_contract import APIContract
from bitmart.lib.cloud_exceptions import APIException
from bitmart.websocket.futures_socket_client import FuturesSocketClient

from bitmart_plugin.sandbox.server import Sandbox, run_sandbox_in_thread

from .compat_futures import BTC, MAKER, MARK, futures_config, held, me, order_of, quote, venue
from .compat_futures import sb  # noqa: F401  (pytest fixture)
from .sdk_daemon_ping import DaemonPing

pytestmark = pytest.mark.e2e


def contract_api(sb: Sandbox) -> APIContract:
    c = sb.credentials
    return APIContract(api_key=c.api_key, secret_key=c.secret_key, memo=c.memo, url=sb.futures_rest_url,
                       timeout=(3, 5))


async def call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run one blocking SDK call off the loop (the sandbox shares it); returns the body after checking its code."""
    body, _ = await asyncio.to_thread(lambda: fn(*args, **kw))
    assert body["code"] == 1000, body
    return body.get("data")


async def test_sdk_public_endpoints(sb: Sandbox) -> None:
    api, v = contract_api(sb), venue(sb)
    quote(sb)
    v.submit_order(me(sb), BTC, 1, 3, type="market")  # one trade for klines and market-trade
    v.refresh_marks(v.clock.now_ms())
    body, limits = await asyncio.to_thread(api.get_details, BTC)
    assert limits["Mode"] == "IP" and int(limits["Limit"]) > 0  # the SDK reads X-BM-RateLimit-* headers
    [row] = body["data"]["symbols"]
    assert (row["symbol"], row["contract_size"], row["status"], row["last_price"]) == (BTC, "0.001", "Trading", "60100")
    depth = await call(api.get_depth, BTC)
    bids, asks = v.depth(BTC)
    assert [(Decimal(p), Decimal(q)) for p, q, _ in depth["bids"]] == bids
    assert [(Decimal(p), Decimal(q)) for p, q, _ in depth["asks"]] == asks
    assert (await call(api.get_open_interest, BTC))["open_interest"] == "3" == str(v.open_interest(BTC))
    fr = await call(api.get_funding_rate, BTC)
    assert (Decimal(fr["expected_rate"]), fr["funding_time"]) == (v.funding.expected(BTC), v.funding.next_time[BTC])
    now = int(time.time())
    [k] = await call(api.get_kline, BTC, 1, now - 120, now + 60)
    assert (k["open_price"], k["close_price"], k["volume"], k["timestamp"] % 60) == ("60100", "60100", "3", 0)
    marks = await call(api.get_mark_price_kline, BTC, 1, now - 120, now + 60)
    assert marks[-1]["close_price"] == str(MARK) and marks[-1]["volume"] == "0"
    v.settle_funding(v.clock.now_ms(), BTC, force=True)
    [h] = (await call(api.get_fund_rate_history, BTC, 10))["list"]
    assert Decimal(h["funding_rate"]) == v.funding.last_rate[BTC]
    [rules] = (await call(api.get_leverage_bracket, BTC))["rules"]
    brackets = v.engine.contracts[BTC].brackets
    assert [b["maint_margin_ratio"] for b in rules["brackets"]] == [str(b.maint_margin_ratio) for b in brackets]
    [t] = await call(api.get_market_trade, BTC, 10)
    assert (t["price"], t["qty"], t["is_buyer_maker"]) == ("60100", "0.003", False)  # qty in base coin


async def test_sdk_private_account_and_orders(sb: Sandbox) -> None:
    api, v, acct = contract_api(sb), venue(sb), me(sb)
    fee = await call(api.get_trade_fee_rate, BTC)
    assert (fee["taker_fee_rate"], fee["maker_fee_rate"]) == ("0.0006", "0.0002")
    usdt = (await call(api.get_assets_detail))[0]
    assert (usdt["currency"], Decimal(usdt["available_balance"])) == ("USDT", v.account(acct).available_balance)
    assert (await call(api.get_position_mode))["position_mode"] == "hedge_mode"
    assert (await call(api.post_set_position_mode, "one_way_mode"))["position_mode"] == "one_way_mode"
    assert v.accounts.mode(acct) == "one_way_mode"
    await call(api.post_set_position_mode, "hedge_mode")
    lev = await call(api.post_submit_leverage, BTC, "isolated", "10")
    assert (lev["leverage"], lev["open_type"]) == ("10", "isolated") and v.accounts.settings[(acct, BTC)] == (
        10, "isolated")
    await call(api.post_submit_leverage, BTC, "cross", "5")
    placed = await call(api.post_submit_order, BTC, client_order_id="sdkSwap1", type="limit", side=1, mode=1,
                        price="59000", size=2)
    oid = str(placed["order_id"])
    assert (order_of(sb, oid).client_order_id, order_of(sb, oid).leverage) == ("sdkSwap1", 5)
    await call(api.post_modify_limit_order, BTC, order_id=int(oid), price="58000", size="3")
    o = await call(api.get_order, BTC, oid)
    assert (o["state"], o["price"], o["size"], o["client_order_id"]) == (2, "58000", "3", "sdkSwap1")
    assert [x["order_id"] for x in await call(api.get_open_order, BTC)] == [oid]
    await call(api.post_cancel_order, BTC, order_id=oid)
    assert order_of(sb, oid).state == "canceled"
    for price in ("57000", "56000"):
        await call(api.post_submit_order, BTC, type="limit", side=1, price=price, size=1)
    await call(api.post_cancel_orders, BTC)
    assert v.engine.open_orders(acct, BTC) == []
    timer = await call(api.post_cancel_all_after, BTC, 10)
    assert timer["result"] is True and timer["cancel_time"] == v.deadlines[(acct, BTC)] // 1000
    with pytest.raises(APIException) as exc:  # the SDK raises on the HTTP error status
        await asyncio.to_thread(api.get_order, BTC, "999")
    assert "40035" in str(exc.value)


async def test_sdk_private_positions_and_history(sb: Sandbox) -> None:
    api, v, acct = contract_api(sb), venue(sb), me(sb)
    quote(sb)
    placed = await call(api.post_submit_order, BTC, type="market", side=1, size=3)
    [p] = held(sb)
    [v1] = await call(api.get_position, BTC)
    assert (v1["position_type"], v1["current_amount"], v1["entry_price"]) == (1, "3", "60100")
    v2 = {r["position_side"]: r for r in await call(api.get_position_v2, BTC)}
    assert (v2["long"]["current_amount"], v2["short"]["current_amount"]) == ("3", "0")
    assert Decimal(v2["long"]["unrealized_pnl"]) == p.unrealized(MARK)
    [risk] = await call(api.get_position_risk, BTC)
    assert risk["symbol"] == BTC
    [fill] = await call(api.get_trades, BTC)
    assert (fill["order_id"], fill["vol"], Decimal(fill["paid_fees"])) == (
        str(placed["order_id"]), "3", v.fills_of(acct)[0].fee)
    ledger = await call(api.get_transaction_history, BTC, 4)
    assert [Decimal(r["amount"]) for r in ledger] == [r.amount for r in v.ledger_of(acct, 4)]
    now = int(time.time())
    [h] = await call(api.get_order_history, BTC, now - 3600, now + 60)
    assert (h["order_id"], h["state"], h["deal_size"]) == (str(placed["order_id"]), 4, "3")


class DaemonPingClient(DaemonPing, FuturesSocketClient):  # type: ignore[misc]
    pass


def wait_for(got: list[Any], pred: Callable[[Any], bool], what: str) -> Any:
    """The first message satisfying ``pred`` (the 5 s bound only turns a missing push into a failure)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for m in list(got):
            if pred(m):
                return m
        time.sleep(0.02)
    raise AssertionError(f"no {what} in {got}")


def test_sdk_futures_socket_public_and_private() -> None:
    handle = run_sandbox_in_thread(futures_config())
    public = private = None
    pub: list[Any] = []
    priv: list[Any] = []
    try:
        v = handle.state.futures
        handle.call(v.fund, MAKER, Decimal(1_000_000))
        handle.call(quote, handle.sandbox)
        public = DaemonPingClient(stream_url=handle.futures_ws_public_url, on_message=pub.append,
                                  reconnection=False)
        public.subscribe(args=[f"futures/depth5:{BTC}", f"futures/ticker:{BTC}"])
        depth = wait_for(pub, lambda m: m.get("group", "").startswith(f"futures/depth5:{BTC}")
                         and m.get("data", {}).get("way") == 1, "bids push")
        bids = handle.call(lambda: v.depth(BTC, 5)[0])
        assert [(Decimal(d["price"]), Decimal(d["vol"])) for d in depth["data"]["depths"]] == bids
        assert wait_for(pub, lambda m: m == {"group": "System", "data": "pong"}, "pong")  # its JSON ping answered
        c = handle.credentials
        private = DaemonPingClient(stream_url=handle.futures_ws_private_url, on_message=priv.append,
                                   reconnection=False, api_key=c.api_key, api_secret_key=c.secret_key,
                                   api_memo=c.memo)
        private.login(timeout=0.2)  # the SDK sleeps this long after sending access
        assert wait_for(priv, lambda m: m.get("action") == "access", "access reply")["success"] is True
        private.subscribe(args=["futures/order", "futures/position"])
        wait_for(priv, lambda m: m.get("group") == "futures/position" and m.get("success"), "position ack")
        api = APIContract(api_key=c.api_key, secret_key=c.secret_key, memo=c.memo, url=handle.futures_rest_url)
        oid = str(api.post_submit_order(BTC, type="market", side=1, size=3)[0]["data"]["order_id"])
        order = wait_for(priv, lambda m: m.get("group") == "futures/order" and "data" in m
                         and m["data"][0]["order"]["state"] == 4, "filled order push")["data"][0]["order"]
        assert (order["order_id"], order["deal_size"], order["deal_avg_price"]) == (oid, "3", "60100")
        rows = wait_for(priv, lambda m: m.get("group") == "futures/position" and bool(m.get("data")), "position push")
        assert [(r["position_type"], r["hold_volume"]) for r in rows["data"]] == [(1, "3")]
        assert handle.call(lambda: [(p.direction, p.hold_volume) for p in held(handle.sandbox)]) == [("long", 3)]
    finally:
        for client in (public, private):
            if client is not None:
                client.stop()
        handle.stop()

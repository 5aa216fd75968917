"""The futures admin API over real sockets: each endpoint changes the venue as a BitMart client then sees it
over REST (assets, details, funding-rate, position-v2, transaction-history, position mode), the views show
the true book, positions, orders and ledger, and every route needs the admin token from loopback."""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bitmart_plugin.sandbox.admin import Admin
from bitmart_plugin.sandbox.futures.admin import ROUTES
from bitmart_plugin.sandbox.server import Sandbox

from ..conftest import Signer, admin
from .rest_helpers import BTC, as_other, ok, public, second_account
from .test_server_ws_private import ASSET, login
from .ws_fixture import Server, connect, group_is, recv_until

pytestmark = pytest.mark.e2e
SUBMIT = "/contract/private/submit-order"


def order(side: int, size: int, price: str, **extra: Any) -> dict[str, Any]:
    return {"symbol": BTC, "side": side, "type": "limit", "size": size, "price": price, **extra}


async def open_long(sb: Sandbox, signer: Signer, size: int = 10, **extra: Any) -> None:
    """The sandbox's account buys ``size`` at 60000 from a second account's resting sell."""
    maker = sb.state.keys.get("b" * 40) or second_account(sb)
    ok(await as_other(signer, maker, SUBMIT, order(4, size, "60000")))
    ok(await signer.post(SUBMIT, order(1, size, "60000", **extra)))


async def usdt(signer: Signer, **kw: Any) -> dict[str, Any]:
    return ok(await signer.get("/contract/private/assets-detail", **kw))[0]  # type: ignore[no-any-return]


async def index_price(http: aiohttp.ClientSession, sb: Sandbox) -> str:
    rows = ok(await public(http, sb, "/contract/public/details", symbol=BTC))["symbols"]
    return str(rows[0]["index_price"])


async def mark_price(signer: Signer) -> str:
    return str(ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))[0]["mark_price"])


async def test_every_route_needs_the_token(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    before = await admin(http, sandbox, "GET", "/futures/wallet")
    for method, path, _ in ROUTES:
        for token in ("", "wrong"):
            status, body = await admin(http, sandbox, method, f"/futures/{path}",
                                       {"symbol": BTC, "amount": "5", "mode": "one_way_mode"}, token=token)
            assert (status, body) == (401, {"error": "bad admin token"}), path
    assert await admin(http, sandbox, "GET", "/futures/wallet") == before
    assert sandbox.state.futures.accounts.mode(sandbox.credentials.account_id) == "hedge_mode"


async def test_a_non_loopback_peer_is_refused(sandbox: Sandbox) -> None:
    """The guard reads the peer address (a real socket cannot come from elsewhere: the server binds loopback)."""
    routes: dict[tuple[str, str], Any] = {}
    app = web.Application()
    Admin(sandbox).register(app)
    for r in app.router.routes():
        routes[(r.method, r.resource.canonical)] = r.handler  # type: ignore[union-attr]
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        ("10.1.2.3", 40000) if name == "peername" else default)
    req = make_mocked_request("POST", "/admin/futures/fund", headers={"X-Admin-Token": sandbox.admin_token},
                              transport=transport)
    resp = await routes[("POST", "/admin/futures/fund")](req)
    assert resp.status == 403


async def test_fund_a_wallet(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    async with connect(sandbox.futures_ws_private_url) as ws:
        await login(Server(sandbox), ws, ASSET)
        assert (await recv_until(ws, group_is(ASSET)))["data"]["available_balance"] == "1000000"
        st, w = await admin(http, sandbox, "POST", "/futures/fund", {"amount": "2500.5"})
        assert st == 200 and (w["account"], w["available_balance"], w["deposited"]) == (
            sandbox.credentials.account_id, "1002500.5", "1002500.5")
        assert (await recv_until(ws, group_is(ASSET)))["data"]["available_balance"] == "1002500.5"  # pushed
    assert (await usdt(signer))["available_balance"] == "1002500.5"
    other = second_account(sandbox, usdt="0")
    assert (await admin(http, sandbox, "POST", "/futures/fund", {"account": other.account_id, "amount": 7}))[0] == 200
    assert (await usdt(signer, key=other.api_key))["available_balance"] == "7"
    for bad in ({"amount": "-1"}, {"amount": "x"}, {}, {"amount": True}):
        st, body = await admin(http, sandbox, "POST", "/futures/fund", bad)
        assert st == 400 and body["error"], bad
    assert (await usdt(signer))["available_balance"] == "1002500.5"


async def test_pin_and_unpin_index_and_mark(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    venue = sandbox.state.futures
    st, got = await admin(http, sandbox, "POST", "/futures/prices", {"symbol": BTC, "index": "61000"})
    # the futures book is empty: the mark re-derived at once is the new index itself
    assert st == 200
    assert (got["index"], got["mark"], got["index_pinned"], got["mark_pinned"]) == ("61000", "61000", True, False)
    venue.tick()  # a clock tick keeps the pinned index
    assert await index_price(http, sandbox) == "61000"
    assert await mark_price(signer) == "61000"
    got = (await admin(http, sandbox, "POST", "/futures/prices", {"symbol": BTC, "mark": 60500.5}))[1]
    assert (got["index"], got["mark"], got["mark_pinned"]) == ("61000", "60500.5", True)
    venue.tick()
    assert await mark_price(signer) == "60500.5"
    got = (await admin(http, sandbox, "POST", "/futures/prices", {"symbol": BTC, "unpin": True}))[1]
    assert (got["index_pinned"], got["mark_pinned"]) == (False, False)
    venue.tick()  # the index follows the spot BTC_USDT mid again
    bids, asks = sandbox.exchange.depth("BTC_USDT", 1)
    assert Decimal(await index_price(http, sandbox)) == ((bids[0][0] + asks[0][0]) / 2).quantize(Decimal("0.1"))
    for bad in ({"symbol": BTC, "mark": "60000.05"}, {"symbol": BTC, "index": "0"}, {"symbol": BTC},
                {"symbol": "NOPEUSDT", "mark": "1"}, {"mark": "1"}, {"symbol": BTC, "unpin": True, "mark": "1"}):
        st, body = await admin(http, sandbox, "POST", "/futures/prices", bad)
        assert st == 400 and body["error"], bad


async def test_set_freeze_and_release_the_funding_rate(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async def expected() -> str:
        return str(ok(await public(http, sandbox, "/contract/public/funding-rate", symbol=BTC))["expected_rate"])

    st, got = await admin(http, sandbox, "POST", "/futures/funding", {"symbol": BTC, "rate": "0.0005"})
    assert (st, got["expected_rate"], got["fixed"]) == (200, "0.0005", True)
    assert await expected() == "0.0005"
    got = (await admin(http, sandbox, "POST", "/futures/funding", {"symbol": BTC, "rate": None}))[1]
    assert got["fixed"] is False
    model = await expected()
    assert model != "0.0005"
    got = (await admin(http, sandbox, "POST", "/futures/funding", {"symbol": BTC, "freeze": True}))[1]
    assert got["fixed"] is True
    frozen = Decimal(got["expected_rate"])
    sandbox.state.futures.set_prices(BTC, mark=Decimal(60300))  # a premium the model would follow
    sandbox.state.futures.tick()
    assert Decimal(await expected()) == frozen.quantize(Decimal("1E-7"))
    got = (await admin(http, sandbox, "POST", "/futures/funding", {"symbol": BTC, "unfreeze": True}))[1]
    assert got["fixed"] is False and Decimal(got["expected_rate"]) > frozen
    for bad in ({"symbol": BTC}, {"symbol": BTC, "rate": "1"}, {"symbol": BTC, "rate": "nan"}):
        assert (await admin(http, sandbox, "POST", "/futures/funding", bad))[0] == 400, bad


async def test_settle_now_charges_funding(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    await open_long(sandbox, signer)
    await admin(http, sandbox, "POST", "/futures/prices", {"symbol": BTC, "mark": "60000"})
    await admin(http, sandbox, "POST", "/futures/funding", {"symbol": BTC, "rate": "0.001"})
    st, got = await admin(http, sandbox, "POST", "/futures/settle", {"symbol": BTC})
    assert (st, got["rate"]) == (200, "0.001")
    me = sandbox.credentials.account_id
    assert sorted((r["account"], r["type"], r["amount"]) for r in got["rows"]) == [
        ("acct-bbbbbbbb", "Funding Fee", "0.6"), (me, "Funding Fee", "-0.6")]  # 10 × 0.01 × 60000 × 0.001
    rows = ok(await signer.get("/contract/private/transaction-history", {"symbol": BTC, "flow_type": "3"}))
    assert [(r["amount"], r["tran_id"]) for r in rows] == [
        ("-0.6", next(r["tran_id"] for r in got["rows"] if r["account"] == me))]
    hist = ok(await public(http, sandbox, "/contract/public/funding-rate-history", symbol=BTC))["list"]
    assert hist[0]["funding_rate"] == "0.001"


async def test_move_to_an_isolated_liquidation(sandbox: Sandbox, http: aiohttp.ClientSession,
                                               signer: Signer) -> None:
    ok(await signer.post("/contract/private/submit-leverage", {"symbol": BTC, "leverage": "10",
                                                               "open_type": "isolated"}))
    await open_long(sandbox, signer, open_type="isolated", leverage="10")
    reported = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))[0]["liquidation_price"]
    st, got = await admin(http, sandbox, "POST", "/futures/liquidate", {"symbol": BTC})
    assert st == 200, got
    assert (got["direction"], got["liquidation_price"], got["mark"]) == ("long", reported, reported)
    assert [(p["direction"], p["hold_volume"], p["close_volume"]) for p in got["liquidated"]] == [("long", "0", "10")]
    assert ok(await signer.get("/contract/private/position-v2")) == []
    assert await mark_price(signer) == reported  # the mark stays pinned there
    rows = ok(await signer.get("/contract/private/transaction-history", {"symbol": BTC}))
    assert "Liquidation Clearance" in {r["type"] for r in rows}
    st, body = await admin(http, sandbox, "POST", "/futures/liquidate", {"symbol": BTC})
    assert st == 400 and "no BTCUSDT" in body["error"]


async def test_move_to_a_cross_liquidation(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    st, cred = await admin(http, sandbox, "POST", "/accounts", {"balances": {"USDT": "1000"}})
    maker = second_account(sandbox)  # the same key open_long uses below
    ok(await as_other(signer, maker, SUBMIT, order(4, 100, "60000")))
    small = {"key": cred["api_key"], "secret": cred["secret_key"], "memo": cred["memo"]}
    ok(await signer.post(SUBMIT, order(1, 100, "60000"), **small))  # cross, leverage 20: 300 margin of 1000
    row = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}, key=cred["api_key"]))[0]
    st, got = await admin(http, sandbox, "POST", "/futures/liquidate", {"account": cred["account"], "symbol": BTC})
    assert st == 200, got
    mark, reported = Decimal(got["mark"]), Decimal(row["liquidation_price"])
    assert got["liquidation_price"] == row["liquidation_price"]
    assert mark <= reported < mark + Decimal("0.1")  # the reported price, floored to the tick
    assert [p["open_type"] for p in got["liquidated"]] == ["cross"]
    assert ok(await signer.get("/contract/private/position-v2", key=cred["api_key"])) == []
    # the sandbox's own account holds nothing cross-liquidatable at a positive price
    await open_long(sandbox, signer, size=1)
    st, body = await admin(http, sandbox, "POST", "/futures/liquidate", {"symbol": BTC, "direction": "long"})
    assert st == 400 and "no positive mark" in body["error"]


async def test_switch_the_position_mode(sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    st, got = await admin(http, sandbox, "POST", "/futures/position-mode", {"mode": "one_way_mode"})
    assert (st, got["position_mode"]) == (200, "one_way_mode")
    assert ok(await signer.get("/contract/private/get-position-mode"))["position_mode"] == "one_way_mode"
    await open_long(sandbox, signer, size=1)
    st, body = await admin(http, sandbox, "POST", "/futures/position-mode", {"mode": "hedge_mode"})
    assert (st, body["code"]) == (409, 40059)
    assert ok(await signer.get("/contract/private/get-position-mode"))["position_mode"] == "one_way_mode"
    assert (await admin(http, sandbox, "POST", "/futures/position-mode", {"mode": "both"}))[0] == 400


async def test_views_show_the_true_book_positions_orders_and_ledger(
        sandbox: Sandbox, http: aiohttp.ClientSession, signer: Signer) -> None:
    await open_long(sandbox, signer, size=3)
    resting = ok(await signer.post(SUBMIT, order(1, 2, "59000", client_order_id="rest1")))
    me = sandbox.credentials.account_id
    st, book = await admin(http, sandbox, "GET", f"/futures/book?symbol={BTC}")
    assert st == 200 and book["asks"] == []
    assert book["bids"] == [{"price": "59000", "vol": "2", "orders": [
        {"order_id": str(resting["order_id"]), "account": me, "remaining": "2"}]}]
    pos = (await admin(http, sandbox, "GET", f"/futures/positions?account={me}"))[1]["positions"]
    assert [(p["symbol"], p["direction"], p["hold_volume"], p["entry_price"]) for p in pos] == [
        (BTC, "long", "3", "60000")]
    everyone = (await admin(http, sandbox, "GET", "/futures/positions"))[1]["positions"]
    assert sorted(p["direction"] for p in everyone) == ["long", "short"]
    opened = (await admin(http, sandbox, "GET", f"/futures/orders?account={me}&open=true"))[1]["orders"]
    assert [(o["client_order_id"], o["state"], o["price"], o["size"]) for o in opened] == [
        ("rest1", "new", "59000", "2")]
    assert len((await admin(http, sandbox, "GET", f"/futures/orders?account={me}"))[1]["orders"]) == 2
    rows = (await admin(http, sandbox, "GET", f"/futures/ledger?account={me}&symbol={BTC}"))[1]["rows"]
    client = ok(await signer.get("/contract/private/transaction-history", {"symbol": BTC}))
    assert [(r["tran_id"], r["type"], r["amount"]) for r in rows] == [
        (r["tran_id"], r["type"], r["amount"]) for r in client]
    assert (await admin(http, sandbox, "GET", "/futures/book"))[0] == 400
    assert (await admin(http, sandbox, "GET", "/futures/ledger?flow_type=x"))[0] == 400

"""ccxt 4.5.70 swap REST trading against the sandbox's futures venue, only the base URLs changed
(bitmart_futures.md §8.1): account settings, every order kind ccxt sends, order management, fills,
funding and the ledger, each checked against the venue's true state."""
from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .compat_futures import BTC, MARK, SYM, held, me, order_of, quote, venue
from .compat_futures import rest, sb  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.e2e


async def test_balance_position_mode_and_leverage(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    v, acct = venue(sb), me(sb)
    bal = await rest.fetch_balance({"type": "swap"})
    assert bal["USDT"]["free"] == float(v.account(acct).available_balance) == 1_000_000
    assert bal["BTC"]["total"] == 0 and bal["ETH"]["total"] == 0
    assert (await rest.fetch_position_mode())["hedged"] is True and v.accounts.mode(acct) == "hedge_mode"
    await rest.set_position_mode(False)
    assert v.accounts.mode(acct) == "one_way_mode"
    assert (await rest.fetch_position_mode())["hedged"] is False
    await rest.set_position_mode(True)
    assert v.accounts.mode(acct) == "hedge_mode"
    await rest.set_leverage(10, SYM, {"marginMode": "isolated"})
    assert v.accounts.settings[(acct, BTC)] == (10, "isolated")
    await rest.set_leverage(5, SYM, {"marginMode": "cross"})
    assert v.accounts.settings[(acct, BTC)] == (5, "cross")
    quote(sb)
    await rest.create_order(SYM, "market", "buy", 3)
    with pytest.raises(ccxt_async.ExchangeError, match="40059"):  # no mode switch while a position is held
        await rest.set_position_mode(False)
    bal = await rest.fetch_balance({"type": "swap"})
    view = v.account(acct)
    assert (bal["USDT"]["free"], bal["USDT"]["used"]) == (float(view.available_balance), float(view.frozen_balance))


async def test_every_order_kind_reaches_the_venue_as_sent(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    quote(sb)
    limit = await rest.create_order(SYM, "limit", "buy", 2, 59000)
    o = order_of(sb, limit["id"])
    assert (o.side_code, o.mode, o.price, o.size, o.open_type, o.state) == (1, 1, 59000, 2, "cross", "new")
    post = await rest.create_order(SYM, "limit", "buy", 2, 59500, {"postOnly": True})
    assert (order_of(sb, post["id"]).mode, order_of(sb, post["id"]).state) == (4, "new")
    cross = await rest.create_order(SYM, "limit", "buy", 1, 60100, {"postOnly": True})  # would take: cancelled
    assert (order_of(sb, cross["id"]).state, order_of(sb, cross["id"]).filled_size) == ("canceled", 0)
    cid = await rest.create_order(SYM, "limit", "sell", 1, 61000, {"clientOrderId": "ccxtSwap1"})
    o = order_of(sb, cid["id"])
    assert (o.client_order_id, o.side_code) == ("ccxtSwap1", 4)
    assert (await rest.fetch_order(cid["id"], SYM))["clientOrderId"] == "ccxtSwap1"
    ioc = await rest.create_order(SYM, "limit", "buy", 2, 59000, {"timeInForce": "IOC"})
    assert (order_of(sb, ioc["id"]).mode, order_of(sb, ioc["id"]).state) == (3, "canceled")  # nothing to take
    fok = await rest.create_order(SYM, "limit", "buy", 20, 60100, {"timeInForce": "FOK"})
    assert (order_of(sb, fok["id"]).mode, order_of(sb, fok["id"]).filled_size) == (2, 0)  # only 10 offered
    market = await rest.create_order(SYM, "market", "buy", 3)
    o = order_of(sb, market["id"])
    assert (o.type, o.side_code, o.filled_size, o.price_avg) == ("market", 1, 3, 60100)
    assert [(p.direction, p.hold_volume) for p in held(sb)] == [("long", 3)]
    pos = await rest.fetch_position(SYM)  # v1: one row per held side
    assert (pos["side"], pos["contracts"], pos["entryPrice"], pos["markPrice"]) == ("long", 3, 60100, float(MARK))
    reduce = await rest.create_order(SYM, "market", "sell", 1, None, {"reduceOnly": True})
    assert order_of(sb, reduce["id"]).side_code == 3  # sell_close_long
    assert [(p.direction, p.hold_volume) for p in held(sb)] == [("long", 2)]
    iso = await rest.create_order(SYM, "limit", "sell", 1, 62000, {"marginMode": "isolated", "leverage": 7})
    o = order_of(sb, iso["id"])
    assert (o.open_type, o.leverage, o.side_code) == ("isolated", 7, 4)


async def test_edit_fetch_cancel_and_history(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    v, acct = venue(sb), me(sb)
    first = await rest.create_order(SYM, "limit", "buy", 2, 59000)
    edited = await rest.edit_order(first["id"], SYM, "limit", "buy", 3, 58000)
    assert edited["id"] == first["id"]
    o = order_of(sb, first["id"])
    assert (o.price, o.size, o.state) == (58000, 3, "new")
    got = await rest.fetch_order(first["id"], SYM)
    assert (got["price"], got["amount"], got["filled"], got["status"], got["side"]) == (58000, 3, 0, "open", "buy")
    second = await rest.create_order(SYM, "limit", "sell", 1, 63000)
    third = await rest.create_order(SYM, "limit", "sell", 1, 64000)
    open_ids = [x["id"] for x in await rest.fetch_open_orders(SYM)]
    assert sorted(open_ids) == sorted(o.order_id for o in v.engine.open_orders(acct, BTC))
    assert sorted(open_ids) == sorted([first["id"], second["id"], third["id"]])
    await rest.cancel_order(first["id"], SYM)
    assert order_of(sb, first["id"]).state == "canceled"
    await rest.cancel_all_orders(SYM)
    assert v.engine.open_orders(acct, BTC) == [] and await rest.fetch_open_orders(SYM) == []
    closed = await rest.fetch_closed_orders(SYM)
    assert {c["id"] for c in closed} == {first["id"], second["id"], third["id"]}
    assert all(c["filled"] == 0 for c in closed)


async def test_fills_funding_payments_and_ledger(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    v, acct = venue(sb), me(sb)
    quote(sb)
    buy = await rest.create_order(SYM, "market", "buy", 3)
    await rest.create_order(SYM, "limit", "sell", 1, 59900, {"reduceOnly": True})
    trades = await rest.fetch_my_trades(SYM)
    fills = v.fills_of(acct, BTC)
    assert [t["id"] for t in trades] == [f.trade_id for f in reversed(fills)]  # ccxt sorts oldest first
    t = trades[0]
    assert (t["order"], t["side"], t["price"], t["amount"], t["takerOrMaker"]) == (buy["id"], "buy", 60100, 3, "taker")
    assert t["fee"]["cost"] == float(fills[-1].fee) > 0
    v.set_funding_rate(BTC, Decimal("0.0001"))
    v.settle_funding(v.clock.now_ms(), BTC, force=True)
    paid = v.ledger_of(acct, 3)
    assert len(paid) == 1 and paid[0].amount < 0  # the long pays a positive rate
    history = await rest.fetch_funding_history(SYM)
    assert [(h["id"], h["amount"], h["code"]) for h in history] == [(paid[0].tran_id, float(paid[0].amount), "USDT")]
    ledger = await rest.fetch_ledger()
    rows = v.ledger_of(acct)
    assert sorted(e["id"] for e in ledger) == sorted(r.tran_id for r in rows)
    by_id = {e["id"]: e for e in ledger}
    for r in rows:
        e = by_id[r.tran_id]
        assert (e["amount"], e["currency"], e["direction"]) == (
            float(abs(r.amount)), "USDT", "out" if r.amount < 0 else "in")


async def test_errors_map_to_ccxt_exceptions(sb: Sandbox, rest: ccxt_async.bitmart) -> None:
    with pytest.raises(ccxt_async.OrderNotFound, match="40035"):
        await rest.fetch_order("12345", SYM)
    with pytest.raises(ccxt_async.OrderNotFound, match="40037"):
        await rest.cancel_order("12345", SYM)
    await rest.create_order(SYM, "limit", "buy", 1, 59000, {"clientOrderId": "dup1"})
    with pytest.raises(ccxt_async.InvalidOrder, match="40050"):
        await rest.create_order(SYM, "limit", "buy", 1, 59000, {"clientOrderId": "dup1"})
    with pytest.raises(ccxt_async.InvalidOrder, match="40029"):  # above the leverage bracket
        await rest.set_leverage(1000, SYM, {"marginMode": "cross"})
    with pytest.raises(ccxt_async.ExchangeError, match="40021"):  # nothing to reduce
        await rest.create_order(SYM, "limit", "sell", 1, 61000, {"reduceOnly": True})
    await rest.set_leverage(1, SYM, {"marginMode": "cross"})
    with pytest.raises(ccxt_async.InsufficientFunds, match="40012"):  # live code, matched by its message (C12)
        await rest.create_order(SYM, "limit", "buy", 20_000, 59000)  # 1.18 M USDT of margin at 1x, 1 M held
    assert [o.client_order_id for o in venue(sb).engine.open_orders(me(sb), BTC)] == ["dup1"]
    rest.secret = "0" * 64
    with pytest.raises(ccxt_async.AuthenticationError, match="30005"):
        await rest.create_order(SYM, "limit", "buy", 1, 59000)

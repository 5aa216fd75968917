"""Matching: price-time priority, partial fills, order types, post-only, STP."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.spot.exchange import Exchange

SYM = "BTC_USDT"


def make(**kw: object) -> Exchange:
    ex = Exchange(seed=3, pairs=5, clock=ManualClock(), agents=False, **kw)  # type: ignore[arg-type]
    for acct in ("a", "b", "c"):
        ex.add_account(acct, {"USDT": D("1000000"), "BTC": D("100")})
    return ex


def test_price_time_priority_and_partial_fills() -> None:
    ex = make()
    s1 = ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    s2 = ex.submit_order("b", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    s0 = ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("101"))
    buy = ex.submit_order("c", SYM, "buy", "limit", size=D("0.15"), price=D("101"))
    assert buy.state == "filled" and buy.filled_notional == D("15.0")
    assert s1.state == "filled" and s2.state == "partially_filled" and s0.state == "new"
    assert s2.filled_size == D("0.05")
    bids, asks = ex.depth(SYM)
    assert bids == [] and asks == [(D("100"), D("0.05")), (D("101"), D("0.1"))]
    fills = ex.fills("c")
    assert [f.price for f in fills] == [D("100"), D("100")]  # newest first
    assert {f.role for f in fills} == {"taker"}
    assert [ex.fills("a", order_id=s1.order_id)[0].trade_id, ex.fills("b")[0].trade_id] == \
        [fills[1].trade_id, fills[0].trade_id]
    maker_fills = ex.fills("a", order_id=s1.order_id)
    assert len(maker_fills) == 1 and maker_fills[0].role == "maker"
    assert maker_fills[0].trade_id == ex.fills("c")[-1].trade_id


def test_taker_gets_maker_price_and_rests_remainder() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    buy = ex.submit_order("c", SYM, "buy", "limit", size=D("0.3"), price=D("105"))
    assert buy.state == "partially_filled" and buy.filled_notional == D("10.0")
    assert ex.depth(SYM) == ([(D("105"), D("0.2"))], [])
    # 0.3*105 frozen at accept; 10 spent; the resting 0.2 keeps 21 frozen
    assert ex.balances("c")["USDT"][1] == D("21.0")
    assert ex.open_orders("c") == [buy]


def test_ioc() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    o = ex.submit_order("c", SYM, "buy", "ioc", size=D("0.3"), price=D("100"))
    assert o.state == "partially_canceled" and o.cancel_source == "system" and o.filled_size == D("0.1")
    o2 = ex.submit_order("c", SYM, "buy", "ioc", size=D("0.3"), price=D("100"))
    assert o2.state == "canceled" and o2.filled_size == 0
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    o3 = ex.submit_order("c", SYM, "buy", "ioc", size=D("0.1"), price=D("100"))
    assert o3.state == "filled"
    assert ex.balances("c")["USDT"][1] == 0


def test_market_buy_quirk_partially_canceled() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("1"), price=D("100"))
    o = ex.submit_order("c", SYM, "buy", "market", notional=D("10.00055"))
    # 10.00055 / 100 = 0.1000055 -> 0.10000 bought; 0.00055 left cannot buy one 0.00001 step
    assert o.filled_size == D("0.1") and o.filled_notional == D("10")
    assert o.state == "partially_canceled" and o.cancel_source == "system"
    assert ex.balances("c")["USDT"] == (D("1000000") - D("10"), D("0"))
    # exact spend also ends partially_canceled (BitMart's documented quirk)
    o2 = ex.submit_order("c", SYM, "buy", "market", notional=D("10"))
    assert o2.state == "partially_canceled" and o2.filled_size == D("0.1")


def test_market_runs_out_of_book() -> None:
    ex = make()
    o = ex.submit_order("c", SYM, "buy", "market", notional=D("10"))
    assert o.state == "canceled" and o.filled_size == 0
    ex.submit_order("a", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    s = ex.submit_order("c", SYM, "sell", "market", size=D("0.3"))
    assert s.state == "partially_canceled" and s.filled_size == D("0.1")
    assert ex.balances("c")["BTC"] == (D("99.9"), D("0"))
    ex.submit_order("a", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    s2 = ex.submit_order("c", SYM, "sell", "market", size=D("0.1"))
    assert s2.state == "filled"


def test_post_only_accept_then_cancel() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("a", SYM, "buy", "limit", size=D("0.1"), price=D("90"))
    o = ex.submit_order("c", SYM, "buy", "limit_maker", size=D("0.1"), price=D("100"))
    assert o.state == "canceled" and o.cancel_source == "system" and o.filled_size == 0
    o = ex.submit_order("c", SYM, "sell", "limit_maker", size=D("0.1"), price=D("90"))
    assert o.state == "canceled" and o.cancel_source == "system"
    ok = ex.submit_order("c", SYM, "buy", "limit_maker", size=D("0.1"), price=D("99"))
    assert ok.state == "new" and ex.depth(SYM)[0][0] == (D("99"), D("0.1"))
    assert ex.balances("c")["USDT"][1] == D("9.9")


def test_post_only_reject_mode() -> None:
    ex = make(post_only_reject=True)
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("a", SYM, "buy", "limit", size=D("0.1"), price=D("90"))
    with pytest.raises(ExchangeError) as e:
        ex.submit_order("c", SYM, "buy", "limit_maker", size=D("0.1"), price=D("100"))
    assert e.value.code == 50034 and e.value.message == "The price is high and there is no matching depth"
    with pytest.raises(ExchangeError) as e:
        ex.submit_order("c", SYM, "sell", "limit_maker", size=D("0.1"), price=D("90"))
    assert e.value.code == 50035 and e.value.message == "The price is low and there is no matching depth"
    assert len(ex.all_orders()) == 2


@pytest.mark.parametrize("mode,maker_state,taker_state", [
    ("cancel_maker", "canceled", "filled"),
    ("cancel_taker", "new", "canceled"),
    ("cancel_both", "canceled", "canceled"),
])
def test_stp_modes(mode: str, maker_state: str, taker_state: str) -> None:
    ex = make()
    own = ex.submit_order("c", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("101"))
    t = ex.submit_order("c", SYM, "buy", "limit", size=D("0.1"), price=D("101"), stp_mode=mode)
    assert own.state == maker_state and t.state == taker_state
    if maker_state == "canceled":
        assert own.cancel_source == "stp"
    if taker_state == "canceled":
        assert t.cancel_source == "stp"
    if mode == "cancel_maker":
        assert t.filled_notional == D("10.1")
    assert ex.balances("c")["USDT"][1] == 0 or mode == "cancel_taker"


def test_stp_none_allows_self_trade() -> None:
    ex = make()
    ex.submit_order("c", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    t = ex.submit_order("c", SYM, "buy", "limit", size=D("0.1"), price=D("100"), stp_mode="none")
    assert t.state == "filled"


def test_user_cancel_and_errors() -> None:
    ex = make()
    o = ex.submit_order("c", SYM, "buy", "limit", size=D("0.1"), price=D("100"), client_order_id="abc1")
    assert ex.cancel_order("c", SYM, client_order_id="abc1") is True
    assert o.state == "canceled" and o.cancel_source == "user"
    assert ex.balances("c")["USDT"] == (D("1000000"), D("0"))
    for kwargs, code in [({"order_id": o.order_id}, 50030), ({"order_id": "999"}, 50032), ({}, 50039)]:
        with pytest.raises(ExchangeError) as e:
            ex.cancel_order("c", SYM, **kwargs)
        assert e.value.code == code
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    f = ex.submit_order("c", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    with pytest.raises(ExchangeError) as e:
        ex.cancel_order("c", SYM, order_id=f.order_id)
    assert e.value.code == 50031 and e.value.message == "Order is already completed"
    with pytest.raises(ExchangeError) as e:  # another account's order does not exist for you
        ex.cancel_order("a", SYM, order_id=f.order_id)
    assert e.value.code == 50032


def test_cancel_all() -> None:
    ex = make()
    for p in ("90", "91", "92"):
        ex.submit_order("c", SYM, "buy", "limit", size=D("0.1"), price=D(p))
    ex.submit_order("c", SYM, "sell", "limit", size=D("0.1"), price=D("120"))
    done = ex.cancel_all("c", SYM, "buy")
    assert len(done) == 3 and len(ex.open_orders("c")) == 1
    assert len(ex.cancel_all("c")) == 1 and ex.depth(SYM) == ([], [])


def test_equal_prices_are_one_level() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("23200"))
    ex.submit_order("b", SYM, "sell", "limit", size=D("0.1"), price=D("23200.00"))
    assert ex.depth(SYM)[1] == [(D("23200"), D("0.2"))]


def test_market_buy_sweeps_levels_by_notional() -> None:
    ex = make()
    ex.submit_order("a", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("b", SYM, "sell", "limit", size=D("0.1"), price=D("101"))
    ex.submit_order("a", SYM, "sell", "limit", size=D("1"), price=D("103"))
    o = ex.submit_order("c", SYM, "buy", "market", notional=D("30"))
    # 10 + 10.1 at the first two levels, then 9.9 / 103 = 0.0961165.. -> 0.09611 (9.89933)
    assert o.filled_size == D("0.29611") and o.filled_notional == D("29.99933")
    assert o.state == "partially_canceled" and ex.balances("c")["USDT"][1] == 0
    assert ex.depth(SYM)[1] == [(D("103.00"), D("0.90389"))]
    assert o.price_avg == o.filled_notional / o.filled_size


def test_market_sell_sweeps_levels() -> None:
    ex = make()
    ex.submit_order("a", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("b", SYM, "buy", "limit", size=D("0.1"), price=D("99"))
    o = ex.submit_order("c", SYM, "sell", "market", size=D("0.15"))
    assert o.state == "filled" and o.filled_notional == D("14.95")
    assert ex.balances("c")["USDT"][0] == D("1000000") + D("14.95") * (1 - D("0.0008"))

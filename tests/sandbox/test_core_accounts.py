"""Balances, frozen amounts, fees in the received currency, and conservation (hypothesis)."""
from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.spot.exchange import Exchange

SYM = "BTC_USDT"


def make(agents: bool = False) -> Exchange:
    ex = Exchange(seed=5, pairs=3, clock=ManualClock(), agents=agents)
    ex.add_account("m", {"USDT": D("10000"), "BTC": D("10")})
    ex.add_account("t", {"USDT": D("10000"), "BTC": D("10")})
    return ex


def test_freeze_and_fees_in_received_currency() -> None:
    ex = make()
    assert ex.fee_rates("m", SYM) == (D("0.0006"), D("0.0008"))
    ex.submit_order("m", SYM, "sell", "limit", size=D("1"), price=D("1000"))
    assert ex.balances("m")["BTC"] == (D("9"), D("1"))
    ex.submit_order("t", SYM, "buy", "limit", size=D("0.5"), price=D("1000"))
    # taker buyer pays 0.0008 in BTC, maker seller pays 0.0006 in USDT
    assert ex.balances("t")["BTC"] == (D("10") + D("0.5") - D("0.0004"), D("0"))
    assert ex.balances("t")["USDT"] == (D("9500"), D("0"))
    assert ex.balances("m")["USDT"] == (D("10000") + D("500") - D("0.3"), D("0"))
    assert ex.balances("m")["BTC"] == (D("9"), D("0.5"))
    f = ex.fills("t")[0]
    assert (f.fee, f.fee_currency, f.role) == (D("0.0004"), "BTC", "taker")
    g = ex.fills("m")[0]
    assert (g.fee, g.fee_currency, g.role) == (D("0.3"), "USDT", "maker")
    ex.cancel_order("m", SYM, order_id=g.order_id)
    assert ex.balances("m")["BTC"] == (D("9.5"), D("0"))


def test_custom_fee_rates() -> None:
    ex = make()
    ex.set_fee_rates("t", D("0"), D("0.001"))
    assert ex.fee_rates("t", SYM) == (D("0"), D("0.001"))


def test_market_buy_freezes_notional_and_releases_rest() -> None:
    ex = make()
    ex.submit_order("m", SYM, "sell", "limit", size=D("0.006"), price=D("1000"))
    o = ex.submit_order("t", SYM, "buy", "market", notional=D("10"))
    assert o.filled_notional == D("6") and o.state == "partially_canceled"
    assert ex.balances("t")["USDT"] == (D("9994"), D("0"))


def _check(ex: Exchange) -> None:
    totals = ex.accounts.totals()
    for cur, minted in ex.accounts.minted.items():
        assert totals.get(cur, D(0)) + ex.accounts.fees.get(cur, D(0)) == minted
    for acct in ("m", "t", "agent-maker", "agent-taker"):
        for cur, (a, f) in ex.balances(acct).items():
            assert a >= 0 and f >= 0, (acct, cur, a, f)
    # frozen equals what open orders still hold
    for acct in ("m", "t"):
        held: dict[str, D] = {}
        for o in ex.open_orders(acct):
            r = ex.rules[o.symbol]
            cur = r.quote if o.side == "buy" else r.base
            held[cur] = held.get(cur, D(0)) + o.frozen
        for cur, (_, f) in ex.balances(acct).items():
            assert f == held.get(cur, D(0))


action = st.tuples(
    st.sampled_from(["m", "t"]),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["limit", "limit", "market", "ioc", "limit_maker", "cancel", "agents"]),
    st.integers(59_950, 60_050),
    st.integers(1, 200_000),
    st.sampled_from(["cancel_maker", "cancel_taker", "cancel_both", "none"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(action, min_size=1, max_size=60))
def test_conservation(actions: list[tuple[str, str, str, int, int, str]]) -> None:
    ex = make(agents=True)
    for acct, side, kind, price, size_units, stp in actions:
        try:
            if kind == "cancel":
                opens = ex.open_orders(acct)
                if opens:
                    ex.cancel_order(acct, opens[size_units % len(opens)].symbol,
                                    order_id=opens[size_units % len(opens)].order_id)
            elif kind == "agents":
                ex.step_agents(size_units % 50)
            elif kind == "market":
                if side == "buy":
                    ex.submit_order(acct, SYM, side, kind, notional=D(size_units) / 100)
                else:
                    ex.submit_order(acct, SYM, side, kind, size=D(size_units) / 100_000)
            else:
                ex.submit_order(acct, SYM, side, kind, size=D(size_units) / 100_000,
                                price=D(price), stp_mode=stp)
        except ExchangeError as e:
            assert e.code in (50020, 51011, 51012, 51014, 50006)
        _check(ex)

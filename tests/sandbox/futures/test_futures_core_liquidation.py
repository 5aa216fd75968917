"""Liquidation prices as BitMart reports them and liquidation exactly when equity reaches maintenance."""
from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.futures.contracts import generate_contracts
from bitmart_plugin.sandbox.futures.events import FuturesOrderChanged, Position
from bitmart_plugin.sandbox.futures.liquidation import cross_estimate, isolated_price, maintenance

from .helpers import D, venue

BTC = "BTCUSDT"
CS = D("0.001")


def test_isolated_long_price_reproduces_the_doc_push() -> None:
    btc = generate_contracts(1, 3)[0]
    cost = D("19406.2092") * 2000 * CS
    p = Position("a", BTC, "long", "isolated", 5, CS, hold_volume=D(2000), cost=cost, margin=cost / 5)
    assert isolated_price(p, btc) == D("15621.998406")  # 19406.2092 × (1 − 1/5 + 0.005), C18
    short = Position("a", BTC, "short", "isolated", 5, CS, hold_volume=D(2000), cost=cost, margin=cost / 5)
    assert isolated_price(short, btc) == D("19406.2092") * (1 + D("0.2") - D("0.005"))


def opened(lev: int, open_type: str, direction: str = "long", size: int = 10, funds: str = "100000", **cfg):  # type: ignore[no-untyped-def]
    v = venue("a", "b", funds="100000", **cfg)
    if funds != "100000":
        v.accounts.wallet("a").available = D(funds)
        v.accounts.wallet("a").deposited = D(funds)
    v.set_leverage("a", BTC, lev, open_type)
    v.submit_order("b", BTC, 4 if direction == "long" else 1, size, price="60000")
    try:
        v.submit_order("a", BTC, 1 if direction == "long" else 4, size, price="60000")
    except ExchangeError:  # not enough funds to open: the caller sees no position
        pass
    return v


def test_isolated_position_goes_exactly_at_its_reported_price() -> None:
    v = opened(5, "isolated")
    p = v.accounts.position("a", BTC, "long")
    assert p is not None and v.liquidation_price(p) == D(48300)
    assert v.set_prices(BTC, mark=D("48300.1")) == []
    seen: list = []
    v.engine.listeners.append(seen.append)
    assert [x.direction for x in v.set_prices(BTC, mark=D(48300))] == ["long"]
    assert v.accounts.position("a", BTC, "long") is None
    (row,) = v.accounts.rows("a", 5)
    assert (row.type, row.amount) == ("Liquidation Clearance", -10 * CS * 60000 / 5)
    liq = [e for e in seen if isinstance(e, FuturesOrderChanged)]
    assert [(e.order.type, e.action) for e in liq] == [("liquidate", 7)]
    assert v.accounts.discrepancy("a") == 0


def test_strictly_below_switch() -> None:
    v = opened(5, "isolated", liquidate_at_equal=False)
    assert v.set_prices(BTC, mark=D(48300)) == []
    assert len(v.set_prices(BTC, mark=D("48299.9"))) == 1


def test_isolated_liquidation_cancels_the_positions_close_orders() -> None:
    v = opened(5, "isolated")
    close = v.submit_order("a", BTC, 3, 4, price="70000")
    v.set_prices(BTC, mark=D(40000))
    assert close.state == "canceled" and v.accounts.wallet("a").frozen == 0


@settings(max_examples=150, deadline=None)
@given(st.sampled_from((1, 2, 3, 5, 7, 10, 20, 25, 50, 100)), st.sampled_from(("long", "short")),
       st.integers(1, 200), st.integers(-200000, 200000))
def test_isolated_liquidation_happens_exactly_when_equity_reaches_maintenance(
        lev: int, direction: str, size: int, move: int) -> None:
    v = opened(lev, "isolated", direction, size)
    p = v.accounts.position("a", BTC, direction)
    assert p is not None
    mark = max(D("0.1"), D(60000) + D(move) / 10)
    liq_price = v.liquidation_price(p)
    equity_at_mark = p.margin + p.unrealized(mark)
    due = equity_at_mark <= maintenance(p, v.engine.contracts[BTC])
    crosses = mark <= liq_price if direction == "long" else mark >= liq_price
    assert due == crosses
    assert bool(v.set_prices(BTC, mark=mark)) == due
    assert v.accounts.discrepancy("a") == 0


@settings(max_examples=100, deadline=None)
@given(st.sampled_from((5, 10, 20, 50, 100)), st.sampled_from(("long", "short")), st.integers(1, 50),
       st.integers(20, 400), st.integers(-300000, 300000))
def test_cross_liquidation_happens_exactly_when_account_equity_reaches_maintenance(
        lev: int, direction: str, size: int, funds: int, move: int) -> None:
    v = opened(lev, "cross", direction, size, funds=str(funds))
    p = v.accounts.position("a", BTC, direction)
    assume(p is not None)
    assert p is not None
    mark = max(D("0.1"), D(60000) + D(move) / 10)
    w = v.accounts.wallet("a")
    equity = w.available + w.frozen + p.margin + p.unrealized(mark)
    due = equity <= maintenance(p, v.engine.contracts[BTC])
    estimate = cross_estimate(p, v.engine.contracts[BTC], w.available)
    if estimate > 0:  # the reported estimate is where the same equation turns (one position, no orders)
        assert due == (mark <= estimate if direction == "long" else mark >= estimate)
    assert bool(v.set_prices(BTC, mark=mark)) == due
    assert v.accounts.discrepancy("a") == 0
    if due:
        assert v.accounts.position("a", BTC, direction) is None and w.available >= 0


def test_cross_rows_report_zero_on_the_ws_row() -> None:
    v = opened(20, "cross")
    seen: list = []
    v.engine.listeners.append(seen.append)
    v.submit_order("b", BTC, 4, 1, price="60000")
    v.submit_order("a", BTC, 1, 1, price="60000")
    rows = [e for e in seen if type(e).__name__ == "PositionChanged" and e.position.account_id == "a"]
    assert rows and all(e.liquidate_price == 0 for e in rows)

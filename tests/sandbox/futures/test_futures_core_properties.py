"""Property tests of the futures core across random order flows.

Money identity checked per account after every step, exactly (Decimal, no tolerance):

    available + frozen + Σ position margin == deposited + realized − fees − funding paid

(the issue's "wallet + position margin + frozen + realized − fees − funding paid is constant",
with the realized/fees/funding terms moved to the right-hand side so that wallet cash and the
running totals balance). Also: positions equal the signed sum of fills; reservations equal what
open orders hold; and with no liquidation, realized + unrealized PnL sum to zero over all accounts.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.core.events import ZERO
from bitmart_plugin.sandbox.futures.venue import FuturesVenue

from .helpers import D, venue

ACCOUNTS = ("a", "b", "c", "m")  # "m" starts with a ladder on both sides
SYMBOL = "BTCUSDT"
TICK = D("0.1")
MID = D(60000)

order = st.tuples(st.just("order"), st.sampled_from(ACCOUNTS), st.sampled_from((1, 1, 2, 3, 4, 4)), st.integers(1, 40),
                  st.sampled_from(("limit", "limit", "limit", "market")), st.integers(-30, 30), st.integers(1, 4))
cancel = st.tuples(st.just("cancel"), st.sampled_from(ACCOUNTS), st.integers(0, 20))
lev = st.tuples(st.just("lev"), st.sampled_from(ACCOUNTS), st.sampled_from((1, 2, 5, 10, 20, 50, 100)),
                st.sampled_from(("cross", "isolated")))
mode = st.tuples(st.just("mode"), st.sampled_from(ACCOUNTS), st.sampled_from(("hedge_mode", "one_way_mode")))
funding = st.tuples(st.just("funding"), st.integers(-300, 300))
mark = st.tuples(st.just("mark"), st.integers(-15000, 15000))
flows = st.lists(st.one_of(order, order, order, order, cancel, lev, mode, funding, mark), min_size=20, max_size=80)


def seeded(funds: str) -> FuturesVenue:
    """A venue where every account holds ``funds`` and "m" quotes 5 levels a side (20 contracts each)."""
    v = venue(*ACCOUNTS, funds=funds)
    for i in range(1, 6):
        v.submit_order("m", SYMBOL, 1, 20, price=MID - 10 * i)
        v.submit_order("m", SYMBOL, 4, 20, price=MID + 10 * i)
    return v


def step(v: FuturesVenue, action: tuple) -> None:
    kind = action[0]
    try:
        if kind == "order":
            _, acct, side, size, typ, off, mode_ = action
            fields = {"type": typ, "mode": None if typ == "market" else mode_}
            if typ == "limit":
                fields["price"] = MID + off * 10 * TICK
            v.submit_order(acct, SYMBOL, side, size, **fields)
        elif kind == "cancel":
            open_ = v.engine.open_orders(action[1], SYMBOL)
            if open_:
                v.cancel_order(action[1], order_id=open_[action[2] % len(open_)].order_id)
        elif kind == "lev":
            v.set_leverage(action[1], SYMBOL, action[2], action[3])
        elif kind == "mode":
            v.set_position_mode(action[1], action[2])
        elif kind == "funding":
            v.set_funding_rate(SYMBOL, D(action[1]) / 100000)
            v.settle_funding(v.clock.now_ms(), SYMBOL, force=True)
        elif kind == "mark":
            v.set_prices(SYMBOL, mark=MID + action[1] * 10 * TICK)
    except ExchangeError:
        pass


def check_invariants(v: FuturesVenue) -> None:
    acc = v.accounts
    for a in ACCOUNTS:
        assert acc.discrepancy(a) == 0, a
        w = acc.wallet(a)
        held = [o for o in v.engine.open_orders(a)]
        assert w.frozen == sum((o.frozen for o in held), ZERO)
        for o in held:
            assert o.remaining == o.close_left + o.open_left
    for p in acc.positions.values():
        closers = [o for o in v.engine.open_orders(p.account_id, p.symbol)
                   if o.close_left and (o.side == "buy") == (p.direction == "short")]
        assert p.frozen_volume == sum((o.close_left for o in closers), ZERO)
        assert 0 <= p.frozen_volume <= p.hold_volume
        if acc.mode(p.account_id) == "one_way_mode" and p.hold_volume:
            other = acc.position(p.account_id, p.symbol, "short" if p.direction == "long" else "long")
            assert other is None or other.hold_volume == 0


def signed_fills(v: FuturesVenue, account: str) -> Decimal:
    """Σ over the account's fills and liquidations of +vol for buys, −vol for sells."""
    total = ZERO
    for f in v.engine.fills.get(account, []):
        total += f.vol if f.side_code in (1, 2) else -f.vol
    for o in v.engine.orders.values():
        if o.account_id == account and o.type == "liquidate":
            total += o.filled_size if o.side == "buy" else -o.filled_size
    return total


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows)
def test_money_is_conserved_and_positions_are_the_signed_sum_of_fills(actions: list[tuple]) -> None:
    v = seeded("3000")
    for action in actions:
        step(v, action)
        check_invariants(v)
    for a in ACCOUNTS:
        net = sum((p.sign * p.hold_volume for p in v.accounts.of(a, SYMBOL)), ZERO)
        assert net == signed_fills(v, a)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(order, order, cancel, lev, mode), min_size=20, max_size=60), st.integers(-3000, 3000))
def test_without_liquidation_pnl_is_zero_sum_and_open_interest_balances(actions: list[tuple], off: int) -> None:
    v = seeded("1000000")
    for action in actions:
        step(v, action)
    longs = sum((p.hold_volume for p in v.accounts.positions.values() if p.direction == "long"), ZERO)
    shorts = sum((p.hold_volume for p in v.accounts.positions.values() if p.direction == "short"), ZERO)
    assert longs == shorts
    mark_ = MID + off * TICK
    total = sum((v.accounts.wallet(a).realized for a in ACCOUNTS), ZERO)
    total += sum((p.unrealized(mark_) for p in v.accounts.positions.values()), ZERO)
    # pro-rata cost releases are cut to the money grid, so the sum is exact up to that grid
    assert abs(total) <= D("1E-10")

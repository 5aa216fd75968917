"""Properties of the perpetual paper account over random order flows on a moving book (hypothesis).

After every step: money is conserved exactly (available + frozen + position margins − (start + realized − fees
− funding) == 0); the net position is the signed sum of the fills less what liquidations closed; one-way mode
never holds both sides; a position's reserved volume is what its open closing orders hold and never more than
it; the cash frozen is what the open orders hold; closing orders never open.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import ConnectorError, MarginMode, OrderType, PositionAction, PositionMode, PositionSide, Side
from host_spec.paper.perp.engine import PerpEngine
from host_spec.paper.perp.positions import closing_side
from tests.paper.perp_helpers import PAIR, D, book, engine, limit, market, net

ZERO = Decimal(0)

step = st.one_of(
    st.tuples(st.just("view"), st.integers(-800, 800)),
    st.tuples(st.just("market"), st.booleans(), st.integers(1, 4000), st.sampled_from(["open", "close", "plain"])),
    st.tuples(st.just("limit"), st.booleans(), st.integers(1, 4000), st.integers(-30, 30),
              st.sampled_from(["open", "close", "plain"])),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("funding"), st.integers(-300, 300)),
)


def _request(kind: str, buy: bool, size: int, how: str, hedge: bool, price: Decimal | None) -> object:
    side = Side.BUY if buy else Side.SELL
    action = {"open": PositionAction.OPEN, "close": PositionAction.CLOSE}.get(how) if hedge else None
    if hedge and action is None:
        action = PositionAction.OPEN
    reduce = not hedge and how == "close"
    amount = str(D(size) / 1000)
    if kind == "market":
        return market(side, amount, action, reduce)
    return limit(side, amount, str(price), action, reduce)


def _check(e: PerpEngine, signed_fills: Decimal, hedge: bool) -> None:
    ledger = e.ledger
    assert ledger.discrepancy("USDT") == 0
    liquidated = sum((r.amount if r.side is PositionSide.LONG else -r.amount for r in ledger.liquidations), ZERO)
    assert net(e) == signed_fills - liquidated
    sides = {h.side for h in ledger.held(PAIR)}
    assert hedge or len(sides) <= 1, "one-way mode holds one side at most"
    live = [w for w in e.orders.values() if not w.order.state.is_done]
    for h in ledger.holdings.values():
        reserved = sum((w.legs.close_left for w in live if w.legs.closing and closing_side(w.order.side) is h.side), ZERO)
        assert h.reserved == reserved <= h.amount and h.amount >= 0 and h.margin >= 0
    assert e.wallet.frozen.get("USDT", ZERO) == sum((w.legs.frozen_left for w in live), ZERO) >= 0


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(step, min_size=10, max_size=60), hedge=st.booleans(), cross=st.booleans(),
       leverage=st.sampled_from(["1", "3", "10", "40"]))
def test_money_positions_and_reservations_stay_consistent(steps: list[tuple], hedge: bool, cross: bool,
                                                          leverage: str) -> None:
    e = engine(cash="300", leverage=leverage, margin=MarginMode.CROSS if cross else MarginMode.ISOLATED,
               mode=PositionMode.HEDGE if hedge else PositionMode.ONE_WAY, mmr="0.01")
    ts, mid = 1, D(100)
    e.on_view(book(ts, "99.99", "100.01", size="0.7", step="0.05"))
    cids: list[str] = []
    signed = ZERO
    for op in steps:
        ts += 1
        before = len(e.fills)
        if op[0] == "view":
            mid = max(D(1), mid + D(op[1]) / 100)
            e.on_view(book(ts, str(mid - D("0.01")), str(mid + D("0.01")), size="0.7", step="0.05"))
        elif op[0] in ("market", "limit"):
            price = mid + D(op[3]) / 10 if op[0] == "limit" else None
            request = _request(op[0], op[1], op[2], op[-1], hedge, price)
            try:
                order, _ = e.submit(request, ts)  # type: ignore[arg-type]
            except ConnectorError:
                continue
            cids.append(order.client_order_id)
            e.arrive(order.client_order_id, ts)
        elif op[0] == "cancel" and cids:
            e.cancel(cids[op[1] % len(cids)], ts)
        elif op[0] == "funding":
            e.settle_funding(PAIR, D(op[1]) / 100000, ts)
        for f in e.fills[before:]:
            signed += f.amount if f.side is Side.BUY else -f.amount
            closing = e.orders[f.client_order_id].legs.closing
            assert not closing or f.realized_pnl is not None
        _check(e, signed, hedge)
    assert all(w.order.order_type is not OrderType.MARKET or w.order.state.is_done for w in e.orders.values())

"""Liquidation of paper positions exactly when equity reaches maintenance: isolated (the margin is lost) and
cross (closed at the mark, a deficit cleared), by the mark or by funding; orders are cancelled first."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from host_spec import MarginMode, OrderState, PositionEvent, PositionSide, Side
from tests.paper.perp_helpers import PAIR, D, book, engine, limit, market, place


def _final(events: list) -> list:
    return [ev.position for ev in events if isinstance(ev, PositionEvent)]


def test_an_isolated_long_is_liquidated_exactly_at_its_price_and_loses_its_margin() -> None:
    e = engine(cash="1000", leverage="10", margin=MarginMode.ISOLATED, mmr="0.005")
    e.on_view(book(1, "99", "100"))
    place(e, market(Side.BUY, "1"), 2)
    closer, _ = e.submit(limit(Side.SELL, "1", "150", reduce_only=True), 3)
    e.arrive(closer.client_order_id, 3)
    [position] = map(e.ledger.position, e.ledger.held(PAIR))
    assert position.liquidation_price == D("90.5"), "100 x (1 - 1/10 + 0.005)"
    assert e.on_mark(PAIR, D("90.51"), 4) == [], "equity 0.51 is above the maintenance 0.5"
    cash = e.wallet.available["USDT"]
    events = e.on_mark(PAIR, D("90.5"), 5)
    [final] = _final(events)
    assert (final.side, final.amount, final.entry_price, final.mark_price, final.margin, final.liquidation_price) == (
        PositionSide.LONG, 0, D(100), D("90.5"), 0, D("90.5"))
    assert e.orders[closer.client_order_id].order.state is OrderState.CANCELED
    assert e.ledger.held() == [] and e.wallet.available["USDT"] == cash, "the whole margin (10) is lost"
    assert e.ledger.realized["USDT"] == D(-10) and e.ledger.discrepancy("USDT") == 0
    [record] = e.ledger.liquidations
    assert (record.amount, record.loss, record.timestamp_ms) == (D(1), D(-10), 5)


def test_a_short_is_liquidated_when_the_mark_rises_to_its_price() -> None:
    e = engine(cash="1000", leverage="20", margin=MarginMode.ISOLATED, mmr="0.01")
    e.on_view(book(1, "100", "101"))
    place(e, market(Side.SELL, "2"), 2)
    [position] = map(e.ledger.position, e.ledger.held(PAIR))
    assert position.liquidation_price == D(100) * (1 + D("0.05") - D("0.01"))
    assert e.on_mark(PAIR, D("103.99"), 3) == []
    assert _final(e.on_mark(PAIR, D("104"), 4))[0].amount == 0


def test_cross_positions_go_together_when_the_asset_equity_falls_to_maintenance() -> None:
    e = engine(cash="100", leverage="10", margin=MarginMode.CROSS, mmr="0.005")
    e.on_view(book(1, "99", "100"))
    place(e, market(Side.BUY, "1"), 2)  # margin 10, fee 0.06: cash 89.94
    bid, _ = e.submit(limit(Side.BUY, "0.1", "50"), 3)
    e.arrive(bid.client_order_id, 3)
    [position] = map(e.ledger.position, e.ledger.held(PAIR))
    # 89.94 - 0.5003 held by the bid ... + 10 + (M - 100) = 0.5 at M = 0.56 (the held cash counts too)
    assert position.liquidation_price == D("0.56")
    assert e.on_mark(PAIR, D("0.57"), 4) == []
    events = e.on_mark(PAIR, D("0.56"), 5)
    assert _final(events)[0].amount == 0 and e.orders[bid.client_order_id].order.state is OrderState.CANCELED
    assert e.wallet.frozen["USDT"] == 0 and e.ledger.discrepancy("USDT") == 0
    assert e.ledger.realized["USDT"] == D("0.56") - D(100), "closed at the mark"
    assert e.wallet.available["USDT"] == D("0.5"), "the equity left is the maintenance margin"


def test_a_cross_deficit_past_bankruptcy_is_cleared_to_zero() -> None:
    e = engine(cash="100", leverage="10", margin=MarginMode.CROSS, mmr="0.005")
    e.on_view(book(1, "99", "100"))
    place(e, market(Side.BUY, "1"), 2)
    e.on_mark(PAIR, D(0), 3)  # the mark gapped far below the liquidation price: the loss exceeds the cash
    assert e.wallet.available["USDT"] == 0 and e.ledger.discrepancy("USDT") == 0
    assert e.ledger.liquidations[-1].loss == -(D(100) - D("0.06"))


def test_funding_can_bring_an_isolated_position_to_liquidation() -> None:
    e = engine(cash="1000", leverage="10", margin=MarginMode.ISOLATED, mmr="0.005")
    e.on_view(book(1, "100", "100.02"))
    place(e, market(Side.BUY, "1"), 2)
    e.on_mark(PAIR, D("100.02"), 3)  # no unrealized PnL: equity is the margin 10.002
    events = e.settle_funding(PAIR, D("0.095"), 4)  # pays 9.5019: margin 0.5001 = maintenance 0.5001
    assert _final(events)[-1].amount == 0 and e.ledger.discrepancy("USDT") == 0


@settings(max_examples=150, deadline=None)
@given(leverage=st.integers(1, 100), mmr=st.sampled_from(["0.004", "0.005", "0.01", "0.025"]),
       short=st.booleans(), amount=st.integers(1, 500), move=st.integers(-4000, 4000))
def test_liquidated_exactly_when_margin_plus_unrealized_reaches_maintenance(leverage: int, mmr: str, short: bool,
                                                                          amount: int, move: int) -> None:
    assume(leverage * D(mmr) < D("0.5"))  # else the margin is within the spread of maintenance: liquidated on opening
    e = engine(cash="100000", leverage=str(leverage), margin=MarginMode.ISOLATED, mmr=mmr)
    e.on_view(book(1, "100", "100.02", size="1000"))
    place(e, market(Side.SELL if short else Side.BUY, str(D(amount) / 1000)), 2)
    [h] = e.ledger.held(PAIR)
    margin, cost, size, sign = h.margin, h.cost, h.amount, h.sign
    reported = e.ledger.position(h).liquidation_price
    mark = D(100) + D(move) / 100
    due = margin + sign * (mark * size - cost) <= cost * D(mmr)
    assert bool(_final(e.on_mark(PAIR, mark, 3))) is due
    if not due:
        assert _final(e.on_mark(PAIR, reported, 4))[0].amount == 0, "a mark at the reported price liquidates"
    assert e.ledger.discrepancy("USDT") == 0

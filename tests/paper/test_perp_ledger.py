"""The perpetual paper account, exactly: margin, fees by role, re-averaged entry, PnL on closes, reduce-only,
one-way netting against hedge mode, leverage and mode changes (pure engine and ledger, synthetic books)."""

from __future__ import annotations

import pytest

from host_spec import (
    InsufficientBalance,
    InvalidOrder,
    LeverageSetting,
    MarginMode,
    OrderEvent,
    OrderRejected,
    OrderState,
    OrderType,
    PositionAction,
    PositionEvent,
    PositionMode,
    PositionSide,
    Side,
)
from tests.paper.perp_helpers import PAIR, D, book, engine, limit, market, net, place


def test_an_opening_market_order_holds_margin_and_fee_then_moves_margin_into_the_position() -> None:
    e = engine(cash="1000", leverage="10")
    e.on_view(book(1, "100", "101"))
    order, held = e.submit(market(Side.BUY, "1"), 2)
    assert held[-1].available == D("1000") - D("10.1") - D("0.0606")  # 1 x 101 / 10 + taker 0.0006 on 101
    events = e.arrive(order.client_order_id, 2)
    [fill] = [ev.fill for ev in events if isinstance(ev, OrderEvent) and ev.fill]
    assert (fill.price, fill.fee, fill.fee_asset, fill.is_maker, fill.realized_pnl) == (D(101), D("0.0606"), "USDT", False, 0)
    [position] = [ev.position for ev in events if isinstance(ev, PositionEvent)]
    assert (position.side, position.amount, position.entry_price, position.margin, position.leverage) == (
        PositionSide.LONG, D(1), D(101), D("10.1"), D(10))
    assert position.mark_price == D("100.5") and position.unrealized_pnl == D("-0.5")
    assert e.ledger.balance("USDT").available == D("1000") - D("10.1") - D("0.0606")
    assert e.ledger.balance("USDT").frozen == D("10.1") and e.wallet.frozen["USDT"] == 0
    assert e.ledger.discrepancy("USDT") == 0


def test_entry_is_re_averaged_on_adds_and_a_close_realizes_pnl_releasing_margin_pro_rata() -> None:
    e = engine(cash="1000", leverage="4")
    e.on_view(book(1, "99", "100"))
    place(e, market(Side.BUY, "1"), 2)
    e.on_view(book(3, "109", "110"))
    place(e, market(Side.BUY, "1"), 4)
    [h] = e.ledger.held(PAIR)
    assert (h.amount, h.entry_price, h.margin) == (D(2), D(105), D(25) + D("27.5"))
    e.on_view(book(5, "120", "121"))
    cid, events = place(e, market(Side.SELL, "0.5"), 6)
    [fill] = [ev.fill for ev in events if isinstance(ev, OrderEvent) and ev.fill]
    assert fill.realized_pnl == (D(120) - D(105)) * D("0.5") and fill.fee == D(120) * D("0.5") * D("0.0006")
    assert (h.amount, h.entry_price, h.margin) == (D("1.5"), D(105), D("52.5") * 3 / 4)
    fees = D(100) * D("0.0006") + D(110) * D("0.0006") + fill.fee
    assert e.wallet.available["USDT"] == D(1000) - fees + D("7.5") - h.margin
    assert e.ledger.realized["USDT"] == D("7.5") and e.ledger.discrepancy("USDT") == 0


def test_maker_fills_pay_the_maker_rate() -> None:
    e = engine()
    e.on_view(book(1, "100", "101"))
    place(e, limit(Side.SELL, "0.1", "101", kind=OrderType.LIMIT_MAKER), 2)
    e.on_view(book(3, "101.5", "102.5"))  # the bids crossed our ask: we were there first
    [fill] = e.fills
    assert fill.is_maker and fill.fee == D(101) * D("0.1") * D("0.0002")
    assert net(e) == D("-0.1")


def test_one_way_orders_net_and_flip_with_pnl_on_the_closed_part() -> None:
    e = engine(leverage="10")
    e.on_view(book(1, "100", "101"))
    place(e, market(Side.BUY, "3"), 2)
    _, events = place(e, market(Side.SELL, "5"), 3)
    [short] = [p for p in (ev.position for ev in events if isinstance(ev, PositionEvent)) if p.amount]
    assert (short.side, short.amount, short.entry_price, short.margin) == (PositionSide.SHORT, D(2), D(100), D(20))
    fill = e.fills[-1]
    assert (fill.amount, fill.price, fill.realized_pnl) == (D(5), D(100), (D(100) - D(101)) * 3)
    assert len(e.ledger.held(PAIR)) == 1 and e.ledger.discrepancy("USDT") == 0


def test_hedge_mode_keeps_both_sides_and_needs_open_or_close() -> None:
    e = engine(mode=PositionMode.HEDGE)
    e.on_view(book(1, "100", "101"))
    with pytest.raises(InvalidOrder) as caught:
        e.submit(market(Side.BUY, "1"), 2)
    assert caught.value.rule == "position_action"
    place(e, market(Side.BUY, "3", PositionAction.OPEN), 2)
    place(e, market(Side.SELL, "2", PositionAction.OPEN), 3)
    sides = {p.side: p.amount for p in map(e.ledger.position, e.ledger.held(PAIR))}
    assert sides == {PositionSide.LONG: D(3), PositionSide.SHORT: D(2)}
    place(e, market(Side.SELL, "3", PositionAction.CLOSE), 4)
    assert {p.side: p.amount for p in map(e.ledger.position, e.ledger.held(PAIR))} == {PositionSide.SHORT: D(2)}
    assert e.ledger.discrepancy("USDT") == 0


@pytest.mark.parametrize("mode", [PositionMode.ONE_WAY, PositionMode.HEDGE])
def test_closing_more_than_the_position_is_refused_and_nothing_moves(mode: PositionMode) -> None:
    e = engine(mode=mode)
    e.on_view(book(1, "100", "101"))
    action = PositionAction.OPEN if mode is PositionMode.HEDGE else None
    close = PositionAction.CLOSE if mode is PositionMode.HEDGE else None
    reduce = mode is PositionMode.ONE_WAY
    with pytest.raises(OrderRejected, match="exceeds the 0 of the short position left to close"):
        e.submit(market(Side.BUY, "1", close, reduce), 2)
    place(e, market(Side.BUY, "2", action), 3)
    first, _ = e.submit(limit(Side.SELL, "1.5", "150", close, reduce), 4)  # rests, holds 1.5 of the 2
    before = (e.wallet.available["USDT"], net(e))
    with pytest.raises(OrderRejected, match="exceeds the 0.5 of the long position"):
        e.submit(limit(Side.SELL, "1", "150", close, reduce), 5)
    assert (e.wallet.available["USDT"], net(e)) == before
    e.cancel(first.client_order_id, 6)
    assert e.ledger.held(PAIR)[0].reserved == 0


def test_a_reduce_only_order_is_cancelled_when_a_plain_order_flips_the_position_under_it() -> None:
    e = engine()
    e.on_view(book(1, "100", "101"))
    place(e, market(Side.BUY, "1"), 2)
    resting, _ = e.submit(limit(Side.SELL, "1", "150", reduce_only=True), 3)
    e.arrive(resting.client_order_id, 3)
    _, events = place(e, market(Side.SELL, "2"), 4)
    final = e.orders[resting.client_order_id].order
    assert final.state is OrderState.CANCELED and "smaller than this closing order" in final.reason
    assert net(e) == D(-1) and e.ledger.discrepancy("USDT") == 0


def test_a_short_of_cash_opening_order_is_refused_naming_the_margin() -> None:
    e = engine(cash="10", leverage="10")
    e.on_view(book(1, "100", "101"))
    with pytest.raises(InsufficientBalance, match=r"needs 10.1606 \(margin at 10x and fee\)"):
        e.submit(market(Side.BUY, "1"), 2)
    assert e.wallet.available["USDT"] == D(10) and not e.orders


def test_leverage_changes_margin_open_positions_again_and_the_margin_mode_waits_for_a_flat_pair() -> None:
    e = engine(leverage="10")
    e.on_view(book(1, "100", "101"))
    place(e, market(Side.BUY, "1"), 2)
    e.ledger.set_leverage(LeverageSetting(PAIR, D(5), MarginMode.ISOLATED), 3, orders_open=False)
    [h] = e.ledger.held(PAIR)
    assert (h.leverage, h.margin) == (D(5), D("20.2")) and e.ledger.discrepancy("USDT") == 0
    with pytest.raises(OrderRejected, match="margin mode cannot change"):
        e.ledger.set_leverage(LeverageSetting(PAIR, D(5), MarginMode.CROSS), 4, orders_open=False)
    with pytest.raises(OrderRejected, match="position mode cannot change"):
        e.ledger.set_mode(PositionMode.HEDGE, orders_open=False)


def test_funding_pays_the_position_value_at_the_mark_times_the_rate_by_side() -> None:
    e = engine(margin=MarginMode.ISOLATED)
    e.on_view(book(1, "100", "101"))
    place(e, market(Side.BUY, "2"), 2)
    margin = e.ledger.held(PAIR)[0].margin
    events = e.settle_funding(PAIR, D("0.0001"), 8)
    [payment] = [ev.payment for ev in events if hasattr(ev, "payment")]
    assert payment.amount == -D(2) * D("100.5") * D("0.0001") and payment.rate == D("0.0001")
    assert e.ledger.held(PAIR)[0].margin == margin + payment.amount, "an isolated position pays from its margin"
    assert e.settle_funding(PAIR, D("0.0001"), 8) == [], "a settlement time is applied once"
    assert e.ledger.funding["USDT"] == -payment.amount and e.ledger.discrepancy("USDT") == 0
    cross = engine(margin=MarginMode.CROSS)
    cross.on_view(book(1, "100", "101"))
    place(cross, market(Side.SELL, "2"), 2)
    cash = cross.wallet.available["USDT"]
    [received] = [ev.payment for ev in cross.settle_funding(PAIR, D("0.0001"), 8) if hasattr(ev, "payment")]
    assert received.amount == D(2) * D("100.5") * D("0.0001") and cross.wallet.available["USDT"] == cash + received.amount

"""Maker fills: queue position, size added behind, trades at and through the price, cancellations per model."""

from __future__ import annotations

import pytest

from host_spec import OrderState, OrderType, Side
from host_spec.paper.engine import POST_ONLY_REASON
from host_spec.paper.queue import QueueModel, cancel_ahead

from tests.paper.helpers import BOOK, PAIR, D, engine, limit, place, trade, view


def resting_bid(model: QueueModel = QueueModel.PROPORTIONAL):
    e = engine(model)
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.BUY, "1", "98.00"))
    return e, cid


def test_queue_starts_at_displayed_size_and_trades_move_it_then_fill() -> None:
    e, cid = resting_bid()
    w = e.orders[cid]
    assert w.slot.ahead == D(2)
    e.on_trade(trade(1100, "98.00", "1.5", Side.SELL))
    assert w.slot.ahead == D("0.5") and w.order.filled_amount == 0
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "0.5")], [("100.00", "1")]))
    assert w.slot.ahead == D("0.5")  # the decrease is explained by the trade: no cancellation
    e.on_trade(trade(1200, "98.00", "0.8", Side.SELL))
    assert w.order.filled_amount == D("0.3") and w.order.state is OrderState.PARTIALLY_FILLED
    assert e.fills[-1].is_maker and e.fills[-1].price == D("98.00") and e.fills[-1].timestamp_ms == 1200


def test_size_added_later_queues_behind() -> None:
    e, cid = resting_bid()
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "7")], [("100.00", "1")]))
    assert e.orders[cid].slot.ahead == D(2)
    e.on_trade(trade(1200, "98.00", "2.5", Side.SELL))
    assert e.orders[cid].order.filled_amount == D("0.5")


@pytest.mark.parametrize(("model", "ahead"), [
    (QueueModel.BACK, D(2)),          # all 1 cancelled behind us... but only 5 are behind: fine
    (QueueModel.FRONT, D(1)),
    (QueueModel.PROPORTIONAL, D(2) - D(1) * D(2) / D(7)),
])
def test_cancellations_split_per_model(model: QueueModel, ahead: D) -> None:
    e, cid = resting_bid(model)
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "7")], [("100.00", "1")]))  # 5 added behind us
    e.on_view(view(1200, [("99.00", "1"), ("98.00", "6")], [("100.00", "1")]))  # 1 cancelled, no trade
    assert e.orders[cid].slot.ahead == ahead


def test_default_model_lies_between_back_and_proportional() -> None:
    for ahead, behind in ((D(2), D(5)), (D(5), D(2)), (D(1), D(1))):
        back = cancel_ahead(QueueModel.BACK, ahead, behind, D(1))
        prop = cancel_ahead(QueueModel.PROPORTIONAL, ahead, behind, D(1))
        default = cancel_ahead(QueueModel.DEFAULT, ahead, behind, D(1))
        front = cancel_ahead(QueueModel.FRONT, ahead, behind, D(1))
        assert back <= default <= prop <= front


def test_cancel_larger_than_what_is_behind_must_come_from_the_front() -> None:
    e, cid = resting_bid(QueueModel.BACK)
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "0.5")], [("100.00", "1")]))  # 1.5 gone, nothing behind us
    assert e.orders[cid].slot.ahead == D("0.5")


def test_trade_through_the_price_fills() -> None:
    e, cid = resting_bid()
    e.on_trade(trade(1100, "97.00", "0.7", Side.SELL))
    w = e.orders[cid]
    assert w.order.filled_amount == D("0.7")
    e.on_trade(trade(1101, "96.00", "5", Side.SELL))
    assert w.order.state is OrderState.FILLED and w.order.filled_amount == D(1)
    assert all(f.price == D("98.00") and f.is_maker for f in e.fills)


def test_resting_liquidity_through_the_price_fills() -> None:
    e, cid = resting_bid()
    e.on_view(view(1100, [("99.00", "1")], [("97.50", "0.4"), ("100.00", "1")]))
    assert e.orders[cid].order.filled_amount == D("0.4")
    assert e.fills[-1].price == D("98.00") and e.fills[-1].is_maker


def test_our_orders_share_a_trade_in_price_time_priority() -> None:
    e = engine()
    e.on_view(BOOK)
    a, _ = place(e, limit(Side.BUY, "1", "98.50"))  # inside the spread: first in line
    b, _ = place(e, limit(Side.BUY, "1", "98.00"))  # behind 2 displayed
    e.on_trade(trade(1100, "98.00", "3.5", Side.SELL))
    assert e.orders[a].order.filled_amount == D(1)
    assert e.orders[b].order.filled_amount == D("0.5")  # 3.5 - 1 (ours at 98.50) - 2 ahead


def test_limit_maker_that_would_cross_is_accepted_then_cancelled_by_the_venue() -> None:
    e = engine()
    e.on_view(BOOK)
    cid, events = place(e, limit(Side.BUY, "1", "100.00", OrderType.LIMIT_MAKER))
    o = e.orders[cid].order
    assert o.state is OrderState.FAILED and o.reason == POST_ONLY_REASON and o.filled_amount == 0
    assert [ev.kind.value for ev in events if hasattr(ev, "kind")] == ["created", "failed"]
    assert e.wallet.frozen["USDT"] == 0 and e.wallet.available["USDT"] == D(100000)
    assert not e.book(PAIR).taken  # it took nothing on its way out
    e.on_trade(trade(1100, "100.00", "5", Side.SELL))  # a seller at its price: a dead order gets none of it
    assert e.orders[cid].order.filled_amount == 0 and not e.fills


def test_limit_maker_not_crossing_rests_and_fills_as_maker() -> None:
    e = engine()
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.SELL, "1", "100.00", OrderType.LIMIT_MAKER))
    assert e.orders[cid].slot.ahead == D(1)
    e.on_trade(trade(1100, "100.00", "2", Side.BUY))
    assert e.orders[cid].order.state is OrderState.FILLED and e.fills[-1].is_maker


def test_a_view_that_predates_a_trade_in_its_own_millisecond_does_not_lose_the_trade() -> None:
    """Seen in the fidelity harness: the venue flushed depth and then matched, both in ms 1100."""
    e = engine(QueueModel.FRONT)
    e.on_view(BOOK)
    e.on_trade(trade(1100, "98.00", "1.5", Side.SELL))
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "2")], [("100.00", "1")]))  # still shows the traded 1.5
    cid, _ = place(e, limit(Side.BUY, "1", "98.00"), ts=1120)
    w = e.orders[cid]
    assert w.slot.ahead == D("0.5")  # 2 shown less the 1.5 traded that the view did not show yet
    e.on_view(view(1150, [("99.00", "1"), ("98.00", "1.5")], [("100.00", "1")]))  # 0.5 left, 1 added behind
    assert w.slot.ahead == D("0.5")  # the 1.5 decrease is the trade, not a cancellation ahead of us


def test_a_view_in_the_trades_millisecond_that_shows_it_is_not_counted_twice() -> None:
    e = engine(QueueModel.FRONT)
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.BUY, "1", "98.00"))
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "5")], [("100.00", "1")]))  # 3 behind us
    e.on_trade(trade(1100, "98.00", "1.5", Side.SELL))
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "3.5")], [("100.00", "1")]))  # shows the trade
    e.on_view(view(1200, [("99.00", "1"), ("98.00", "3.5")], [("100.00", "1")]))
    assert e.orders[cid].slot.ahead == D("0.5") and e.book(BOOK.pair).traded == {}


def test_unshown_keeps_only_what_the_new_size_has_not_lost() -> None:
    from host_spec.paper.matching import unshown

    assert unshown(D(2), D(2), D("1.5"), D("1.5")) == D("1.5")  # view predates the trade
    assert unshown(D(2), D("0.5"), D("1.5"), D("1.5")) == 0  # view shows it
    assert unshown(D(2), D(1), D("1.5"), D("1.5")) == D("0.5")  # partly (or masked by additions)
    assert unshown(D(2), D(2), D("1.5"), D(0)) == 0  # no trade in the view's millisecond
    assert unshown(None, D(2), D(1), D(1)) == 0


@pytest.mark.parametrize(("model", "filled", "ahead"), [
    (QueueModel.FRONT, D("0.5"), D(0)),  # the cancel came first: the 1.5 traded met 1 ahead of us, 0.5 for us
    (QueueModel.BACK, D(0), D("0.5")),
])
def test_front_bound_takes_cancels_in_an_interval_as_before_its_trades(model: QueueModel, filled: D, ahead: D) -> None:
    e, cid = resting_bid(model)  # 2 ahead at 98
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "5")], [("100.00", "1")]))  # 3 behind
    e.on_trade(trade(1200, "98.00", "1.5", Side.SELL))
    assert e.orders[cid].order.filled_amount == 0
    e.on_view(view(1300, [("99.00", "1"), ("98.00", "2.5")], [("100.00", "1")]))  # 1 more gone than traded
    w = e.orders[cid]
    assert w.order.filled_amount == filled and w.slot.ahead == ahead
    assert w.slot.remaining == D(1) - filled  # owed once, not again on every later view
    e.on_view(view(1400, [("99.00", "1"), ("98.00", "2.5")], [("100.00", "1")]))
    assert w.order.filled_amount == filled


def test_shadow_twin_in_the_level_is_neither_ahead_nor_behind() -> None:
    e = engine(QueueModel.BACK)
    e.shadow = True
    e.on_view(BOOK)  # 98 x 2
    cid, _ = place(e, limit(Side.BUY, "1", "98.00"))
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "3")], [("100.00", "1")]))  # our twin joined: 2 ahead + 1
    e.on_view(view(1100, [("99.00", "1"), ("98.00", "2")], [("100.00", "1")]))  # 1 cancelled, nobody behind
    assert e.orders[cid].slot.ahead == D(1)  # so it was ahead of us, whatever the model says

"""Rules added for fidelity on a batching venue: the look-ahead view at an arrival, trades eating the
ledger, the queue behind what is left after trades, and shadow mode (a live twin in the public data)."""

from __future__ import annotations

import pytest

from host_spec import OrderType, Side
from host_spec.errors import ConfigError
from host_spec.paper.matching import MakerSlot, maker_trade_fills
from host_spec.paper.merge import Action, Timeline
from host_spec.paper.options import PaperOptions
from host_spec.paper.queue import QueueModel

from tests.paper.helpers import BOOK, PAIR, D, engine, limit, place, trade, view


def _arrival(tl: Timeline, at: int, wait: int = 100) -> Action:
    tl.push_action(Action(at, lambda ts, peek=None: [], "order", pair=PAIR, wait_ms=wait))
    return tl._heap[0].payload


def test_arrival_waits_for_the_first_view_stamped_at_or_after_it_and_peeks_at_it() -> None:
    tl = Timeline(reorder_ms=0)
    tl.push_event(view(100, [("99", "1")], [("100", "1")]))
    _arrival(tl, 120)
    tl.push_event(trade(110, "100", "0.5", Side.BUY))  # before the arrival: released before it, not peeked
    tl.push_event(trade(125, "100", "0.3", Side.BUY))  # after it, before the next view: peeked
    out = tl.release(150)  # the watermark passed 120 but no view stamped >= 120 yet: hold at the action
    assert [type(x).__name__ for x in out] == ["OrderBookView", "PublicTrade"]
    later = view(140, [("99", "1")], [("100", "0.2")])
    tl.push_event(later)
    out = tl.release(150)
    assert isinstance(out[0], Action) and out[0].peek[0] is later
    assert [t.amount for t in out[0].peek[1]] == [D("0.3")]
    assert [type(x).__name__ for x in out[1:]] == ["PublicTrade", "OrderBookView"]  # still applied after it


def test_arrival_without_a_later_view_is_released_after_the_wait() -> None:
    tl = Timeline(reorder_ms=0)
    tl.push_event(view(100, [("99", "1")], [("100", "1")]))
    _arrival(tl, 120, wait=50)
    assert len(tl.release(169)) == 1  # the view only
    out = tl.release(170)
    assert isinstance(out[0], Action) and out[0].peek == (None, [])


def test_taker_decides_on_the_look_ahead_view_with_later_trades_added_back() -> None:
    e = engine()
    e.on_view(BOOK)  # asks 100x1, 101x2, 102x3
    order, _ = e.submit(limit(Side.BUY, "2", "100"), 1001)
    # a level at 100 grew to 3 before we arrived; someone (our live twin, say) then took 1.5 of it
    peek = (view(1040, [("99", "1")], [("100", "1.5"), ("101", "2")]), [trade(1010, "100", "1.5", Side.BUY)])
    e.arrive(order.client_order_id, 1001, peek)
    w = e.orders[order.client_order_id]
    assert w.order.filled_amount == D("2") and all(f.price == D("100") for f in e.fills)
    # the twin's trade after our take eats our ledger first: it was the same front-of-queue liquidity
    e.on_trade(trade(1010, "100", "1.5", Side.BUY))
    assert e.book(PAIR).taken.get(("ask", D("100")), D(0)) == D("0.5")


def test_post_only_is_judged_on_the_look_ahead_view() -> None:
    e = engine()
    e.on_view(BOOK)
    order, _ = e.submit(limit(Side.BUY, "1", "99.5", OrderType.LIMIT_MAKER), 1001)
    peek = (view(1030, [("99", "1")], [("99.5", "1")]), [])
    e.arrive(order.client_order_id, 1001, peek)
    assert e.orders[order.client_order_id].order.state.value.lower() == "failed"


def test_resting_order_queues_behind_what_is_left_after_trades_since_the_view() -> None:
    e = engine()
    e.on_view(BOOK)  # bid 99 x 1
    e.on_trade(trade(1000, "99", "0.4", Side.SELL))
    cid, _ = place(e, limit(Side.BUY, "1", "99", OrderType.LIMIT_MAKER), 1001)
    assert e.orders[cid].slot.ahead == D("0.6")


def test_shadow_orders_fill_independently_and_fully_through_their_price() -> None:
    a, b = MakerSlot("a", "bid", D("99"), D("1"), D("0.5"), 1), MakerSlot("b", "bid", D("99"), D("1"), D("1.5"), 2)
    fills = maker_trade_fills([a, b], trade(1, "99", "2", Side.SELL), shadow=True)
    # b's displayed queue (1.5) already holds a's twin: it is not served after a again
    assert [(s.key, q) for s, q in fills] == [("a", D("1")), ("b", D("0.5"))]
    c = MakerSlot("c", "bid", D("99"), D("1"), D("5"), 3)
    assert maker_trade_fills([c], trade(2, "98", "0.1", Side.SELL), shadow=True) == [(c, D("1"))]
    shared = [MakerSlot("a", "bid", D("99"), D("1"), D("0.5"), 1), MakerSlot("b", "bid", D("99"), D("1"), D("1.5"), 2)]
    assert [(s.key, q) for s, q in maker_trade_fills(shared, trade(1, "99", "2", Side.SELL))] == [("a", D("1"))]
    d = MakerSlot("d", "bid", D("99"), D("1"), D("5"), 3)
    assert maker_trade_fills([d], trade(2, "98", "0.1", Side.SELL)) == [(d, D("0.1"))]  # without shadow


def test_shadow_and_lookahead_options() -> None:
    o = PaperOptions.parse({"shadow": "true", "lookahead_ms": 0})
    assert o.shadow and o.lookahead_ms == 0 and "shadow" not in o.base_options
    assert PaperOptions.parse({}).lookahead_ms == 100 and not PaperOptions.parse({}).shadow
    with pytest.raises(ConfigError):
        PaperOptions.parse({"shadow": "maybe"})
    assert PaperOptions.parse({}).queue_model is QueueModel.DEFAULT
    assert PaperOptions.parse({"queue_model": "Back"}).queue_model is QueueModel.BACK
    with pytest.raises(ConfigError, match="queue_model"):
        PaperOptions.parse({"queue_model": "fifo"})


def test_shadow_taker_leaves_no_ledger_its_twin_shows_the_liquidity_go() -> None:
    e = engine()
    e.shadow = True
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.BUY, "0.5", "100"))
    assert e.orders[cid].order.filled_amount == D("0.5") and not e.book(PAIR).taken


def test_default_k_is_the_calibrated_one() -> None:
    from host_spec.paper.queue import DEFAULT_K

    assert DEFAULT_K == 2.0 and PaperOptions.parse({}).queue_k == DEFAULT_K


def test_look_ahead_view_that_predates_a_trade_in_its_millisecond_does_not_get_it_added_back() -> None:
    e = engine()
    e.on_view(BOOK)  # asks 100x1, 101x2, 102x3
    order, _ = e.submit(limit(Side.BUY, "3", "101"), 1001)
    # the view at 1040 was flushed before the trade stamped 1040: it still shows the 0.6 that trade took
    peek = (view(1040, [("99", "1")], [("100", "1"), ("101", "2")]), [trade(1040, "100", "0.6", Side.BUY)])
    e.arrive(order.client_order_id, 1001, peek)
    assert [(f.price, f.amount) for f in e.fills] == [(D("100"), D("1")), (D("101"), D("2"))]


def test_liquidity_posted_and_taken_after_the_arrival_is_not_added_back() -> None:
    e = engine()
    e.on_view(BOOK)  # asks 100x1, 101x2
    order, _ = e.submit(limit(Side.BUY, "2", "101"), 1001)
    # after we arrived someone posted 0.5 at 99.5 and someone else took it: neither view shows 99.5
    peek = (view(1040, [("99", "1")], [("100", "1"), ("101", "2")]), [trade(1020, "99.5", "0.5", Side.BUY)])
    e.arrive(order.client_order_id, 1001, peek)
    assert [(f.price, f.amount) for f in e.fills] == [(D("100"), D("1")), (D("101"), D("1"))]


def test_shadow_resting_order_is_filled_by_trades_not_by_a_view_crossing_it() -> None:
    e = engine()
    e.shadow = True
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.BUY, "1", "99.50", OrderType.LIMIT_MAKER))
    e.on_view(view(1100, [("99.50", "1"), ("99", "1")], [("99.40", "0.3"), ("100", "1")]))  # a stale or racing view
    assert e.orders[cid].order.filled_amount == 0 and not e.book(PAIR).taken
    e.on_trade(trade(1101, "99.50", "0.3", Side.SELL))  # the crossing seller met our twin: the trade says so
    assert e.orders[cid].order.filled_amount == D("0.3")


def test_a_level_only_the_later_view_shows_better_than_a_later_trade_was_posted_after_the_arrival() -> None:
    e = engine()
    e.on_view(BOOK)  # asks 100x1, 101x2
    order, _ = e.submit(limit(Side.BUY, "1", "101"), 1001)
    # a buyer paid 100 at 1010, so the 99.5 ask the later view shows was not there yet
    peek = (view(1040, [("99", "1")], [("99.5", "0.4"), ("100", "0.5"), ("101", "2")]),
            [trade(1010, "100", "0.5", Side.BUY)])
    e.arrive(order.client_order_id, 1001, peek)
    assert [(f.price, f.amount) for f in e.fills] == [(D("100"), D("1"))]


def test_shadow_twin_joining_the_level_does_not_hide_a_cancellation_ahead() -> None:
    e = engine(QueueModel.FRONT)
    e.shadow = True
    e.on_view(BOOK)  # bid 98 x 2
    cid, _ = place(e, limit(Side.BUY, "1", "98.00", OrderType.LIMIT_MAKER))
    # the first view after us: our twin (1) joined and 0.8 ahead of us was cancelled -> 2.2, not a net +0.2
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "2.2")], [("100.00", "1")]))
    assert e.orders[cid].slot.ahead == D("1.2")


def test_front_joins_behind_the_smaller_of_the_last_view_and_the_look_ahead_view() -> None:
    for model, ahead in ((QueueModel.FRONT, D("0.5")), (QueueModel.BACK, D(2))):
        e = engine(model)
        e.on_view(BOOK)  # bid 98 x 2
        order, _ = e.submit(limit(Side.BUY, "1", "98.00", OrderType.LIMIT_MAKER), 1001)
        e.arrive(order.client_order_id, 1001, (view(1040, [("99", "1"), ("98.00", "0.5")], [("100", "1")]), []))
        assert e.orders[order.client_order_id].slot.ahead == ahead


def test_a_new_level_that_would_have_crossed_a_later_trade_was_not_there_at_the_arrival() -> None:
    e = engine()
    e.on_view(BOOK)  # bids 99x1; asks 100x1, 101x2
    order, _ = e.submit(limit(Side.BUY, "2", "101"), 1001)
    # a seller hit a 99.6 bid at 1020 then rested the rest at 99.6: the later view shows an ask at 99.6
    peek = (view(1040, [("99", "1")], [("99.6", "0.3"), ("100", "1"), ("101", "2")]),
            [trade(1020, "99.6", "0.1", Side.SELL)])
    e.arrive(order.client_order_id, 1001, peek)
    assert [(f.price, f.amount) for f in e.fills] == [(D("100"), D("1")), (D("101"), D("1"))]


def test_shadow_level_smaller_than_what_we_have_left_means_the_twin_filled_more() -> None:
    e = engine(QueueModel.BACK)
    e.shadow = True
    e.on_view(BOOK)  # bid 98 x 2
    cid, _ = place(e, limit(Side.BUY, "1", "98.00", OrderType.LIMIT_MAKER))
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "3")], [("100.00", "1")]))  # our twin joined behind 2
    e.on_trade(trade(1100, "98.00", "2.5", Side.SELL))  # we think: 2 ahead, then 0.5 for us
    assert e.orders[cid].order.filled_amount == D("0.5")
    e.on_view(view(1150, [("99.00", "1"), ("98.00", "0.2")], [("100.00", "1")]))  # yet only 0.2 is left there
    assert e.orders[cid].order.filled_amount == D("0.8") and e.orders[cid].slot.ahead == 0
    assert e.orders[cid].slot.remaining == D("0.2")  # owed once, not again on every later view
    e.on_view(view(1200, [("99.00", "1"), ("98.00", "0.2")], [("100.00", "1")]))
    assert e.orders[cid].order.filled_amount == D("0.8")


def test_shadow_trades_at_our_price_move_us_up_the_queue() -> None:
    e = engine(QueueModel.BACK)
    e.shadow = True
    e.on_view(BOOK)  # bid 98 x 2
    cid, _ = place(e, limit(Side.BUY, "1", "98.00", OrderType.LIMIT_MAKER))
    e.on_view(view(1050, [("99.00", "1"), ("98.00", "3")], [("100.00", "1")]))  # our twin joined behind 2
    e.on_trade(trade(1100, "98.00", "1.5", Side.SELL))  # 1.5 of the 2 ahead of us trade away
    assert e.orders[cid].slot.ahead == D("0.5") and e.orders[cid].order.filled_amount == 0
    e.on_trade(trade(1120, "98.00", "1", Side.SELL))  # the last 0.5 ahead, then 0.5 of ours
    assert e.orders[cid].order.filled_amount == D("0.5") and e.orders[cid].slot.ahead == 0

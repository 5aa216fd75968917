"""One clock: merged streams, trades first on ties, and our latency-delayed orders and cancels."""

from __future__ import annotations

from host_spec import OrderState, Side
from host_spec.paper.merge import Action, Timeline

from tests.paper.helpers import BOOK, D, engine, limit, trade, view


def test_merge_orders_by_time_with_trades_before_depth_on_ties() -> None:
    tl = Timeline(reorder_ms=10)
    v = view(100, [("99", "1")], [("100", "1")])
    t = trade(100, "100", "1", Side.BUY)
    late = trade(95, "100", "1", Side.BUY)
    tl.push_event(v)
    tl.push_event(t)
    assert tl.release(tl.watermark()) == []  # still inside the reorder buffer
    tl.push_event(late)
    tl.push_action(Action(100, lambda ts: [], "mine"))
    tl.push_event(view(120, [("99", "1")], [("100", "1")]))
    out = tl.release(tl.watermark())
    assert [type(x).__name__ for x in out] == ["PublicTrade", "Action", "PublicTrade", "OrderBookView"]
    assert out[0] is late and out[2] is t and out[3] is v
    assert tl.late == 0 and len(tl) == 1


def test_late_events_are_counted() -> None:
    tl = Timeline(reorder_ms=0)
    tl.push_event(trade(100, "1", "1", Side.BUY))
    tl.release(100)
    tl.push_event(trade(90, "1", "1", Side.BUY))
    assert len(tl.release(100)) == 1 and tl.late == 1


def run(tl: Timeline, e, items) -> None:
    for item in items:
        tl.push_event(item)
    for item in tl.drain():
        if isinstance(item, Action):
            item.run(item.at_ms)
        elif hasattr(item, "taker_side"):
            e.on_trade(item)
        else:
            e.on_view(item)


def _race(cancel_latency: int) -> OrderState:
    e = engine()
    tl = Timeline(reorder_ms=20)
    run(tl, e, [BOOK])
    order, _ = e.submit(limit(Side.BUY, "1", "98.00"), 1000)
    cid = order.client_order_id
    tl.push_action(Action(1000 + 5, lambda ts: e.arrive(cid, ts)))          # entry latency 5 ms
    tl.push_action(Action(1050 + cancel_latency, lambda ts: e.cancel(cid, ts)))  # cancel sent at 1050
    run(tl, e, [trade(1060, "98.00", "5", Side.SELL)])                     # sweeps 2 ahead and us
    return e.orders[cid].order.state


def test_cancel_racing_a_fill_depends_on_latency() -> None:
    assert _race(cancel_latency=5) is OrderState.CANCELED   # reaches the venue at 1055, before the trade
    assert _race(cancel_latency=10) is OrderState.CANCELED  # at 1060: our action goes first on a tie
    assert _race(cancel_latency=15) is OrderState.FILLED    # at 1065: the fill won; the cancel is a no-op


def test_order_sees_the_book_as_it_stands_when_it_arrives() -> None:
    e = engine()
    tl = Timeline(reorder_ms=20)
    run(tl, e, [BOOK])
    order, _ = e.submit(limit(Side.BUY, "1", "100.00"), 1000)
    cid = order.client_order_id
    tl.push_action(Action(1030, lambda ts: e.arrive(cid, ts)))  # 30 ms entry latency
    run(tl, e, [view(1020, [("99.00", "1")], [("100.50", "1")])])  # the ask moved away before we arrived
    o = e.orders[cid].order
    assert o.filled_amount == 0 and o.state is OrderState.OPEN and e.orders[cid].slot.ahead == D(0)

"""Taker fills walk the book as it stands, level by level; the ledger stops double fills."""

from __future__ import annotations

from host_spec import OrderRequest, OrderState, OrderType, Side

from tests.paper.helpers import BOOK, PAIR, D, engine, limit, place, view


def kinds(events: list) -> list[str]:
    return [e.kind.value for e in events if hasattr(e, "kind")]


def test_taker_walks_three_levels_and_rests_the_remainder() -> None:
    e = engine()
    e.on_view(BOOK)
    cid, events = place(e, limit(Side.BUY, "3.5", "102.00"))
    fills = [f for f in e.fills if f.client_order_id == cid]
    assert [(f.price, f.amount) for f in fills] == [(D("100.00"), D(1)), (D("101.00"), D(2)), (D("102.00"), D("0.5"))]
    assert all(not f.is_maker for f in fills)
    assert e.orders[cid].order.state is OrderState.FILLED
    assert kinds(events) == ["created", "partially_filled", "partially_filled", "filled"]

    e2 = engine()
    e2.on_view(BOOK)
    cid2, events2 = place(e2, limit(Side.SELL, "4", "98.00"))
    o = e2.orders[cid2].order
    assert o.state is OrderState.PARTIALLY_FILLED and o.filled_amount == D(3)
    assert o.filled_quote == D("99") + D("196")
    assert e2.orders[cid2].slot.ahead == 0  # rests at 98 where the bids were taken; nothing of ours ahead
    assert kinds(events2)[-1] == "partially_filled"


def test_two_orders_do_not_fill_against_the_same_displayed_size() -> None:
    e = engine()
    e.on_view(BOOK)
    a, _ = place(e, OrderRequest(PAIR, Side.BUY, OrderType.MARKET, quote_amount=D("100")))
    b, _ = place(e, limit(Side.BUY, "1", "100.00"))
    assert e.orders[a].order.filled_amount == D(1)
    assert e.orders[b].order.filled_amount == 0  # 100.00 x 1 was ours already
    assert e.orders[b].order.state is OrderState.OPEN
    # the venue shows the level shrinking by 0.4 (the front of it went): the ledger shrinks, 0.4 frees up? no:
    # our take was the front; a real decrease eats our ledger first, so nothing is available yet
    e.on_view(view(1010, [("99.00", "1")], [("100.00", "0.6"), ("101.00", "2")]))
    assert e.orders[b].order.filled_amount == 0
    e.on_view(view(1020, [("99.00", "1")], [("100.00", "1.6"), ("101.00", "2")]))  # 1 new unit at 100 crosses our bid
    assert e.orders[b].order.filled_amount == D(1)
    fill = e.fills[-1]
    assert fill.is_maker and fill.price == D("100.00")


def test_market_sell_and_ioc_remainders_are_cancelled() -> None:
    e = engine()
    e.on_view(BOOK)
    cid, events = place(e, OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("7")))
    o = e.orders[cid].order
    assert o.filled_amount == D(6) and o.state is OrderState.CANCELED
    assert kinds(events)[-1] == "canceled"
    assert e.wallet.frozen["BTC"] == 0 and e.wallet.available["BTC"] == D(4)


def test_market_buy_spending_its_notional_is_filled() -> None:
    e = engine()
    e.on_view(BOOK)
    cid, events = place(e, OrderRequest(PAIR, Side.BUY, OrderType.MARKET, quote_amount=D("201")))
    o = e.orders[cid].order
    assert o.filled_amount == D("1") + D("1.000") and o.state is OrderState.FILLED
    assert kinds(events)[0] == "created" and kinds(events)[-1] == "filled"

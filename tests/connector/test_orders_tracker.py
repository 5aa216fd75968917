"""Order tracker: exact state mapping, exactly-once events, fill dedup by detail id, BitMart quirks."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

from host_spec import Fill, OrderEventKind as K, OrderRequest, OrderState, OrderType, Side, TradingPair

from bitmart_plugin.orders import POST_ONLY_REASON, OrderTracker, Snapshot, new_client_order_id

BTC = TradingPair("BTC", "USDT")


def ws(cid: str, state: str, filled: str = "0", notional: str = "0", detail: str = "", count: str = "0",
       price: str = "0", fee: str = "0") -> SimpleNamespace:
    return SimpleNamespace(client_order_id=cid, order_id="9" + cid[-3:], order_state=state, filled_size=D(filled),
                           filled_notional=D(notional), detail_id=detail, last_fill_count=D(count),
                           last_fill_price=D(price), last_fill_time=1700000000000, exec_type="M", deal_fee=D(fee),
                           deal_fee_coin_name="USDT", update_time=1700000000001)


def tracked(kind: OrderType = OrderType.LIMIT, side: Side = Side.BUY, **kw) -> tuple[OrderTracker, str]:
    t = OrderTracker()
    cid = new_client_order_id()
    req = OrderRequest(BTC, side, kind, kw.get("amount", D("1")), kw.get("price", D("100")), kw.get("quote"))
    t.track(req, cid, 1, D("0.001"))
    return t, cid


def apply(t: OrderTracker, u: SimpleNamespace) -> list:
    o = t.get(u.client_order_id)
    return t.apply(Snapshot.from_ws(u, o.pair, o.side))


def test_client_order_id_shape() -> None:
    cid = new_client_order_id()
    assert len(cid) == 32 and cid.isalnum() and cid.startswith("hs")


def test_partial_fills_then_filled_exactly_once() -> None:
    t, cid = tracked()
    ev = t.accepted(cid, "900", 2)
    ev += apply(t, ws(cid, "new"))
    ev += apply(t, ws(cid, "partially_filled", "0.4", "40", "d1", "0.4", "100", "0.01"))
    ev += apply(t, ws(cid, "partially_filled", "0.4", "40", "d1", "0.4", "100", "0.01"))  # duplicate push
    ev += apply(t, ws(cid, "filled", "1", "100", "d2", "0.6", "100"))
    ev += apply(t, ws(cid, "filled", "1", "100", "d2", "0.6", "100"))
    assert [e.kind for e in ev] == [K.CREATED, K.PARTIALLY_FILLED, K.FILLED]
    assert [e.fill.trade_id for e in ev[1:]] == ["d1", "d2"]
    assert ev[1].fill.fee == D("0.01") and ev[1].fill.is_maker and ev[1].fill.fee_asset == "USDT"
    final = t.get(cid)
    assert final.state is OrderState.FILLED and final.filled_amount == D(1) and final.average_price == D(100)


def test_fill_seen_on_rest_first_is_not_repeated_by_ws() -> None:
    t, cid = tracked()
    t.accepted(cid, "900", 2)
    f = Fill("d1", cid, "900", BTC, Side.BUY, D(100), D("0.4"), D(0), "USDT", True, 5)
    assert [e.kind for e in t.apply_trade(f)] == [K.PARTIALLY_FILLED]
    assert t.apply_trade(f) == []
    assert apply(t, ws(cid, "partially_filled", "0.4", "40", "d1", "0.4", "100")) == []
    assert t.get(cid).filled_amount == D("0.4")


def test_partially_canceled_is_canceled() -> None:
    t, cid = tracked()
    t.accepted(cid, "900", 2)
    apply(t, ws(cid, "partially_filled", "0.4", "40", "d1", "0.4", "100"))
    t.mark_cancel_requested(cid)
    ev = apply(t, ws(cid, "partially_canceled", "0.4", "40"))
    assert [e.kind for e in ev] == [K.CANCELED] and t.get(cid).state is OrderState.CANCELED
    assert apply(t, ws(cid, "canceled")) == []


def test_market_buy_that_spent_its_notional_is_filled() -> None:
    t, cid = tracked(OrderType.MARKET, amount=None, price=None, quote=D("100"))
    t.accepted(cid, "900", 2)
    apply(t, ws(cid, "partially_filled", "0.999", "99.9999", "d1", "0.999", "100.1"))
    ev = apply(t, ws(cid, "partially_canceled", "0.999", "99.9999"))
    assert [e.kind for e in ev] == [K.FILLED] and t.get(cid).state is OrderState.FILLED


def test_market_buy_out_of_liquidity_is_canceled() -> None:
    t, cid = tracked(OrderType.MARKET, amount=None, price=None, quote=D("100"))
    t.accepted(cid, "900", 2)
    ev = apply(t, ws(cid, "partially_canceled", "0.5", "50", "d1", "0.5", "100"))
    assert [e.kind for e in ev] == [K.PARTIALLY_FILLED, K.CANCELED]


def test_post_only_cancelled_by_system_is_failed() -> None:
    t, cid = tracked(OrderType.LIMIT_MAKER)
    t.accepted(cid, "900", 2)
    ev = t.apply(Snapshot(cid, "900", "canceled", D(0), D(0), 3, "system"))
    assert [e.kind for e in ev] == [K.FAILED]
    assert t.get(cid).state is OrderState.FAILED and t.get(cid).reason == POST_ONLY_REASON
    # but a LIMIT_MAKER we cancelled ourselves is just cancelled
    t2, cid2 = tracked(OrderType.LIMIT_MAKER)
    t2.accepted(cid2, "901", 2)
    t2.mark_cancel_requested(cid2)
    assert [e.kind for e in t2.apply(Snapshot(cid2, "901", "canceled", D(0), D(0), 3, "user"))] == [K.CANCELED]


def test_post_only_cancelled_by_self_trade_prevention_rested_so_it_is_cancelled_not_failed() -> None:
    t, cid = tracked(OrderType.LIMIT_MAKER)
    t.accepted(cid, "900", 2)
    ev = t.apply(Snapshot(cid, "900", "canceled", D(0), D(0), 3, "stp"))
    assert [e.kind for e in ev] == [K.CANCELED] and t.get(cid).state is OrderState.CANCELED


def test_ws_before_rest_answer_and_failed_state() -> None:
    t, cid = tracked()
    ev = apply(t, ws(cid, "new"))  # the push overtook the REST answer
    assert [e.kind for e in ev] == [K.CREATED] and t.get(cid).exchange_order_id
    assert t.accepted(cid, "900", 3) == []
    t2, cid2 = tracked()
    assert [e.kind for e in t2.apply(Snapshot(cid2, "1", "failed", D(0), D(0)))] == [K.FAILED]


def test_unknown_orders_are_ignored() -> None:
    t = OrderTracker()
    assert t.apply(Snapshot("nope", "1", "new", D(0), D(0))) == []


def test_not_placed_is_ignored_once_the_venue_has_reported_the_order() -> None:
    """A late 'BitMart does not know it' (a query answered before a delayed submit landed) must not turn an
    order the private stream already reported into FAILED."""
    t, cid = tracked()
    assert [e.kind for e in apply(t, ws(cid, "new"))] == [K.CREATED]
    assert t.failed(cid, "no answer and BitMart does not know the order", 2) == []
    assert t.get(cid).state is OrderState.OPEN
    assert [e.kind for e in apply(t, ws(cid, "filled", "1", "100", "d1", "1", "100"))] == [K.FILLED]

"""Futures orders and fills from the real payloads: states, side codes by mode, fees, dedup, the shared tracker."""

from __future__ import annotations

from dataclasses import replace

import pytest

from host_spec import (
    OrderEventKind, OrderRequest, OrderState, OrderType, PositionAction, PositionMode, Side, TradingPair,
)

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.parse_orders import (
    fill_from_trade, fills_from_trades, order_from_rest, orders_from_rest, orders_from_ws, unique_fills,
)
from bitmart_plugin.perp.symbols import Contracts
from bitmart_plugin.orders import OrderTracker

from .helpers import RATES, D, data, load, ws_fill_push

HEDGE, ONE_WAY = PositionMode.HEDGE, PositionMode.ONE_WAY
BTC = TradingPair("BTC", "USDT")


def test_live_market_order_detail(contracts: Contracts) -> None:
    order = order_from_rest(data("rest_private/order_detail_live_ccxt_fixture_2024-08_market.json"), contracts, HEDGE)
    assert (order.state, order.order_type, order.price, order.reference_price) == (
        OrderState.FILLED, OrderType.MARKET, None, D("58.48"))
    assert (order.amount, order.filled_amount, order.average_price) == (D("0.001"), D("0.001"), D("58.45"))
    assert (order.side, order.position_action, order.client_order_id) == (Side.BUY, PositionAction.OPEN, "")
    host = order.order("hsmine")
    assert host.client_order_id == "hsmine" and host.exchange_order_id == "3000013086011694"
    assert host.filled_quote == D("0.05845") and host.average_price == D("58.45")


def test_live_open_limit_orders(contracts: Contracts) -> None:
    (row,) = orders_from_rest(data("rest_private/open_orders_live_ccxt_comment_2023-09.json"), contracts, HEDGE)
    assert (row.state, row.price, row.amount, row.average_price) == (OrderState.OPEN, D("24000"), D("0.001"), None)
    assert row.order().price == D("24000") and row.leverage == D(10)


def test_cancelled_liquidation_and_plan_born_orders(contracts: Contracts) -> None:
    (cancelled,) = orders_from_rest(data("rest_private/order_history_live_ccxt_fixture_2023-11_canceled.json"),
                                    contracts, HEDGE)
    assert cancelled.state is OrderState.CANCELED and cancelled.side is Side.SELL
    (liquidation,) = orders_from_rest(data("rest_private/order_history_live_ccxt_comment_2023-10_liquidation.json"),
                                      contracts, HEDGE)
    assert (liquidation.kind, liquidation.order_type, liquidation.state) == ("liquidate", OrderType.MARKET,
                                                                            OrderState.FILLED)
    assert liquidation.position_action is PositionAction.CLOSE
    (plan,) = orders_from_rest(data("rest_private/order_history_doc_plan_triggered.json"), contracts, ONE_WAY)
    assert plan.client_order_id == "PLAN_3000097492004577"
    assert (plan.position_action, plan.reduce_only) == (PositionAction.CLOSE, True)  # row says hedge_mode: it wins


def test_partially_filled_then_cancelled(contracts: Contracts) -> None:
    row = data("rest_private/order_detail_live_ccxt_comment_2023-09_limit.json") | {"size": "3", "deal_size": "1",
                                                                                    "deal_avg_price": "23000"}
    assert order_from_rest(row, contracts, HEDGE).state is OrderState.PARTIALLY_FILLED
    assert order_from_rest(row | {"state": 4}, contracts, HEDGE).state is OrderState.CANCELED


@pytest.mark.parametrize(("mode", "code", "side", "action", "reduce"), [
    (HEDGE, 1, Side.BUY, PositionAction.OPEN, False), (HEDGE, 2, Side.BUY, PositionAction.CLOSE, True),
    (HEDGE, 3, Side.SELL, PositionAction.CLOSE, True), (HEDGE, 4, Side.SELL, PositionAction.OPEN, False),
    (ONE_WAY, 1, Side.BUY, None, False), (ONE_WAY, 2, Side.BUY, None, True),
    (ONE_WAY, 3, Side.SELL, None, True), (ONE_WAY, 4, Side.SELL, None, False),
])
def test_side_codes_in_the_accounts_mode(contracts: Contracts, mode: PositionMode, code: int, side: Side,
                                         action: PositionAction | None, reduce: bool) -> None:
    row = data("rest_private/open_orders_live_ccxt_comment_2023-09.json")[0] | {"side": code}
    order = order_from_rest(row, contracts, mode)
    assert (order.side, order.position_action, order.reduce_only) == (side, action, reduce)


@pytest.mark.parametrize("bad", [{"side": 5}, {"state": 3}, {"order_id": ""}, {"size": "1.5"}, {"symbol": "BTC_USDT"}])
def test_unreadable_orders_are_parse_errors(contracts: Contracts, bad: dict[str, object]) -> None:
    row = data("rest_private/open_orders_live_ccxt_comment_2023-09.json")[0] | bad
    with pytest.raises(ParseError):
        order_from_rest(row, contracts, HEDGE)


def test_ws_fill_flips_the_fee_sign_and_infers_the_role(contracts: Contracts) -> None:
    (order,) = orders_from_ws([ws_fill_push()], contracts, HEDGE, RATES)
    fill = order.fill
    assert fill is not None and order.action == 1 and order.state is OrderState.PARTIALLY_FILLED
    assert (fill.trade_id, fill.amount, fill.price) == ("6802340762", D("0.001"), D("74.17"))
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (D("0.000044502"), "USDT", False)  # 0.0006 = taker
    maker = ws_fill_push(last_trade={**load("ws_private/order_last_trade_live_ccxt.json"), "fee": "-0.000014834"})
    assert orders_from_ws([maker], contracts, HEDGE, RATES)[0].fill.is_maker  # type: ignore[union-attr]


def test_rest_fill_fee_positive_realized_pnl_and_usdt(contracts: Contracts) -> None:
    (fill,) = fills_from_trades(data("rest_private/trades_live_ccxt_comment_2023-09.json"), contracts,
                                {"230930336848609": "hsmine"})
    assert (fill.trade_id, fill.client_order_id, fill.side) == ("6212604014", "hsmine", Side.SELL)
    assert (fill.amount, fill.fee, fill.fee_asset, fill.is_maker) == (D("0.001"), D("0.01614624"), "USDT", False)
    assert fill.realized_pnl == D("-0.0003") and fill.timestamp_ms == 1695961596692


def test_the_same_fill_on_both_channels_is_one_fill(contracts: Contracts) -> None:
    (order,) = orders_from_ws([ws_fill_push()], contracts, HEDGE, RATES)
    row = {"order_id": order.order_id, "trade_id": "6802340762", "symbol": "LTCUSDT", "side": 1, "price": "74.17",
           "vol": "1", "exec_type": "Taker", "profit": False, "realised_profit": "0", "paid_fees": "0.000044502",
           "create_time": 1662368173000}
    rest = fill_from_trade(row, contracts)
    assert order.fill is not None and (rest.fee, rest.amount) == (order.fill.fee, order.fill.amount)
    assert unique_fills([order.fill], [rest, rest]) == [order.fill]


def test_every_entry_of_a_batched_push(contracts: Contracts) -> None:
    submit = data("ws_private/order_live_ccxt_2023-12_market_submit.json")[0]
    second = ws_fill_push(last_trade={**load("ws_private/order_last_trade_live_ccxt.json"), "lastTradeID": 2})
    orders = orders_from_ws([submit, ws_fill_push(), second], contracts, HEDGE)
    assert [o.action for o in orders] == [2, 1, 1]
    assert [o.fill.trade_id for o in orders[1:]] == ["6802340762", "2"]  # type: ignore[union-attr]


def test_state_one_push_is_an_open_order_with_sane_times(contracts: Contracts) -> None:
    (order,) = orders_from_ws(data("ws_private/order_live_ccxt_2023-12_market_submit.json"), contracts, HEDGE)
    assert (order.venue_state, order.state, order.fill) == (1, OrderState.OPEN, None)
    assert order.updated_ms == order.created_ms == 1701625324646  # the push stamps update 6 ms before create


def test_ws_entries_drive_the_shared_tracker_exactly_once(contracts: Contracts) -> None:
    tracker = OrderTracker()
    cid = "BM1234"
    request = OrderRequest(TradingPair("LTC", "USDT"), Side.BUY, OrderType.LIMIT, D("0.002"), D("74.17"),
                           client_order_id=cid, position_action=PositionAction.OPEN)
    tracker.track(request, cid, 0)
    first = orders_from_ws([ws_fill_push()], contracts, HEDGE, RATES)[0]
    done = replace(first, state=OrderState.FILLED, filled_amount=D("0.002"),
                   fill=replace(first.fill, trade_id="6802340763"))  # type: ignore[type-var]
    events = [e for o in (first, first, done) for e in tracker.apply(o.snapshot())]
    assert [e.kind for e in events] == [OrderEventKind.CREATED, OrderEventKind.PARTIALLY_FILLED, OrderEventKind.FILLED]
    assert tracker.get(cid).filled_amount == D("0.002")  # type: ignore[union-attr]


def test_empty_answer_is_not_an_order(contracts: Contracts) -> None:
    with pytest.raises(ParseError, match="empty answer is not an order"):
        order_from_rest(None, contracts, HEDGE)

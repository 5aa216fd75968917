"""bitmart_futures.md §7: each defect of Hummingbot's perp connector (HB n) and ccxt 4.5.70 (CCXT n) that a pure
function can show, on the real payloads. Each test states in one line what the peer computes (its behaviour as §7
describes it, not its code), checks that this is wrong, and that ours is right.

Not here (they need the connector or the venue): HB 11 (cancel declared synchronous), HB 13 (last price read from
the wrong level), HB 18 (KEYED GETs signed over "{}"), HB 19 (30 s heartbeat), CCXT 9 (candle intervals; the perp
candles feed), CCXT 11 (edit_order sends size as a string; no modify here), CCXT 15 (stale static fixtures).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from host_spec import (
    OrderRejected, OrderRequest, OrderState, OrderType, PositionAction, PositionMode, PositionSide, Side, TradingPair,
)

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.bodies import confirm_position_mode, submit_body
from bitmart_plugin.perp.codes import decode_side
from bitmart_plugin.perp.errors_map import from_exception, from_response
from bitmart_plugin.perp.parse_account import (
    balance_from_ws, balances_from_rest, position_from_update, position_from_v2, position_updates_from_ws,
)
from bitmart_plugin.perp.parse_funding import funding_info, rate_from_rest, rate_from_ws
from bitmart_plugin.perp.parse_market import book_from_rest, ticker_from_ws, trades_from_rest, trades_from_ws
from bitmart_plugin.perp.parse_orders import fill_from_trade, order_from_rest, orders_from_ws
from bitmart_plugin.perp.queries import trades_params
from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import Contracts
from bitmart_plugin.perp.topics import split_group, subscribe_messages, topic

from .helpers import RATES, D, data, load, open_v2, ws_fill_push

HEDGE, ONE_WAY = PositionMode.HEDGE, PositionMode.ONE_WAY
BTC, LTC = TradingPair("BTC", "USDT"), TradingPair("LTC", "USDT")


# ---- Hummingbot bitmart_perpetual --------------------------------------------------------------------


def test_hb1_contracts_become_base_amounts_in_positions_books_and_trades(contracts: Contracts) -> None:
    (row,) = data("ws_private/position_doc.json")
    hb = Decimal(row["hold_volume"])  # HB: the contract count as the amount
    (ours,) = position_updates_from_ws([row], contracts)
    assert hb == 2000 and ours.amount == D(2) == 2000 * D("0.001")
    (trade,) = trades_from_ws(data("ws_public/trade_live_ccxt_2023-12.json"), contracts)
    assert Decimal(data("ws_public/trade_live_ccxt_2023-12.json")[0]["deal_vol"]) == 2 and trade.amount == D("0.002")
    view = book_from_rest(data("rest_public/depth_live_ccxt_2023-09.json"), contracts)
    assert view.bids[0][1] == D("0.02")  # not 20


def test_hb2_size_step_is_contract_size_times_vol_precision() -> None:
    details = data("rest_public/details_skills_2026-03_illustrative.json")
    hb = Decimal(details["symbols"][0]["vol_precision"])  # HB: 1, i.e. 1 BTC, so every order < 1 BTC rounds to 0
    rule = contracts_from_details(details).rules()[BTC]
    assert hb == 1 and rule.size_increment == D("0.001")


def test_hb3_state_1_is_an_open_order_not_an_error(contracts: Contracts) -> None:
    push = data("ws_private/order_live_ccxt_2023-12_market_submit.json")
    hb_known = {2, 4}  # HB raises UnknownOrderStateException for anything else and drops the message
    assert push[0]["order"]["state"] not in hb_known
    assert orders_from_ws(push, contracts, HEDGE)[0].state is OrderState.OPEN


def test_hb4_every_entry_of_order_and_trade_pushes(contracts: Contracts) -> None:
    entries = [data("ws_private/order_live_ccxt_2023-12_market_submit.json")[0], ws_fill_push()]
    hb = entries[:1]  # HB reads data[0]
    assert len(orders_from_ws(entries, contracts, HEDGE)) == 2 != len(hb)
    (element,) = data("ws_public/trade_live_ccxt_2023-12.json")
    later = element | {"trade_id": 6798697638, "created_at": "2023-12-03T15:48:24Z"}
    assert [t.trade_id for t in trades_from_ws([later, element], contracts)] == ["6798697637", "6798697638"]


def test_hb5_fee_has_one_sign_on_both_channels(contracts: Contracts) -> None:
    last_trade = load("ws_private/order_last_trade_live_ccxt.json")
    hb_ws = Decimal(last_trade["fee"])  # HB books the WS value as the fee: a charge becomes a rebate
    (order,) = orders_from_ws([ws_fill_push()], contracts, HEDGE, RATES)
    rest = fill_from_trade(data("rest_private/trades_live_ccxt_comment_2023-09.json")[0], contracts)
    assert hb_ws < 0 < rest.fee
    assert order.fill is not None and order.fill.fee == D("0.000044502") > 0


def test_hb6_unrealized_pnl_is_money_not_a_ratio(contracts: Contracts) -> None:
    short, _ = position_updates_from_ws(data("ws_private/position_live_ccxt_2023-12_hedge_cross.json"), contracts)
    mark = D("71.482")
    hb = -1 * (mark / short.entry_price - 1)  # HB: sign x (price / entry - 1)
    ours = position_from_update(short, mark, D(5)).unrealized_pnl
    assert ours == D("0.0005") == (short.entry_price - mark) * short.amount and hb != ours


def test_hb7_ws_balance_keeps_position_margin(contracts: Contracts) -> None:
    row = data("ws_private/asset_live_ccxt.json")
    hb_total = Decimal(row["available_balance"]) + Decimal(row["frozen_balance"])  # drops position_deposit
    event = balance_from_ws(row)
    assert event.available + event.frozen == hb_total + Decimal(row["position_deposit"]) != hb_total
    rest = balances_from_rest([row | {"equity": "0", "unrealized": "0"}])["USDT"]
    assert rest.total == event.available + event.frozen  # REST and WS agree


def test_hb8_order_not_found_on_40035() -> None:
    hb_not_found = {40037}  # HB lists 40037 twice and never 40035, the code /order answers
    assert 40035 not in hb_not_found
    assert type(from_response(40035, "The order is not exist")).__name__ == "OrderNotFound"


def test_hb9_an_answer_without_data_is_not_an_order(contracts: Contracts) -> None:
    envelope = load("errors/40035_order_not_exist_skills.json")  # data null
    assert envelope is not None  # HB tests the response, not its data, so this passes as "an order"
    with pytest.raises(ParseError):
        order_from_rest(envelope["data"], contracts, HEDGE)


def test_hb10_error_text_is_read_from_message() -> None:
    body = {"code": 40037, "message": "The order id is not exist", "trace": "t"}
    assert "msg" not in body  # HB reads cancel_result["msg"]
    err = from_exception(RuntimeError(), status=400, body=json.dumps(body))
    assert type(err).__name__ == "OrderNotFound" and "The order id is not exist" in str(err)


def test_hb12_position_action_of_each_side_code() -> None:
    hb = {code: PositionAction.CLOSE for code in (1, 2, 3, 4)}  # HB: enum compared to "LONG" is never equal
    ours = {code: decode_side(code, HEDGE).position_action for code in (1, 2, 3, 4)}
    assert ours == {1: PositionAction.OPEN, 2: PositionAction.CLOSE, 3: PositionAction.CLOSE, 4: PositionAction.OPEN}
    assert ours != hb


def test_hb14_each_topic_subscribed_once() -> None:
    pairs = ["BTCUSDT", "ETHUSDT", "LTCUSDT"]
    hb_args = [topic("futures/depthIncrease50", p) for n in range(1, 4) for p in pairs[:n]]  # cumulative per pair
    assert len(hb_args) == 6
    ours = [a for m in subscribe_messages(hb_args) for a in m["args"]]
    assert ours == [topic("futures/depthIncrease50", p) for p in pairs]


def test_hb15_rest_book_and_funding_mark(contracts: Contracts) -> None:
    view = book_from_rest(data("rest_public/depth_live_ccxt_2023-09.json"), contracts)
    assert view.sequence != 1 and view.sequence == 1695264383999  # HB seeds its book with update_id 1
    tick = ticker_from_ws(data("ws_public/ticker_symbol_live_ccxt_eth_2025.json"), contracts)
    rate = rate_from_ws(data("ws_public/fundingRate_live_ccxt_2026-02.json"), contracts)
    info = funding_info(rate, contracts.by_symbol("BTCUSDT"), tick.mark_price, tick.index_price or D(0))
    assert info.mark_price == D("2807.5") != tick.ticker.last  # HB takes last_price as the mark


def test_hb16_taker_side_from_m(contracts: Contracts) -> None:
    element = load("ws_public/trade_element_live_ccxt_2025-02.json")  # way 2, m true: the taker sold
    hb = Side.BUY if element["way"] in (1, 2, 5, 8) else Side.SELL
    (trade,) = trades_from_ws([element], contracts)
    assert trade.taker_side is Side.SELL != hb


def test_hb17_market_order_sends_no_mode(contracts: Contracts) -> None:
    hb = json.loads(load("requests/hummingbot_bitmart_perpetual_bodies_derived.json")
                    ["submit-order MARKET (mode is JSON null!)"])
    assert "mode" in hb and hb["mode"] is None
    request = OrderRequest(BTC, Side.SELL, OrderType.MARKET, D("0.01"), position_action=PositionAction.CLOSE)
    ours = submit_body(request, contracts, HEDGE, "x1")
    assert "mode" not in ours and (ours["side"], ours["size"]) == (hb["side"], hb["size"])


def test_hb20_a_mode_switch_that_did_not_happen_is_not_success() -> None:
    answer = data("rest_private/set_position_mode_hbtest.json")  # the account says hedge_mode
    with pytest.raises(OrderRejected, match="kept the account in hedge mode"):
        confirm_position_mode(ONE_WAY, answer)


# ---- ccxt 4.5.70 --------------------------------------------------------------------------------------


def test_ccxt1_v2_positions_keep_side_and_liquidation(contracts: Contracts) -> None:
    long_row = open_v2("position_v2_doc_hedge.json", 0)
    ccxt_side = "long" if long_row.get("position_type") == 1 else "short"  # v1 field, absent in v2
    pos = position_from_v2(long_row, contracts)
    assert ccxt_side == "short" and pos is not None and pos.side is PositionSide.LONG
    assert pos.liquidation_price == D("80000")  # ccxt: None


def test_ccxt2_v1_mark_price_is_never_read(contracts: Contracts) -> None:
    row = data("rest_private/position_v1_live_ccxt_fixture_2024-08_hedge.json")[0]
    assert Decimal(row["mark_price"]) < 1  # a value (1 contract of 0.001 LTC at ~58.2), ccxt calls it the mark
    with pytest.raises(ParseError, match="position-v2"):
        position_from_v2(row, contracts)
    pos = position_from_v2(open_v2("position_v2_doc_hedge.json", 0), contracts)
    assert pos is not None and pos.mark_price == D("98911.62032609")


def test_ccxt3_cancelled_is_not_closed_and_reduce_only_is_read(contracts: Contracts) -> None:
    (row,) = data("rest_private/order_history_live_ccxt_fixture_2023-11_canceled.json")
    ccxt = "closed" if str(row["state"]) == "4" else "open"
    order = order_from_rest(row, contracts, ONE_WAY)
    assert ccxt == "closed" and order.state is OrderState.CANCELED and order.filled_amount == 0
    assert order_from_rest(row | {"side": "3"}, contracts, ONE_WAY).reduce_only  # ccxt: not parsed


def test_ccxt4_seconds_endpoints_get_seconds() -> None:
    url = load("requests/ccxt_4.5.70_swap_request_bodies.json")["fetchMyTrades (since is ms!)"]["url"]
    assert url.endswith("start_time=1699457638000")
    assert trades_params("LTCUSDT", start_ms=1699457638000)["start_time"] == 1699457638


def test_ccxt5_fee_currency_is_usdt_for_buys(contracts: Contracts) -> None:
    row = data("rest_private/trades_doc.json")[0]  # side 1: a buy
    ccxt = "BTC"  # no feeCoinName on futures rows: ccxt falls back to the base for buys
    assert fill_from_trade(row, contracts).fee_asset == "USDT" != ccxt


def test_ccxt6_balance_total_keeps_position_margin() -> None:
    row = data("ws_private/asset_live_ccxt.json") | {"equity": "38", "unrealized": "0"}
    ccxt_total = Decimal(row["available_balance"]) + Decimal(row["frozen_balance"])
    ours = balances_from_rest([row])["USDT"]
    assert ours.total == ccxt_total + D("0.788687546")


def test_ccxt7_ticker_volume_is_base(contracts: Contracts) -> None:
    row = data("ws_public/ticker_symbol_live_ccxt_eth_2025.json")
    ccxt = Decimal(row["volume_24"])  # contracts, reported as a volume (pro: as the quote volume)
    assert ticker_from_ws(row, contracts).ticker.volume_24h == ccxt * D("0.01") != ccxt


def test_ccxt8_public_rest_trades_are_read(contracts: Contracts) -> None:
    trades = trades_from_rest(data("rest_public/market_trade_doc.json"), contracts)  # ccxt has no swap fetch_trades
    assert [(t.amount, t.taker_side) for t in trades] == [(D("0.023"), Side.SELL), (D("0.037"), Side.SELL)]


def test_ccxt10_open_type_only_when_asked(contracts: Contracts) -> None:
    ccxt = json.loads(load("requests/ccxt_4.5.70_swap_request_bodies.json")["createOrder limit sell"]["body"])
    assert ccxt["open_type"] == "cross"  # sent although nobody asked, overriding an isolated setting
    request = OrderRequest(LTC, Side.SELL, OrderType.LIMIT, D("0.001"), D("100"), position_action=PositionAction.OPEN)
    assert "open_type" not in submit_body(request, contracts, HEDGE, "x1")


def test_ccxt12_ws_partial_fill_position_mark_and_fee(contracts: Contracts) -> None:
    (order,) = orders_from_ws([ws_fill_push()], contracts, HEDGE, RATES)
    ccxt_status = "closed" if order.action == 1 else "open"  # pro: status from action
    assert ccxt_status == "closed" and order.state is OrderState.PARTIALLY_FILLED
    assert order.fill is not None and order.fill.fee > 0  # pro passes the negative WS fee through
    short, _ = position_updates_from_ws(data("ws_private/position_live_ccxt_2023-12_hedge_cross.json"), contracts)
    assert position_from_update(short, D("71.482"), D(5)).mark_price != short.entry_price  # pro: mark = entry


def test_ccxt13_depth_channel_read_without_the_speed_suffix() -> None:
    group = "futures/depthIncrease50:BTCUSDT@200ms"
    assert "20" in group.split(":")[1]  # where a substring search finds a depth of 20
    channel, symbol = split_group(group)
    assert (channel, symbol) == ("futures/depthIncrease50", "BTCUSDT")


def test_ccxt14_error_without_message() -> None:
    body = {"code": 40035, "trace": "t"}
    assert "message" not in body  # ccxt calls .lower() on it
    assert type(from_response(body["code"], body.get("message", ""))).__name__ == "OrderNotFound"


def test_ccxt_c6_funding_settlement_is_next_funding_time(contracts: Contracts) -> None:
    row = data("ws_public/fundingRate_live_ccxt_2026-02.json")
    ccxt = row["fundingTime"]  # ccxt: fundingTimestamp = fundingTime, which is the push time (ts truncated)
    assert rate_from_ws(row, contracts).next_funding_ms == row["nextFundingTime"] != ccxt
    assert rate_from_rest(data("rest_public/funding_rate_live_ccxt_2025-10.json"), contracts).next_funding_ms == \
        1761292800000

"""Request bodies (submit-order, leverage, position mode), query units, and the futures error map."""

from __future__ import annotations

import json

import pytest

from host_spec import (
    AuthError, ConnectorError, InsufficientBalance, InvalidOrder, InvalidPair, MarginMode, NetworkError,
    OrderNotFound, OrderRejected, OrderRequest, OrderType, PositionAction, PositionMode, RateLimited, Side,
    TimeInForce, TradingPair,
)

from bitmart_plugin.perp.bodies import (
    confirm_position_mode, leverage_body, position_mode_body, submit_body,
)
from bitmart_plugin.perp.errors_map import from_exception, from_response
from bitmart_plugin.perp.queries import funding_history_params, order_history_params, trades_params
from bitmart_plugin.perp.symbols import Contracts

from .helpers import D, data, load

BTC, LTC = TradingPair("BTC", "USDT"), TradingPair("LTC", "USDT")
HEDGE, ONE_WAY = PositionMode.HEDGE, PositionMode.ONE_WAY


def body(contracts: Contracts, mode: PositionMode = HEDGE, **kw: object) -> dict[str, object]:
    fields = {"pair": LTC, "side": Side.BUY, "order_type": OrderType.LIMIT, "amount": D("0.001"), "price": D("55"),
              "position_action": PositionAction.OPEN} | kw
    return submit_body(OrderRequest(**fields), contracts, mode, "myClientOrderId")  # type: ignore[arg-type]


def test_post_only_body_matches_what_bitmart_takes(contracts: Contracts) -> None:
    ccxt = json.loads(load("requests/ccxt_4.5.70_swap_request_bodies.json")
                      ["createOrder limit buy postOnly + clientOrderId"]["body"])
    ours = body(contracts, order_type=OrderType.LIMIT_MAKER)
    ccxt.pop("open_type")  # ccxt always sends it (cross); we send it only to override
    assert ours == ccxt


@pytest.mark.parametrize(("kw", "mode"), [
    ({}, 1), ({"time_in_force": TimeInForce.FOK}, 2), ({"time_in_force": TimeInForce.IOC}, 3),
    ({"order_type": OrderType.IOC}, 3), ({"order_type": OrderType.LIMIT_MAKER}, 4),
])
def test_time_in_force_modes(contracts: Contracts, kw: dict[str, object], mode: int) -> None:
    assert body(contracts, **kw)["mode"] == mode


def test_market_order_has_no_price_and_no_mode(contracts: Contracts) -> None:
    out = body(contracts, mode=ONE_WAY, order_type=OrderType.MARKET, price=None, side=Side.SELL, position_action=None,
               reduce_only=True, amount=D("0.003"))
    assert out == {"symbol": "LTCUSDT", "client_order_id": "myClientOrderId", "side": 3, "type": "market", "size": 3}
    with pytest.raises(InvalidOrder, match="FOK does not apply") as caught:
        body(contracts, order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.FOK)
    assert caught.value.rule == "time_in_force"


@pytest.mark.parametrize(("mode", "side", "action", "reduce", "code"), [
    (HEDGE, Side.BUY, PositionAction.OPEN, False, 1), (HEDGE, Side.BUY, PositionAction.CLOSE, False, 2),
    (HEDGE, Side.SELL, PositionAction.CLOSE, True, 3), (HEDGE, Side.SELL, PositionAction.OPEN, False, 4),
    (HEDGE, Side.SELL, None, True, 3), (ONE_WAY, Side.BUY, None, False, 1), (ONE_WAY, Side.BUY, None, True, 2),
    (ONE_WAY, Side.SELL, PositionAction.CLOSE, False, 3), (ONE_WAY, Side.SELL, None, False, 4),
])
def test_side_code_from_mode_action_and_side(contracts: Contracts, mode: PositionMode, side: Side,
                                             action: PositionAction | None, reduce: bool, code: int) -> None:
    assert body(contracts, mode, side=side, position_action=action, reduce_only=reduce)["side"] == code


def test_mode_mismatches_are_refused_with_what_to_pass(contracts: Contracts) -> None:
    with pytest.raises(InvalidOrder, match="hedge mode: say position_action=OPEN or CLOSE"):
        body(contracts, HEDGE, position_action=None)
    with pytest.raises(InvalidOrder, match="one-way mode.*leave position_action None"):
        body(contracts, ONE_WAY, position_action=PositionAction.OPEN)


def test_size_is_whole_contracts_never_floored(contracts: Contracts) -> None:
    assert body(contracts, pair=BTC, amount=D("0.025"), price=D("65000.1"))["size"] == 25
    with pytest.raises(InvalidOrder, match="nearest valid: 0.025 or 0.026"):
        body(contracts, pair=BTC, amount=D("0.0255"), price=D("65000.1"))
    with pytest.raises(InvalidOrder) as caught:
        body(contracts, pair=BTC, amount=D("0.025"), price=D("65000.15"))
    assert caught.value.rule == "price_increment"


def test_client_id_leverage_and_margin_overrides(contracts: Contracts) -> None:
    request = OrderRequest(LTC, Side.BUY, OrderType.LIMIT, D("0.001"), D("55"), position_action=PositionAction.OPEN)
    out = submit_body(request, contracts, HEDGE, "a1", leverage=D(10), margin_mode=MarginMode.ISOLATED)
    assert (out["leverage"], out["open_type"]) == ("10", "isolated")
    with pytest.raises(InvalidOrder, match="1-32 letters or digits"):
        submit_body(request, contracts, HEDGE, "PLAN_1")
    with pytest.raises(InvalidOrder) as caught:
        submit_body(request, contracts, HEDGE, "a1", leverage=D(51))  # LTC max 50
    assert caught.value.rule == "max_leverage"


def test_leverage_body_checks_the_range(contracts: Contracts) -> None:
    btc = contracts.by_pair(BTC)
    assert leverage_body(btc, D(20), MarginMode.CROSS) == {"symbol": "BTCUSDT", "leverage": "20", "open_type": "cross"}
    for bad, rule in ((D(101), "max_leverage"), (D(0), "leverage"), (D("2.5"), "leverage")):
        with pytest.raises(InvalidOrder) as caught:
            leverage_body(btc, bad, MarginMode.CROSS)
        assert caught.value.rule == rule


def test_position_mode_switch_is_confirmed_from_the_answer() -> None:
    assert position_mode_body(ONE_WAY) == {"position_mode": "one_way_mode"}
    assert confirm_position_mode(HEDGE, data("rest_private/set_position_mode_hbtest.json")) is HEDGE
    with pytest.raises(OrderRejected, match="kept the account in hedge mode"):
        confirm_position_mode(ONE_WAY, data("rest_private/set_position_mode_hbtest.json"))


def test_query_time_units() -> None:
    assert trades_params("LTCUSDT", start_ms=1699457638000) == {"symbol": "LTCUSDT", "start_time": 1699457638}
    assert order_history_params("LTCUSDT", start_ms=1999, end_ms=3001) == {"symbol": "LTCUSDT", "start_time": 1,
                                                                           "end_time": 4}
    assert funding_history_params("LTCUSDT", start_ms=1734422402121) == {
        "flow_type": 3, "page_size": 1000, "symbol": "LTCUSDT", "start_time": 1734422402121}


# ---- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "cls", "words"), [
    (40007, OrderRejected, "parse"), (40011, OrderRejected, "invalid"), (40014, InvalidPair, "offline"),
    (40015, InvalidPair, "paused"), (40016, OrderRejected, "add margin"), (40021, OrderRejected, "no position"),
    (40027, InsufficientBalance, "transfer USDT"), (40029, InvalidOrder, "lower it"), (40030, InvalidOrder, "raise it"),
    (40034, InvalidPair, "does not list"), (40035, OrderNotFound, "order id"), (40036, OrderRejected, "finished"),
    (40037, OrderNotFound, "client order id"), (40038, ConnectorError, "interval"), (40039, ConnectorError, "clock"),
    (40040, InvalidOrder, "whole number"), (40041, InvalidOrder, "side"), (40042, InvalidOrder, "post-only"),
    (40043, InvalidOrder, "tick"), (40044, InvalidOrder, "maximum"), (40045, InvalidOrder, "margin mode"),
    (40046, AuthError, "open futures"), (40048, InvalidOrder, "letters or digits"), (40049, InvalidOrder, "32"),
    (40050, InvalidOrder, "new one"), (40059, OrderRejected, "cancel every order"), (42000, InsufficientBalance, ""),
    (49998, OrderRejected, "parameter"), (30007, AuthError, "clock"), (30013, RateLimited, "retry"),
])
def test_every_futures_code(code: int, cls: type, words: str) -> None:
    err = from_response(code, "venue text")
    assert type(err) is cls and err.code == code and err.connector == "bitmart_perpetual"
    assert words in str(err) and "[venue text]" in str(err)


def test_leverage_codes_name_the_rule_the_conformance_kit_expects() -> None:
    assert [from_response(c, "").rule for c in (40029, 40030, 40040)] == [  # type: ignore[attr-defined]
        "max_leverage", "min_leverage", "leverage"]


def test_overloaded_codes_are_told_apart_by_text() -> None:
    live = load("errors/40012_balance_not_enough_live_ccxt.json")
    assert isinstance(from_response(live["code"], live["message"]), InsufficientBalance)
    assert not isinstance(from_response(40012, "System error"), InsufficientBalance)
    assert "lower the size" in str(from_response(40020, "Your position volume is not enough"))
    assert "maintenance" in str(from_response(40020, "System maintenance, please try later"))


def test_live_error_bodies_through_from_exception() -> None:
    import ccxt

    for name, cls in (("errors/49998_invalid_parameter_live_ccxt.json", OrderRejected),
                      ("errors/30019_no_permission_live_ccxt_pr19336.json", AuthError),
                      ("errors/40040_invalid_leverage_hbtest.json", InvalidOrder)):
        text = json.dumps(load(name))
        err = from_exception(ccxt.ExchangeError("bitmart " + text), status=400, body=text)
        assert type(err) is cls and err.connector == "bitmart_perpetual"
    assert "enable futures" in str(from_response(30019, "no rights"))
    timeout = from_exception(ccxt.RequestTimeout("bitmart POST"))
    assert isinstance(timeout, NetworkError) and timeout.connector == "bitmart_perpetual"


def test_error_without_message() -> None:
    err = from_exception(RuntimeError("x"), status=400, body='{"code":40035,"trace":"t"}')
    assert isinstance(err, OrderNotFound) and "[no message]" in str(err)

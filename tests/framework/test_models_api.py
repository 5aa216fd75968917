"""The public models: one spelling of cancelled, the book view's mid and spread, inputs checked at construction."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from host_spec import OrderBookView, OrderEventKind, OrderRequest, OrderState, OrderType, Side, TradingPair

D = Decimal


def test_one_spelling_of_canceled_across_enums() -> None:
    assert OrderState.CANCELED.value == "CANCELED"
    assert OrderEventKind.CANCELED.value == "canceled"
    # the old spelling stays as a deprecated alias of the same member, and the old value still loads
    assert OrderEventKind.CANCELLED is OrderEventKind.CANCELED
    assert OrderEventKind("cancelled") is OrderEventKind.CANCELED
    assert [k.name for k in OrderEventKind] == ["CREATED", "PARTIALLY_FILLED", "FILLED", "CANCELED", "FAILED"]


BTC = TradingPair("BTC", "USDT")


def test_book_view_mid_and_spread() -> None:
    view = OrderBookView(BTC, 1, 1, ((D("100.5"), D(1)),), ((D("101.25"), D(2)),))
    assert view.mid == D("100.875") and view.spread == D("0.75")
    one_sided = OrderBookView(BTC, 1, 1, ((D(100), D(1)),), ())
    assert one_sided.mid is None and one_sided.spread is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"side": "buy"}, r"side must be Side\.BUY or Side\.SELL, not the str 'buy'"),
    ({"order_type": "LIMIT"}, r"order_type must be an OrderType \(OrderType\.LIMIT, "),
    ({"pair": "BTC-USDT"}, r"pair must be a TradingPair: pass TradingPair\.parse\('BTC-USDT'\)"),
    ({"amount": 0.1}, r"amount must be a Decimal, not the float 0\.1: pass Decimal\('0\.1'\)"),
    ({"price": "30000"}, r"price must be a Decimal, not the str '30000': pass Decimal\('30000'\)"),
    ({"quote_amount": 5.0}, r"quote_amount must be a Decimal"),
    ({"client_order_id": 7}, r"client_order_id must be a str or None"),
])
def test_order_request_refuses_wrong_types_saying_what_to_pass(kwargs: dict[str, Any], message: str) -> None:
    good: dict[str, Any] = {"pair": BTC, "side": Side.BUY, "order_type": OrderType.LIMIT, "amount": D("0.1"),
                            "price": D(30000)}
    with pytest.raises(TypeError, match=message):
        OrderRequest(**{**good, **kwargs})


def test_order_request_takes_ints_as_exact_decimals() -> None:
    req = OrderRequest(BTC, Side.SELL, OrderType.LIMIT, 2, 30000)
    assert isinstance(req.amount, Decimal) and req.amount == 2 and isinstance(req.price, Decimal)
    with pytest.raises(TypeError, match="amount must be a Decimal, not the bool"):
        OrderRequest(BTC, Side.SELL, OrderType.LIMIT, True, D(1))


def test_trading_pair_refuses_non_str_parts() -> None:
    with pytest.raises(TypeError, match=r"TradingPair\(base, quote\) takes two str"):
        TradingPair(b"BTC", "USDT")  # type: ignore[arg-type]


OLD_NAMES = ["Balance", "Candle", "ComponentStatus", "ConnectorInfo", "CredentialField", "FeeRates", "Fill", "Order",
             "OrderBookView", "OrderEvent", "OrderEventKind", "OrderRequest", "OrderState", "OrderType", "PublicTrade",
             "Side", "BalanceEvent", "TradingPair", "TradingRule", "Ticker"]


def test_the_models_package_keeps_every_old_import_path_and_adds_frozen_slotted_perp_models() -> None:
    import dataclasses

    import host_spec
    from host_spec import models

    assert set(OLD_NAMES) <= set(models.__all__)
    for name in models.__all__:
        value = getattr(models, name)
        assert getattr(host_spec, name) is value, f"host_spec.{name} is not host_spec.models.{name}"
        if dataclasses.is_dataclass(value):
            params = value.__dataclass_params__  # type: ignore[attr-defined]
            assert params.frozen and hasattr(value, "__slots__"), f"{name} must be a frozen dataclass with slots"


def test_spot_declarations_keep_their_meaning() -> None:
    from host_spec import ConnectorInfo, Fill, Instrument, TradingRule

    rule = TradingRule(BTC, D("0.01"), D("0.0001"), D("0.0001"))
    assert not rule.is_contract and rule.max_leverage is None and rule.max_market_size is None
    info = ConnectorInfo("x", "x", "X", "CEX", "CLOB", "WebSocket", (OrderType.LIMIT,))
    assert info.instrument is Instrument.SPOT and info.to_json()["instrument"] == "spot"
    fill = Fill("t", "c", "e", BTC, Side.BUY, D(1), D(1), D(0), "USDT", True, 1)
    assert fill.realized_pnl is None
    request = OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D(1), D(1))
    assert (request.position_action, request.reduce_only, request.time_in_force) == (None, False, None)


def test_a_position_is_in_base_units_with_its_direction_apart() -> None:
    from host_spec import MarginMode, Position, PositionSide

    short = Position(BTC, PositionSide.SHORT, D("0.25"), D(100), D(99), D("0.25"), D(10), MarginMode.ISOLATED,
                     D(109), D("2.5"))
    assert short.signed_amount == D("-0.25")
    assert replace(short, side=PositionSide.LONG).signed_amount == D("0.25")

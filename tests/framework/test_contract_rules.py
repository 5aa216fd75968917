"""Contract rules: exact base <-> contract conversion, and `check_order` on perpetual rules and perp order fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_spec import InvalidOrder, OrderRequest, OrderType, PositionAction, Side, TimeInForce, TradingPair, TradingRule
from host_spec.rules import check_order, from_contracts, to_contracts

PAIR = TradingPair("BTC", "USDT")
SPOT = TradingRule(PAIR, Decimal("0.1"), Decimal("0.00001"), Decimal("0.00001"), min_notional_buy=Decimal("0.1"))
PERP = TradingRule(PAIR, Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), max_size=Decimal(500),
                   contract_size=Decimal("0.001"), min_leverage=Decimal(1), max_leverage=Decimal(100),
                   max_market_size=Decimal(50))
TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET, OrderType.IOC)


def _check(rule: TradingRule, **kw: object) -> OrderRequest:
    fields: dict[str, object] = {"pair": PAIR, "side": Side.BUY, "order_type": OrderType.LIMIT,
                                 "amount": Decimal("0.002"), "price": Decimal(100)} | kw
    return check_order(OrderRequest(**fields), rule, order_types=TYPES, connector="x")  # type: ignore[arg-type]


def test_to_contracts_is_exact() -> None:
    assert to_contracts(Decimal("0.012"), Decimal("0.001")) == 12
    assert to_contracts(Decimal("0.0120000"), Decimal("0.001")) == 12
    assert to_contracts(Decimal(0), Decimal("0.001")) == 0
    assert to_contracts(Decimal(30), Decimal(10)) == 3


def test_a_size_off_the_contract_is_a_clear_error_with_the_nearest_valid_sizes() -> None:
    with pytest.raises(InvalidOrder, match=r"0\.0125 is not a whole number of contracts .*0\.001.*"
                                           r"nearest valid: 0\.012 or 0\.013") as caught:
        to_contracts(Decimal("0.0125"), Decimal("0.001"))
    assert caught.value.rule == "contract_size" and caught.value.allowed == Decimal("0.001")


def test_to_contracts_refuses_negative_sizes_and_wrong_types() -> None:
    with pytest.raises(InvalidOrder, match="negative"):
        to_contracts(Decimal("-0.001"), Decimal("0.001"))
    with pytest.raises(TypeError, match=r"pass Decimal\('0\.5'\)"):
        to_contracts(0.5, Decimal("0.001"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="contract_size must be positive"):
        to_contracts(Decimal(1), Decimal(0))


def test_from_contracts() -> None:
    assert from_contracts(12, Decimal("0.001")) == Decimal("0.012")
    assert from_contracts(Decimal("12"), Decimal("0.001")) == Decimal("0.012")
    with pytest.raises(ValueError, match="whole number of contracts"):
        from_contracts(Decimal("1.5"), Decimal("0.001"))
    with pytest.raises(TypeError):
        from_contracts(True, Decimal("0.001"))


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=-8, max_value=3), st.integers(1, 9))
def test_contracts_round_trip_exactly(contracts: int, exponent: int, digit: int) -> None:
    size = Decimal(digit).scaleb(exponent)
    assert to_contracts(from_contracts(contracts, size), size) == contracts


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=999))
def test_between_two_contracts_is_refused_naming_both(contracts: int, part: int) -> None:
    size = Decimal("0.001")
    amount = from_contracts(contracts, size) + Decimal(part) * Decimal("0.000001")
    with pytest.raises(InvalidOrder) as caught:
        to_contracts(amount, size)
    low, high = from_contracts(contracts, size), from_contracts(contracts + 1, size)
    assert f"{low:f} or {high:f}" in str(caught.value)


def test_spot_rules_are_unchanged() -> None:
    assert _check(SPOT).amount == Decimal("0.002")
    with pytest.raises(InvalidOrder, match="quote_amount"):
        _check(SPOT, order_type=OrderType.MARKET, price=None)


def test_a_contract_order_off_the_contract_size_names_contracts() -> None:
    with pytest.raises(InvalidOrder, match=r"not a whole number of contracts.*nearest valid: 0\.002 or 0\.003") as caught:
        _check(PERP, amount=Decimal("0.0025"))
    assert caught.value.rule == "contract_size"


def test_a_contract_market_order_is_sized_in_base_and_capped_by_the_market_maximum() -> None:
    sent = _check(PERP, order_type=OrderType.MARKET, price=None, amount=Decimal("0.005"))
    assert sent.amount == Decimal("0.005") and sent.quote_amount is None
    with pytest.raises(InvalidOrder, match=r"above the maximum MARKET size 50") as caught:
        _check(PERP, order_type=OrderType.MARKET, price=None, amount=Decimal(51))
    assert caught.value.rule == "max_market_size"
    assert _check(PERP, amount=Decimal(51)).amount == Decimal(51), "the market maximum does not apply to limits"


@pytest.mark.parametrize(("fields", "rule"), [
    ({"position_action": PositionAction.OPEN}, "position_action"),
    ({"reduce_only": True}, "reduce_only"),
    ({"time_in_force": TimeInForce.FOK}, "time_in_force"),
])
def test_perp_fields_on_a_spot_pair_are_refused(fields: dict[str, object], rule: str) -> None:
    with pytest.raises(InvalidOrder, match="spot pair") as caught:
        _check(SPOT, **fields)
    assert caught.value.rule == rule


@pytest.mark.parametrize(("fields", "rule", "message"), [
    ({"position_action": PositionAction.OPEN, "reduce_only": True}, "reduce_only", "cannot open"),
    ({"order_type": OrderType.LIMIT_MAKER, "time_in_force": TimeInForce.IOC}, "time_in_force", "LIMIT_MAKER"),
    ({"order_type": OrderType.IOC, "time_in_force": TimeInForce.GTC}, "time_in_force", "IOC"),
])
def test_contradictory_contract_orders_are_refused(fields: dict[str, object], rule: str, message: str) -> None:
    with pytest.raises(InvalidOrder, match=message) as caught:
        _check(PERP, **fields)
    assert caught.value.rule == rule


def test_sound_contract_orders_pass_with_their_fields() -> None:
    sent = _check(PERP, side=Side.SELL, position_action=PositionAction.CLOSE, reduce_only=True,
                  time_in_force=TimeInForce.FOK)
    assert (sent.position_action, sent.reduce_only, sent.time_in_force) == (PositionAction.CLOSE, True, TimeInForce.FOK)
    assert _check(SPOT, time_in_force=TimeInForce.GTC).time_in_force is TimeInForce.GTC


def test_order_request_checks_the_perp_fields_types() -> None:
    with pytest.raises(TypeError, match=r"position_action must be PositionAction\.OPEN or PositionAction\.CLOSE or None"):
        OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1), position_action="open")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reduce_only must be a bool"):
        OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1), reduce_only=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"time_in_force must be a TimeInForce \(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK\) or None"):
        OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1), time_in_force="IOC")  # type: ignore[arg-type]

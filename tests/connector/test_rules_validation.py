"""Rules: building from symbol details, validation messages, quantizing (with hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host_spec import InvalidOrder, InvalidPair, OrderRequest, OrderType, Side, TradingPair

from bitmart_plugin.rules import rule_from_symbol, validate

BTC = TradingPair("BTC", "USDT")
D = Decimal


def test_rule_from_real_symbol_details() -> None:
    row = {"symbol": "BTC_USDT", "symbol_id": 53, "base_currency": "BTC", "quote_currency": "USDT",
           "base_min_size": "0.000010000000000000000000000000", "base_max_size": "100000000.000000000000000000000000000000",
           "price_min_precision": -1, "price_max_precision": 2, "quote_increment": "0.00001", "expiration": "NA",
           "min_buy_amount": "5.000000000000000000000000000000", "min_sell_amount": "5.000000000000000000000000000000",
           "trade_status": "trading"}
    r = rule_from_symbol(row)
    assert (r.pair, r.price_increment, r.size_increment, r.min_size) == (BTC, D("0.01"), D("0.00001"), D("0.00001"))
    assert (r.max_size, r.min_notional_buy, r.min_notional_sell, r.trading_enabled) == (D("100000000"), D(5), D(5), True)
    assert not rule_from_symbol({**row, "trade_status": "pre-trade"}).trading_enabled


def test_off_tick_price_message(btc_rules) -> None:
    with pytest.raises(InvalidOrder) as e:
        validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.001"), D("30000.005")), btc_rules)
    assert e.value.rule == "price_increment" and e.value.allowed == D("0.01")
    assert "price 30000.005 is not a multiple of the price tick 0.01 for BTC-USDT (nearest valid: 30000.00 or 30000.01)" in str(e.value)
    assert "bitmart" in str(e.value)


@pytest.mark.parametrize(("amount", "price", "rule"), [
    (D("0.000015"), D("30000"), "size_increment"),
    (D("0"), D("30000"), "amount"),
    (D("200000000"), D("30000"), "max_size"),
    (D("0.0001"), D("30000"), "min_notional_buy"),
])
def test_size_rules(btc_rules, amount, price, rule) -> None:
    with pytest.raises(InvalidOrder) as e:
        validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, amount, price), btc_rules)
    assert e.value.rule == rule


def test_min_size_and_sell_notional(btc_rules) -> None:
    from dataclasses import replace
    rules = {BTC: replace(btc_rules[BTC], min_size=D("0.001"))}
    with pytest.raises(InvalidOrder, match="below the minimum size 0.001") as e:
        validate(OrderRequest(BTC, Side.SELL, OrderType.LIMIT, D("0.0005"), D("30000")), rules)
    assert e.value.rule == "min_size"
    with pytest.raises(InvalidOrder) as e2:
        validate(OrderRequest(BTC, Side.SELL, OrderType.LIMIT_MAKER, D("0.0001"), D("30000")), btc_rules)
    assert e2.value.rule == "min_notional_sell" and e2.value.allowed == D(5)


def test_unknown_pair_names_close_matches(btc_rules) -> None:
    with pytest.raises(InvalidPair, match="did you mean BTC-USDT"):
        validate(OrderRequest(TradingPair("BTC", "USDC"), Side.BUY, OrderType.LIMIT, D(1), D(1)), btc_rules)


def test_market_buy_needs_quote_amount(btc_rules) -> None:
    with pytest.raises(InvalidOrder) as e:
        validate(OrderRequest(BTC, Side.BUY, OrderType.MARKET, amount=D("0.1")), btc_rules)
    assert e.value.rule == "quote_amount"
    with pytest.raises(InvalidOrder) as e:
        validate(OrderRequest(BTC, Side.BUY, OrderType.MARKET, quote_amount=D("4")), btc_rules)
    assert e.value.rule == "min_notional_buy"
    ok = validate(OrderRequest(BTC, Side.BUY, OrderType.MARKET, quote_amount=D("10")), btc_rules)
    assert ok.quote_amount == D(10) and ok.amount is None


def test_quantize_rounds_in_the_safe_direction(btc_rules) -> None:
    buy = validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.0012345"), D("30000.009")), btc_rules, quantize=True)
    sell = validate(OrderRequest(BTC, Side.SELL, OrderType.LIMIT, D("0.0012345"), D("30000.001")), btc_rules, quantize=True)
    assert (buy.price, buy.amount) == (D("30000.00"), D("0.00123"))
    assert (sell.price, sell.amount) == (D("30000.01"), D("0.00123"))


prices = st.decimals(min_value=D("1"), max_value=D("100000"), places=4, allow_nan=False, allow_infinity=False)
amounts = st.decimals(min_value=D("0.001"), max_value=D("100"), places=7, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=prices, amount=amounts, side=st.sampled_from([Side.BUY, Side.SELL]))
def test_quantized_orders_always_pass_and_never_worsen_price(btc_rules, price, amount, side) -> None:
    req = OrderRequest(BTC, side, OrderType.LIMIT, amount, price)
    try:
        q = validate(req, btc_rules, quantize=True)
    except InvalidOrder as e:
        assert e.rule.startswith("min_notional")
        return
    assert q.price % D("0.01") == 0 and q.amount % D("0.00001") == 0
    assert (q.price <= price) if side is Side.BUY else (q.price >= price)
    assert q.amount <= amount and amount - q.amount < D("0.00001")
    assert validate(q, btc_rules) == q  # the quantized order passes strict validation unchanged


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=prices, amount=amounts)
def test_strict_mode_accepts_iff_on_grid(btc_rules, price, amount) -> None:
    req = OrderRequest(BTC, Side.BUY, OrderType.LIMIT, amount, price)
    on_grid = price % D("0.01") == 0 and amount % D("0.00001") == 0 and price * amount >= 5
    try:
        assert validate(req, btc_rules) == req
        assert on_grid
    except InvalidOrder:
        assert not on_grid

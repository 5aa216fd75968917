"""Rules: building from symbol details, validation messages, quantizing (with hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from host_spec import InvalidOrder, InvalidPair, OrderRequest, OrderType, Side, TradingPair, TradingRule

from bitmart_plugin.spot.rules import rule_from_symbol, validate

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


SIDES = st.sampled_from([Side.BUY, Side.SELL])


def _first_broken_rule(req: OrderRequest, rule: TradingRule) -> str | None:
    """An oracle written apart from check_order: the rule a strict check must name first, or None if valid."""
    assert req.price is not None and req.amount is not None
    if req.price % rule.price_increment:
        return "price_increment"
    if req.amount % rule.size_increment:
        return "size_increment"
    if req.amount < rule.min_size:
        return "min_size"
    if rule.max_size is not None and req.amount > rule.max_size:
        return "max_size"
    minimum = rule.min_notional_buy if req.side is Side.BUY else rule.min_notional_sell
    return f"min_notional_{req.side.value.lower()}" if req.price * req.amount < minimum else None


@st.composite
def valid_limits(draw: st.DrawFn, rule: TradingRule) -> OrderRequest:
    """A LIMIT order on the grid, within the size limits and at or above the minimum value, built on purpose."""
    side = draw(SIDES)
    tick, step = rule.price_increment, rule.size_increment
    price = tick * draw(st.integers(int(D(1) / tick), int(D(100_000) / tick)))
    minimum = rule.min_notional_buy if side is Side.BUY else rule.min_notional_sell
    least = max(rule.min_size, minimum / price)
    steps = draw(st.integers(int((least / step).to_integral_value(ROUND_CEILING)), int(D(100) / step)))
    return OrderRequest(rule.pair, side, OrderType.LIMIT, step * steps, price)


def _fraction() -> st.SearchStrategy[Decimal]:
    """A fraction in (0, 1) with up to four places: the part of a tick or step that makes a value off the grid."""
    return st.integers(1, 9999).map(lambda n: D(n) / 10000)


@st.composite
def invalid_limits(draw: st.DrawFn, rule: TradingRule) -> OrderRequest:
    """A valid order with exactly one thing broken: price off the tick, amount off the step, or value too small."""
    req = draw(valid_limits(rule))
    assert req.price is not None and req.amount is not None
    broken = draw(st.sampled_from(["price_increment", "size_increment", "min_notional"]))
    event(f"invalid order: {broken}")
    if broken == "price_increment":
        return replace(req, price=req.price + rule.price_increment * draw(_fraction()))
    if broken == "size_increment":
        return replace(req, amount=req.amount + rule.size_increment * draw(_fraction()))
    minimum = rule.min_notional_buy if req.side is Side.BUY else rule.min_notional_sell
    below = (minimum / req.price / rule.size_increment).to_integral_value(ROUND_CEILING) - 1
    return replace(req, amount=rule.size_increment * draw(st.integers(max(int(below) - 1000, 1), max(int(below), 1))))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_valid_orders_are_accepted_unchanged(btc_rules, data) -> None:
    req = data.draw(valid_limits(btc_rules[BTC]))
    assert _first_broken_rule(req, btc_rules[BTC]) is None, req  # the generator keeps its promise
    assert validate(req, btc_rules) == req
    assert validate(req, btc_rules, quantize=True) == req
    event("valid order: accepted")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_invalid_orders_are_refused_naming_the_first_broken_rule(btc_rules, data) -> None:
    req = data.draw(invalid_limits(btc_rules[BTC]))
    expected = _first_broken_rule(req, btc_rules[BTC])
    assert expected is not None, req
    with pytest.raises(InvalidOrder) as e:
        validate(req, btc_rules)
    assert e.value.rule == expected
    event("invalid order: refused")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_quantized_orders_always_pass_and_never_worsen_price(btc_rules, data) -> None:
    """An order a fraction of a tick and a step off a valid one quantizes back onto the grid and passes."""
    rule = btc_rules[BTC]
    base = data.draw(valid_limits(rule))
    assert base.price is not None and base.amount is not None
    price = base.price + rule.price_increment * data.draw(st.just(D(0)) | _fraction())
    amount = base.amount + rule.size_increment * data.draw(st.just(D(0)) | _fraction())
    side = base.side
    event(f"quantize: price {'on' if price == base.price else 'off'} tick, "
          f"amount {'on' if amount == base.amount else 'off'} step")
    q = validate(OrderRequest(BTC, side, OrderType.LIMIT, amount, price), btc_rules, quantize=True)
    assert q.price is not None and q.amount is not None
    assert q.price % D("0.01") == 0 and q.amount % D("0.00001") == 0
    assert (q.price <= price) if side is Side.BUY else (q.price >= price)
    assert q.price - price < D("0.01") if side is Side.SELL else price - q.price < D("0.01")
    assert q.amount == base.amount and q.amount <= amount
    assert validate(q, btc_rules) == q  # the quantized order passes strict validation unchanged


def test_quantize_still_refuses_an_order_below_the_minimum_value(btc_rules) -> None:
    with pytest.raises(InvalidOrder) as e:
        validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.0001234"), D("30000.009")), btc_rules, quantize=True)
    assert e.value.rule == "min_notional_buy"

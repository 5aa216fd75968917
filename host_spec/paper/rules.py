"""Order checks against the venue's TradingRule, raising the same host_spec errors a live connector raises.

Checks run in a fixed order: pair, type fields, price tick, size step, min/max size, min notional.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

from host_spec.errors import InvalidOrder, InvalidPair
from host_spec.models import OrderRequest, OrderType, Side, TradingPair, TradingRule

__all__ = ["rule_for", "validate"]


def rule_for(rules: Mapping[TradingPair, TradingRule], pair: TradingPair, connector: str) -> TradingRule:
    """The pair's rule, or InvalidPair naming close matches or the pair's status."""
    rule = rules.get(pair)
    if rule is None:
        close = difflib.get_close_matches(str(pair), [str(p) for p in rules], n=3, cutoff=0.5)
        tail = f"; did you mean {', '.join(close)}?" if close else ""
        raise InvalidPair(f"{pair} is not listed by the venue{tail}", connector=connector)
    if not rule.trading_enabled:
        raise InvalidPair(f"{pair} is not trading (status {rule.status!r})", connector=connector)
    return rule


def _near(value: Decimal, step: Decimal) -> str:
    lo = (value / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return f"{lo.normalize():f} or {(lo + step).normalize():f}"


def validate(request: OrderRequest, rules: Mapping[TradingPair, TradingRule], order_types: tuple[OrderType, ...],
             connector: str) -> TradingRule:
    """Raise InvalidPair / InvalidOrder(rule=..., allowed=...) unless the request is valid; return its rule."""
    rule = rule_for(rules, request.pair, connector)
    pair, kind = request.pair, request.order_type

    def bad(name: str, allowed: object, message: str) -> InvalidOrder:
        return InvalidOrder(message, rule=name, allowed=allowed, connector=connector)

    if kind not in order_types:
        names = ", ".join(t.value for t in order_types)
        raise bad("order_type", names, f"order type {kind.value} is not offered by the venue ({names})")
    if kind is OrderType.MARKET and request.side is Side.BUY:
        quote = request.quote_amount
        if quote is None or quote <= 0:
            raise bad("quote_amount", "> 0", f"a MARKET buy for {pair} is sized by quote_amount ({pair.quote} to spend)")
        if quote < rule.min_notional_buy:
            raise bad("min_notional_buy", rule.min_notional_buy,
                      f"market buy of {quote} {pair.quote} is below the minimum order value {rule.min_notional_buy}")
        return rule
    price, amount = request.price, request.amount
    if kind is not OrderType.MARKET:
        if price is None or price <= 0:
            raise bad("price", "> 0", f"a {kind.value} order for {pair} needs a positive price")
        if price % rule.price_increment:
            raise bad("price_increment", rule.price_increment,
                      f"price {price} is not a multiple of the price tick {rule.price_increment} for {pair} "
                      f"(nearest valid: {_near(price, rule.price_increment)})")
    if amount is None or amount <= 0:
        raise bad("amount", "> 0", f"a {kind.value} order for {pair} needs a positive amount")
    if amount % rule.size_increment:
        raise bad("size_increment", rule.size_increment,
                  f"amount {amount} is not a multiple of the size step {rule.size_increment} for {pair} "
                  f"(nearest valid: {_near(amount, rule.size_increment)})")
    if amount < rule.min_size:
        raise bad("min_size", rule.min_size, f"amount {amount} is below the minimum size {rule.min_size} for {pair}")
    if rule.max_size is not None and amount > rule.max_size:
        raise bad("max_size", rule.max_size, f"amount {amount} is above the maximum size {rule.max_size} for {pair}")
    if price is not None and kind is not OrderType.MARKET:
        minimum = rule.min_notional_buy if request.side is Side.BUY else rule.min_notional_sell
        if price * amount < minimum:
            side = request.side.value.lower()
            raise bad(f"min_notional_{side}", minimum,
                      f"order value {price * amount} {pair.quote} is below the minimum {minimum} for a {side} on {pair}")
    return rule

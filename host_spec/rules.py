"""Check (and optionally quantize) an order against a pair's TradingRule before anything is sent.

Venue-independent: live connectors and the paper-trade variant call the same checks, so a host sees
the same `InvalidOrder(rule=..., allowed=...)` wherever it trades. Checks run in a fixed order:
order type, perpetual fields, price, price tick, amount, contract size, size step, min/max size,
market maximum, min notional. By default nothing is rounded; `quantize=True` rounds price to the tick
(buy down, sell up: never a worse price) and size down to the step, then checks the result.

Contract rules (`rule.contract_size` set) size every order in base units, MARKET buys included; a
perpetual plugin converts at its edge with `to_contracts`, which refuses a size that is not a whole
number of contracts rather than rounding it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from host_spec.errors import InvalidOrder, InvalidPair
from host_spec import inputs
from host_spec.models import OrderRequest, OrderType, PositionAction, Side, TimeInForce, TradingPair, TradingRule

__all__ = ["check_order", "from_contracts", "rule_for", "to_contracts"]


def rule_for(rules: Mapping[TradingPair, TradingRule], pair: TradingPair, *, connector: str,
             venue: str = "the venue") -> TradingRule:
    """The pair's rule, or InvalidPair naming close matches or the pair's trading status."""
    rule = rules.get(pair)
    if rule is None:
        names = [str(p) for p in rules]
        close = difflib.get_close_matches(str(pair), names, n=3, cutoff=0.5)
        hint = close or sorted(n for n in names if n.startswith(pair.base + "-"))[:3]
        tail = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise InvalidPair(f"{pair} is not listed by {venue}{tail}", connector=connector)
    if not rule.trading_enabled:
        raise InvalidPair(f"{pair} is not trading on {venue} (status {rule.status!r})", connector=connector)
    return rule


def _round(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    return (value / step).to_integral_value(rounding=rounding) * step


def _fmt(value: Decimal, like: Decimal) -> str:
    exp = like.normalize().as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def _nearest(value: Decimal, step: Decimal) -> str:
    lo = _round(value, step, ROUND_FLOOR)
    return f"{_fmt(lo, step)} or {_fmt(lo + step, step)}"


def to_contracts(amount: Decimal, contract_size: Decimal, *, connector: str | None = None) -> int:
    """The whole number of contracts of `contract_size` base units each that make `amount` base units, exactly.

    Raises InvalidOrder(rule="contract_size") naming the two nearest valid sizes when `amount` falls between
    contracts, or is negative; TypeError for a float or str (pass a Decimal).
    """
    amount = _decimal(amount, "amount")
    contract_size = _decimal(contract_size, "contract_size")
    if contract_size <= 0:
        raise ValueError(f"contract_size must be positive, not {contract_size}")
    if amount < 0:
        raise InvalidOrder(f"amount {amount} is negative; sizes are positive base units", rule="contract_size",
                           allowed=contract_size, connector=connector)
    contracts, rest = divmod(amount, contract_size)
    if rest:
        raise InvalidOrder(f"amount {amount} is not a whole number of contracts of {contract_size} "
                           f"(nearest valid: {_nearest(amount, contract_size)})",
                           rule="contract_size", allowed=contract_size, connector=connector)
    return int(contracts)


def from_contracts(contracts: int | Decimal, contract_size: Decimal) -> Decimal:
    """The base amount of `contracts` contracts (an int, or a Decimal with an integral value, as parsed from the wire)."""
    if isinstance(contracts, bool) or not isinstance(contracts, (int, Decimal)):
        raise TypeError(f"contracts must be an int, not the {type(contracts).__name__} {contracts!r}")
    if isinstance(contracts, Decimal) and contracts != contracts.to_integral_value():
        raise ValueError(f"{contracts} is not a whole number of contracts")
    return Decimal(int(contracts)) * _decimal(contract_size, "contract_size")


def _decimal(value: object, name: str) -> Decimal:
    checked = inputs.decimal_or_none(value, name)
    if checked is None:
        raise TypeError(f"{name} must be a Decimal, not None")
    return checked


def _check_perp_fields(request: OrderRequest, rule: TradingRule, bad: Callable[[str, object, str], InvalidOrder]) -> None:
    """Perpetual-only fields on a spot pair, and fields that contradict each other."""
    kind, tif, pair = request.order_type, request.time_in_force, request.pair
    if not rule.is_contract:
        if request.position_action is not None:
            raise bad("position_action", None, f"{pair} is a spot pair: position_action applies to perpetual contracts")
        if request.reduce_only:
            raise bad("reduce_only", False, f"{pair} is a spot pair: reduce_only applies to perpetual contracts")
        if tif not in (None, TimeInForce.GTC):
            hint = " (use OrderType.IOC)" if tif is TimeInForce.IOC else ""
            raise bad("time_in_force", TimeInForce.GTC,
                      f"{pair} is a spot pair: time in force {tif.value} applies to perpetual contracts{hint}")
    if request.reduce_only and request.position_action is PositionAction.OPEN:
        raise bad("reduce_only", False, "a reduce-only order cannot open a position (use CLOSE, or no position_action)")
    if kind is OrderType.LIMIT_MAKER and tif not in (None, TimeInForce.GTC):
        raise bad("time_in_force", TimeInForce.GTC, f"a LIMIT_MAKER order rests on the book; time in force {tif.value} "
                                                    "would never let it rest")
    if kind is OrderType.IOC and tif not in (None, TimeInForce.IOC):
        raise bad("time_in_force", TimeInForce.IOC, f"an IOC order's time in force is IOC, not {tif.value}")


def check_order(request: OrderRequest, rule: TradingRule, *, order_types: Collection[OrderType], connector: str,
                quantize: bool = False) -> OrderRequest:
    """Return the request to send (quantized when asked) or raise InvalidOrder naming the rule and allowed value."""
    pair, kind = request.pair, request.order_type

    def bad(name: str, allowed: object, message: str) -> InvalidOrder:
        return InvalidOrder(message, rule=name, allowed=allowed, connector=connector)

    if kind not in order_types:
        names = ", ".join(t.value for t in order_types)
        raise bad("order_type", names, f"order type {kind.value} is not offered by {connector} ({names})")
    _check_perp_fields(request, rule, bad)
    price, amount, quote = request.price, request.amount, request.quote_amount
    if kind is OrderType.MARKET and request.side is Side.BUY and not rule.is_contract:
        if quote is None or quote <= 0:
            raise bad("quote_amount", "> 0", f"a MARKET buy for {pair} is sized by quote_amount ({pair.quote} to spend)")
        if quote < rule.min_notional_buy:
            raise bad("min_notional_buy", rule.min_notional_buy,
                      f"market buy of {quote} {pair.quote} is below the minimum order value "
                      f"{rule.min_notional_buy} {pair.quote} for {pair}")
        return replace(request, amount=None, price=None)
    if kind is not OrderType.MARKET:
        if price is None or price <= 0:
            raise bad("price", "> 0", f"a {kind.value} order for {pair} needs a positive price")
        tick = rule.price_increment
        if quantize:
            price = _round(price, tick, ROUND_FLOOR if request.side is Side.BUY else ROUND_CEILING)
        if price % tick:
            raise bad("price_increment", tick, f"price {price} is not a multiple of the price tick {tick} for {pair} "
                                               f"(nearest valid: {_nearest(price, tick)})")
        if price <= 0:
            raise bad("price_increment", tick, f"price rounds to zero at the price tick {tick} for {pair}")
    if amount is None or amount <= 0:
        raise bad("amount", "> 0", f"a {kind.value} {request.side.value.lower()} for {pair} needs a positive amount")
    step = rule.size_increment
    if quantize:
        amount = _round(amount, step, ROUND_DOWN)
    if rule.contract_size is not None and amount % rule.contract_size:
        raise bad("contract_size", rule.contract_size,
                  f"amount {amount} {pair.base} is not a whole number of contracts of {rule.contract_size} {pair.base} "
                  f"for {pair} (nearest valid: {_nearest(amount, rule.contract_size)})")
    if amount % step:
        raise bad("size_increment", step, f"amount {amount} is not a multiple of the size step {step} for {pair} "
                                          f"(nearest valid: {_nearest(amount, step)})")
    if amount < rule.min_size:
        raise bad("min_size", rule.min_size,
                  f"amount {amount} is below the minimum size {rule.min_size} {pair.base} for {pair}")
    if rule.max_size is not None and amount > rule.max_size:
        raise bad("max_size", rule.max_size,
                  f"amount {amount} is above the maximum size {rule.max_size} {pair.base} for {pair}")
    if kind is OrderType.MARKET and rule.max_market_size is not None and amount > rule.max_market_size:
        raise bad("max_market_size", rule.max_market_size,
                  f"amount {amount} is above the maximum MARKET size {rule.max_market_size} {pair.base} for {pair}")
    if price is not None and kind is not OrderType.MARKET:
        notional = price * amount
        minimum = rule.min_notional_buy if request.side is Side.BUY else rule.min_notional_sell
        if notional < minimum:
            side = request.side.value.lower()
            raise bad(f"min_notional_{side}", minimum,
                      f"order value {notional} {pair.quote} (price x amount) is below the minimum {minimum} "
                      f"{pair.quote} for a {side} on {pair}")
    return replace(request, price=price if kind is not OrderType.MARKET else None, amount=amount)

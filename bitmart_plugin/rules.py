"""Trading rules: build them from BitMart's symbol details, and check/quantize an order before it is sent.

Checks run in a fixed order (pair, type fields, price tick, size step, min/max size, min notional) and
raise `InvalidOrder(rule=..., allowed=...)` with a sentence that says what would be valid. By default
nothing is rounded; `quantize=True` rounds price to the tick (buy down, sell up: never a worse price)
and size down to the step, then checks the result.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal
from typing import Any

from host_spec import InvalidOrder, InvalidPair, OrderRequest, OrderType, Side, TradingPair, TradingRule

CONNECTOR = "bitmart"


def _dec(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def rule_from_symbol(raw: Mapping[str, Any]) -> TradingRule:
    """One `/spot/v1/symbols/details` row -> TradingRule (bitmart_api.md §6.2).

    Size step: BitMart documents `quote_increment` as the size step while ccxt/Hummingbot use
    `base_min_size`; we take the coarser of the two so an order valid under one reading is valid under both.
    """
    pair = TradingPair(str(raw["base_currency"]).upper(), str(raw["quote_currency"]).upper())
    tick = Decimal(1).scaleb(-int(raw.get("price_max_precision", 8)))
    base_min = _dec(raw.get("base_min_size"), "0")
    quote_inc = _dec(raw.get("quote_increment"), "0")
    step = max(base_min, quote_inc) or Decimal("1e-8")
    max_size = raw.get("base_max_size")
    status = str(raw.get("trade_status") or "trading")
    return TradingRule(
        pair=pair,
        price_increment=tick,
        size_increment=_plain(step),
        min_size=_plain(base_min or step),
        max_size=_plain(_dec(max_size)) if max_size not in (None, "") else None,
        min_notional_buy=_plain(_dec(raw.get("min_buy_amount"))),
        min_notional_sell=_plain(_dec(raw.get("min_sell_amount"))),
        trading_enabled=status == "trading",
        status=status,
    )


def _plain(value: Decimal) -> Decimal:
    """Normalize without exponent notation for whole numbers (1E+8 -> 100000000)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def to_symbol(pair: TradingPair) -> str:
    """`BTC-USDT` -> BitMart spot symbol `BTC_USDT`."""
    return f"{pair.base}_{pair.quote}"


def rule_for(rules: Mapping[TradingPair, TradingRule], pair: TradingPair) -> TradingRule:
    """The pair's rule, or InvalidPair naming close matches / the trading status."""
    rule = rules.get(pair)
    if rule is None:
        names = [str(p) for p in rules]
        close = difflib.get_close_matches(str(pair), names, n=3, cutoff=0.5)
        same_base = sorted(n for n in names if n.startswith(pair.base + "-"))[:3]
        hint = close or same_base
        tail = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise InvalidPair(f"{pair} is not a BitMart spot pair{tail}", connector=CONNECTOR, code=50001)
    if not rule.trading_enabled:
        raise InvalidPair(f"{pair} is not trading on BitMart (status {rule.status!r})", connector=CONNECTOR, code=50040)
    return rule


def _fmt(value: Decimal, like: Decimal) -> str:
    exp = like.normalize().as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def _bad(rule: str, allowed: object, message: str) -> InvalidOrder:
    return InvalidOrder(message, rule=rule, allowed=allowed, connector=CONNECTOR)


def _round(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    return (value / step).to_integral_value(rounding=rounding) * step


def validate(
    request: OrderRequest, rules: Mapping[TradingPair, TradingRule], *, quantize: bool = False
) -> OrderRequest:
    """Return the request to send (quantized when asked) or raise InvalidPair / InvalidOrder."""
    rule = rule_for(rules, request.pair)
    pair = request.pair
    if request.order_type not in (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET):
        raise _bad("order_type", "LIMIT, LIMIT_MAKER, MARKET", f"order type {request.order_type.value} is not offered by BitMart spot here")
    price, amount, quote = request.price, request.amount, request.quote_amount
    is_market_buy = request.order_type is OrderType.MARKET and request.side is Side.BUY
    if request.order_type is not OrderType.MARKET:
        if price is None or price <= 0:
            raise _bad("price", "> 0", f"a {request.order_type.value} order for {pair} needs a positive price")
        if amount is None or amount <= 0:
            raise _bad("amount", "> 0", f"a {request.order_type.value} order for {pair} needs a positive amount")
        tick = rule.price_increment
        if quantize:
            price = _round(price, tick, ROUND_FLOOR if request.side is Side.BUY else ROUND_CEILING)
        if price % tick:
            lo = _round(price, tick, ROUND_FLOOR)
            raise _bad("price_increment", tick,
                       f"price {price} is not a multiple of the price tick {tick} for {pair} "
                       f"(nearest valid: {_fmt(lo, tick)} or {_fmt(lo + tick, tick)})")
        if price <= 0:
            raise _bad("price_increment", tick, f"price rounds to zero at the price tick {tick} for {pair}")
    elif is_market_buy:
        if quote is None or quote <= 0:
            raise _bad("quote_amount", "> 0", f"a MARKET buy for {pair} is sized by quote_amount ({pair.quote} to spend)")
        if quote < rule.min_notional_buy:
            raise _bad("min_notional_buy", rule.min_notional_buy,
                       f"market buy of {quote} {pair.quote} is below the minimum order value "
                       f"{rule.min_notional_buy} {pair.quote} for {pair}")
        return replace(request, quote_amount=quote, amount=None, price=None)
    elif amount is None or amount <= 0:
        raise _bad("amount", "> 0", f"a MARKET sell for {pair} needs a positive amount")
    assert amount is not None
    step = rule.size_increment
    if quantize:
        amount = _round(amount, step, ROUND_DOWN)
    if amount % step:
        lo = _round(amount, step, ROUND_FLOOR)
        raise _bad("size_increment", step,
                   f"amount {amount} is not a multiple of the size step {step} for {pair} "
                   f"(nearest valid: {_fmt(lo, step)} or {_fmt(lo + step, step)})")
    if amount < rule.min_size:
        raise _bad("min_size", rule.min_size, f"amount {amount} is below the minimum size {rule.min_size} {pair.base} for {pair}")
    if rule.max_size is not None and amount > rule.max_size:
        raise _bad("max_size", rule.max_size, f"amount {amount} is above the maximum size {rule.max_size} {pair.base} for {pair}")
    if price is not None:
        notional = price * amount
        minimum = rule.min_notional_buy if request.side is Side.BUY else rule.min_notional_sell
        if notional < minimum:
            side = request.side.value.lower()
            raise _bad(f"min_notional_{side}", minimum,
                       f"order value {notional} {pair.quote} (price x amount) is below the minimum {minimum} "
                       f"{pair.quote} for a {side} on {pair}")
    return replace(request, price=price, amount=amount)

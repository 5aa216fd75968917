"""Trading rules: build them from BitMart's symbol details; check an order with host_spec's `check_order`.

The pair lookup stays here because it carries BitMart's codes (50001 unknown, 50040 not trading).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from host_spec import InvalidPair, OrderRequest, OrderType, TradingPair, TradingRule, check_order

CONNECTOR = "bitmart"
ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)


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


def validate(
    request: OrderRequest, rules: Mapping[TradingPair, TradingRule], *, quantize: bool = False
) -> OrderRequest:
    """Return the request to send (quantized when asked) or raise InvalidPair / InvalidOrder."""
    rule = rule_for(rules, request.pair)
    return check_order(request, rule, order_types=ORDER_TYPES, connector=CONNECTOR, quantize=quantize)

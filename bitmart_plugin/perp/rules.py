"""Contract details (`GET /contract/public/details`) -> the contract table and host TradingRules in base units.

bitmart_futures.md §1.1: every wire quantity is contracts; the host rule is base units, so
`size_increment = contract_size x vol_precision`, `min_size = contract_size x min_volume`,
`max_size = contract_size x max_volume`, `max_market_size = contract_size x market_max_volume`,
`price_increment = price_precision` (a tick, "0.1"). BitMart has no minimum notional. Rows of dated
futures (`product_type` 2) are not perpetuals and are left out; delisted contracts stay in the table
(old orders and positions still name them) but not in the rules. A row that cannot be read is skipped
and named in `Contracts.skipped`, so one odd contract never hides the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from host_spec import InvalidPair, TradingPair, TradingRule

from bitmart_plugin.fields import ParseError, dec, opt_dec, opt_int, text
from bitmart_plugin.perp.symbols import Contract, Contracts, to_symbol

__all__ = ["contract_from_details", "contracts_from_details", "with_maintenance_rates"]

PERPETUAL = 1  # details `product_type`: 1 perpetual, 2 dated futures


def _plain(value: Decimal) -> Decimal:
    """Exact, without exponent notation for whole numbers (500.000 -> 500, not 5E+2)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _positive(row: dict[str, Any], key: str) -> Decimal:
    value = dec(row, key)
    if value <= 0:
        raise ParseError(f"{key}: expected a positive number, got {value}")
    return value


def _whole(row: dict[str, Any], key: str) -> Decimal | None:
    """A count of contracts: a positive whole number, or None when absent."""
    value = opt_dec(row, key)
    if value is None:
        return None
    if value <= 0 or value != value.to_integral_value():
        raise ParseError(f"{key}: expected a positive whole number of contracts, got {value}")
    return value


def contract_from_details(row: dict[str, Any]) -> Contract:
    """One details row -> Contract (with its host rule); ParseError naming the field it cannot read."""
    symbol = text(row, "symbol")
    pair = TradingPair(text(row, "base_currency").upper(), text(row, "quote_currency").upper())
    try:
        to_symbol(pair)
    except InvalidPair as exc:
        raise ParseError(exc.message) from None
    size = _positive(row, "contract_size")
    step = _whole(row, "vol_precision") or Decimal(1)
    smallest = _whole(row, "min_volume") or step
    largest = _whole(row, "max_volume")
    market_largest = _whole(row, "market_max_volume")
    status = (text(row, "status") or "Trading").lower()  # rows before 2025 carry no status: listed means trading
    rule = TradingRule(
        pair=pair,
        price_increment=_plain(_positive(row, "price_precision")),
        size_increment=_plain(size * step),
        min_size=_plain(size * smallest),
        max_size=_plain(size * largest) if largest is not None else None,
        trading_enabled=status == "trading",
        status=status,
        contract_size=_plain(size),
        min_leverage=opt_dec(row, "min_leverage"),
        max_leverage=opt_dec(row, "max_leverage"),
        max_market_size=_plain(size * market_largest) if market_largest is not None else None,
    )
    hours = opt_int(row, "funding_interval_hours") or 8
    return Contract(symbol, pair, rule.contract_size or size, rule, funding_interval_s=hours * 3600,
                    delisted=status == "delisted", delist_time_s=opt_int(row, "delist_time") or 0)


def contracts_from_details(data: dict[str, Any] | Iterable[Any]) -> Contracts:
    """The `data` of a details answer (`{"symbols": [...]}`, or the rows themselves) -> Contracts."""
    rows = data.get("symbols") if isinstance(data, dict) else data
    if not isinstance(rows, list | tuple):
        raise ParseError("contract details: expected data.symbols to be a list")
    contracts, skipped = [], []
    for row in rows:
        if not isinstance(row, dict):
            skipped.append(f"?: not an object ({type(row).__name__})")
            continue
        try:
            if opt_int(row, "product_type") not in (None, PERPETUAL):
                continue
            contracts.append(contract_from_details(row))
        except ParseError as exc:
            skipped.append(f"{row.get('symbol', '?')}: {exc}")
    return Contracts(contracts, skipped)


def _first_tier_rate(row: object) -> tuple[str, Decimal]:
    """(symbol, maintenance margin ratio of its first risk tier) of one leverage-bracket row."""
    if not isinstance(row, dict) or not isinstance(row.get("brackets"), list) or not row["brackets"]:
        raise ParseError("expected {symbol, brackets: [...]}")
    tiers = [t for t in row["brackets"] if isinstance(t, dict)]
    if len(tiers) != len(row["brackets"]):
        raise ParseError("a bracket is not an object")
    first = min(tiers, key=lambda t: opt_dec(t, "notional_floor") or Decimal(0))
    rate = dec(first, "maint_margin_ratio")
    if not 0 < rate < 1:
        raise ParseError(f"maint_margin_ratio: expected a ratio between 0 and 1, got {rate}")
    return text(row, "symbol"), rate


def with_maintenance_rates(contracts: Contracts, data: object) -> Contracts:
    """The listing with each rule's `maintenance_margin_rate` from `/contract/public/leverage-bracket` data: the
    ratio of the contract's first risk tier (the smallest positions; larger ones need more). Rows that cannot be
    read leave their contract without a rate and are named in `skipped`."""
    rows = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ParseError("leverage-bracket: expected data.rules to be a list")
    rates, skipped = {}, list(contracts.skipped)
    for row in rows:
        try:
            symbol, rate = _first_tier_rate(row)
        except ParseError as exc:
            skipped.append(f"{row.get('symbol', '?') if isinstance(row, dict) else '?'} brackets: {exc}")
            continue
        rates[symbol] = rate
    return Contracts((replace(c, rule=replace(c.rule, maintenance_margin_rate=rates[c.symbol]))
                      if c.symbol in rates else c for c in contracts), skipped)

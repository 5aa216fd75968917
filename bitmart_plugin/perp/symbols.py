"""BitMart USDT-M perpetual symbols: `BTC-USDT` <-> `BTCUSDT`, and the table of listed contracts.

A futures symbol is the base and quote run together (bitmart_futures.md §1.1). Going back from a symbol
to a pair needs the listing (`1000PEPEUSDT` cannot be split by rule alone in general), so `Contracts`
is the authority once the details are loaded; `to_pair` splits on the USDT suffix for the rest.
Spot-style symbols (`BTC_USDT`) and pairs not quoted in USDT are refused with the form to use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from host_spec import InvalidPair, TradingPair, TradingRule, from_contracts, rule_for, to_contracts

from bitmart_plugin.fields import ParseError

__all__ = ["CONNECTOR", "SETTLE_ASSET", "Contract", "Contracts", "to_pair", "to_symbol"]

CONNECTOR = "bitmart_perpetual"
SETTLE_ASSET = "USDT"  # every USDT-M contract settles and margins in USDT
_SYMBOL = re.compile(r"^([A-Z0-9]{1,20})USDT$")


def to_symbol(pair: TradingPair) -> str:
    """`BTC-USDT` -> `BTCUSDT`; InvalidPair for a pair that cannot be a USDT-M contract."""
    if pair.quote != SETTLE_ASSET:
        raise InvalidPair(f"{pair} cannot be a BitMart USDT-M perpetual: contracts are quoted in USDT "
                          f"(for example {pair.base}-USDT)", connector=CONNECTOR, code=40034)
    return f"{pair.base}{pair.quote}"


def to_pair(symbol: str) -> TradingPair:
    """`BTCUSDT` -> `BTC-USDT`; ParseError for a spot symbol (`BTC_USDT`) or anything else."""
    if not isinstance(symbol, str):
        raise ParseError(f"a futures symbol is a str such as 'BTCUSDT', not {symbol!r}")
    match = _SYMBOL.match(symbol)
    if match:
        return TradingPair(match.group(1), SETTLE_ASSET)
    if re.match(r"^[A-Za-z0-9]+[_/-][A-Za-z0-9]+$", symbol):
        joined = re.sub(r"[_/-]", "", symbol).upper()
        raise ParseError(f"{symbol!r} is a spot-style symbol; BitMart futures write it {joined!r}")
    raise ParseError(f"{symbol!r} is not a BitMart USDT-M futures symbol (expected BASE + USDT, such as 'BTCUSDT')")


@dataclass(frozen=True, slots=True)
class Contract:
    """One listed contract: its symbol, its pair, base units per contract and its host rule (base units)."""

    symbol: str
    pair: TradingPair
    contract_size: Decimal
    rule: TradingRule
    funding_interval_s: int = 8 * 3600
    delisted: bool = False
    delist_time_s: int = 0

    def to_base(self, contracts: Decimal | int) -> Decimal:
        """Contracts (a whole number, as read from the wire) -> base units, exactly."""
        return from_contracts(contracts, self.contract_size)

    def to_contracts(self, amount: Decimal) -> int:
        """Base units -> whole contracts; InvalidOrder naming the nearest valid sizes when it falls between."""
        return to_contracts(amount, self.contract_size, connector=CONNECTOR)


class Contracts:
    """The listing: look a contract up by symbol (parsers) or by pair (orders), with errors that say what exists."""

    def __init__(self, contracts: Iterable[Contract] = (), skipped: Iterable[str] = ()) -> None:
        self._by_symbol = {c.symbol: c for c in contracts}
        self._by_pair = {c.pair: c for c in self._by_symbol.values()}
        #: rows of the listing that could not be read, each "SYMBOL: reason" (for the connector to log)
        self.skipped = tuple(skipped)

    def __len__(self) -> int:
        return len(self._by_symbol)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def __iter__(self) -> Iterator[Contract]:
        """Every contract of the listing, delisted ones included."""
        return iter(self._by_symbol.values())

    def rules(self) -> dict[TradingPair, TradingRule]:
        """Host rules of the contracts that are listed now (delisted ones left out)."""
        return {c.pair: c.rule for c in self._by_symbol.values() if not c.delisted}

    def by_symbol(self, symbol: str) -> Contract:
        """The contract of a wire symbol; ParseError for a symbol not in the listing (or not a futures symbol)."""
        found = self._by_symbol.get(symbol)
        if found is None:
            to_pair(symbol)  # a spot-style or malformed symbol gets its own message
            raise ParseError(f"{symbol!r} is not in the BitMart futures listing (reload the contract details)")
        return found

    def by_pair(self, pair: TradingPair) -> Contract:
        """The contract of a pair that is listed and trading; InvalidPair naming close matches otherwise."""
        symbol = to_symbol(pair)
        found = self._by_pair.get(pair)
        if found is not None and found.delisted:
            raise InvalidPair(f"{pair} ({symbol}) has been delisted from BitMart futures", connector=CONNECTOR,
                              code=40014)
        rule_for(self.rules(), pair, connector=CONNECTOR, venue="BitMart futures")  # unknown, or not trading
        return self._by_pair[pair]

"""Funding: rates (REST and WS), settled-rate history, our payments, and the host FundingInfo. Pure.

Which number is which (bitmart_futures.md §4.1): REST `expected_rate` and WS `fundingRate` are the rate
that settles at the next settlement, REST `funding_time` = WS `nextFundingTime`. WS `fundingTime` is
only the push time truncated to the second (§0 C6) and is never used as the settlement time. The mark
comes from the ticker (`mark_price`), never from `last_price`. Payments are `transaction-history` rows of
flow_type 3 "Funding Fee" with a signed USDT amount (negative: paid) and a ms time given as a string;
they do not carry the rate, which is taken from the settled-rate history when it still lists that
settlement (else None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from host_spec import FundingInfo, FundingPayment, TradingPair

from bitmart_plugin.fields import ParseError, dec, opt_dec, opt_int, text
from bitmart_plugin.perp.symbols import SETTLE_ASSET, Contract, Contracts
from bitmart_plugin.perp.units import ms

__all__ = [
    "FUNDING_FLOW", "FundingRate", "SettledRate", "funding_info", "payments_from_history", "rate_from_rest",
    "rate_from_ws", "settled_rates",
]

FUNDING_FLOW = 3  # transaction-history flow_type: 1 transfer, 2 realized PnL, 3 funding, 4 commission, 5 liquidation
FUNDING_TYPE = "Funding Fee"
SETTLEMENT_LAG_MS = 5 * 60_000  # a payment row lands ~2 s after its settlement; allow a wide margin


@dataclass(frozen=True, slots=True)
class FundingRate:
    """A contract's funding rate now: `rate` settles at `next_funding_ms`; `predicted_rate` is the forecast for
    the period after (WS only); `previous_rate` the last settled one (REST only)."""

    pair: TradingPair
    rate: Decimal
    next_funding_ms: int
    predicted_rate: Decimal | None = None
    previous_rate: Decimal | None = None
    timestamp_ms: int = 0


def _object(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ParseError(f"{what}: data is not an object")
    return data


def rate_from_rest(data: object, contracts: Contracts) -> FundingRate:
    """`GET /contract/public/funding-rate` data -> FundingRate."""
    row = _object(data, "funding-rate")
    contract = contracts.by_symbol(text(row, "symbol"))
    return FundingRate(contract.pair, dec(row, "expected_rate"), ms(row, "funding_time"),
                       previous_rate=opt_dec(row, "rate_value"), timestamp_ms=opt_int(row, "timestamp") or 0)


def rate_from_ws(data: object, contracts: Contracts) -> FundingRate:
    """futures/fundingRate data -> FundingRate (settlement time from `nextFundingTime`, not `fundingTime`)."""
    row = _object(data, "futures/fundingRate")
    contract = contracts.by_symbol(text(row, "symbol"))
    return FundingRate(contract.pair, dec(row, "fundingRate"), ms(row, "nextFundingTime"),
                       predicted_rate=opt_dec(row, "nextFundingRate"), timestamp_ms=opt_int(row, "ts") or 0)


def funding_info(rate: FundingRate, contract: Contract, mark_price: Decimal, index_price: Decimal) -> FundingInfo:
    """The host's FundingInfo from a rate, the contract (its funding interval) and the ticker's mark and index."""
    if rate.pair != contract.pair:
        raise ValueError(f"the rate is for {rate.pair}, the contract is {contract.pair}")
    return FundingInfo(rate.pair, rate.rate, rate.next_funding_ms, contract.funding_interval_s, mark_price, index_price,
                       predicted_rate=rate.predicted_rate, timestamp_ms=rate.timestamp_ms)


@dataclass(frozen=True, slots=True)
class SettledRate:
    """One past settlement of a contract: the rate that settled at `funding_ms`."""

    pair: TradingPair
    funding_ms: int
    rate: Decimal


def settled_rates(data: object, contracts: Contracts) -> list[SettledRate]:
    """`GET /contract/public/funding-rate-history` data (`{"list": [...]}`, times as ms strings) -> oldest first."""
    rows = _object(data, "funding-rate-history").get("list")
    if not isinstance(rows, list):
        raise ParseError("funding-rate-history: expected data.list to be a list")
    out = []
    for row in rows:
        row = _object(row, "funding-rate-history row")
        pair = contracts.by_symbol(text(row, "symbol")).pair
        out.append(SettledRate(pair, ms(row, "funding_time"), dec(row, "funding_rate")))
    return sorted(out, key=lambda r: (r.funding_ms, str(r.pair)))


def _rate_at(pair: TradingPair, when_ms: int, rates: list[SettledRate]) -> Decimal | None:
    """The rate of the settlement a payment at `when_ms` belongs to: the last one at or before it, if close."""
    best = None
    for settled in rates:
        if settled.pair == pair and settled.funding_ms <= when_ms:
            best = settled
    if best is None or when_ms - best.funding_ms > SETTLEMENT_LAG_MS:
        return None
    return best.rate


def _is_funding(row: dict[str, Any]) -> bool:
    flow = opt_int(row, "flow_type")
    return flow == FUNDING_FLOW if flow is not None else text(row, "type") == FUNDING_TYPE


def payments_from_history(rows: object, contracts: Contracts,
                          rates: Iterable[SettledRate] = ()) -> list[FundingPayment]:
    """`transaction-history` rows -> our funding payments, oldest first (other flow types are left out)."""
    if not isinstance(rows, list):
        raise ParseError("transaction-history: data is not a list")
    known = sorted(rates, key=lambda r: r.funding_ms)
    out = []
    for row in rows:
        row = _object(row, "transaction-history row")
        if not _is_funding(row):
            continue
        pair = contracts.by_symbol(text(row, "symbol")).pair
        when = ms(row, "time")
        out.append(FundingPayment(pair, dec(row, "amount"), text(row, "asset") or SETTLE_ASSET,
                                  _rate_at(pair, when, known), when, text(row, "tran_id")))
    return sorted(out, key=lambda p: (p.timestamp_ms, p.payment_id))

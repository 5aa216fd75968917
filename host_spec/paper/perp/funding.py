"""Funding settlement on paper positions: at each settlement time every open position of the pair pays or
receives its value at the mark times the rate; longs pay a positive rate, shorts receive it.

An isolated position's payment moves its margin; a cross position's moves the available cash.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from host_spec.models import BalanceEvent, FundingEvent, FundingPayment, PositionEvent, TradingPair
from host_spec.paper.perp.ledger import PerpLedger
from host_spec.paper.perp.positions import ZERO, money

__all__ = ["settle"]


def settle(ledger: PerpLedger, pair: TradingPair, rate: Decimal, ts: int,
           payment_id: Callable[[], str]) -> list[FundingEvent | PositionEvent | BalanceEvent]:
    """Settle `rate` on every open position of `pair` at venue time `ts`; returns the events (none when flat)."""
    events: list[FundingEvent | PositionEvent | BalanceEvent] = []
    asset = pair.quote
    for h in ledger.held(pair):
        amount = money(-h.sign * h.amount * ledger.mark(h) * rate)
        if h.isolated:
            h.margin += amount
            h.updated_ms = ts
        else:
            ledger.credit(asset, amount)
        ledger.funding[asset] = ledger.funding.get(asset, ZERO) - amount
        payment = FundingPayment(pair, amount, asset, rate, ts, payment_id())
        ledger.payments.append(payment)
        events.append(FundingEvent(payment))
        if h.isolated:
            events.append(ledger.position_event(h))
    if events:
        events.append(ledger.balance_event(asset, ts))
    return events

"""Forced liquidation of paper positions whose equity has fallen to their maintenance margin.

Isolated position: due when margin + unrealized PnL at the mark <= its maintenance margin (entry value ×
maintenance rate). It is closed at its bankruptcy price: the whole margin is lost, booked as realized PnL.
Cross positions, per margin asset: due when the asset's cash + cross margins + cross unrealized PnL <= their
summed maintenance. Every cross position of the asset is closed at its mark, realizing its PnL; the equity
left (at most the maintenance) stays, and a deficit (the mark jumped past bankruptcy) is cleared to 0.
The caller cancels the orders first: a position's closing orders (isolated), every order in the asset (cross).
"""

from __future__ import annotations

from host_spec.models import BalanceEvent, Position, PositionEvent
from host_spec.paper.perp.ledger import Liquidation, PerpLedger
from host_spec.paper.perp.positions import ZERO, Holding

__all__ = ["due", "liquidate_cross", "liquidate_isolated"]


def due(ledger: PerpLedger) -> tuple[list[Holding], list[str]]:
    """(isolated positions due, margin assets whose cross positions are due)."""
    held = ledger.held()
    isolated = [h for h in held if h.isolated
                and h.margin + h.unrealized(ledger.mark(h)) <= h.maintenance(ledger.maintenance_rate(h.pair))]
    cross = []
    for asset in sorted({h.pair.quote for h in held if not h.isolated}):
        equity, maintenance = ledger.cross_equity(asset)
        if equity <= maintenance:
            cross.append(asset)
    return isolated, cross


def _close(ledger: PerpLedger, h: Holding, ts: int, lost: bool) -> tuple[Liquidation, PositionEvent]:
    """Close all of `h`: at the mark (its PnL realized), or losing the whole margin (`lost`)."""
    mark, entry, amount, price = ledger.mark(h), h.entry_price, h.amount, ledger.liquidation_price(h)
    asset = h.pair.quote
    if lost:
        pnl = -h.margin
        h.amount = h.cost = h.margin = ZERO
        h.updated_ms = ts
    else:
        pnl, released = h.reduce(amount, mark, ts)
        ledger.credit(asset, released + pnl)
    ledger.realized[asset] = ledger.realized.get(asset, ZERO) + pnl
    final = Position(h.pair, h.side, ZERO, entry, mark, ZERO, h.leverage, h.margin_mode, price, ZERO, ts)
    return Liquidation(h.pair, h.side, amount, entry, mark, pnl, ts), PositionEvent(final)


def liquidate_isolated(ledger: PerpLedger, h: Holding, ts: int) -> list[PositionEvent | BalanceEvent]:
    record, event = _close(ledger, h, ts, lost=True)
    ledger.liquidations.append(record)
    ledger.drop_flat([h])
    return [event, ledger.balance_event(h.pair.quote, ts)]


def liquidate_cross(ledger: PerpLedger, asset: str, ts: int) -> list[PositionEvent | BalanceEvent]:
    cross = [h for h in ledger.held() if not h.isolated and h.pair.quote == asset]
    events: list[PositionEvent | BalanceEvent] = []
    records = []
    for h in cross:
        record, event = _close(ledger, h, ts, lost=False)
        records.append(record)
        events.append(event)
    deficit = min(ledger.wallet.available.get(asset, ZERO), ZERO)
    if deficit and records:
        ledger.credit(asset, -deficit)
        ledger.realized[asset] = ledger.realized.get(asset, ZERO) - deficit
        last = records[-1]
        records[-1] = Liquidation(last.pair, last.side, last.amount, last.entry_price, last.mark_price,
                                  last.loss - deficit, ts)
    ledger.liquidations.extend(records)
    ledger.drop_flat(cross)
    return [*events, ledger.balance_event(asset, ts)]

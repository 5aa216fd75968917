"""The perpetual paper report: the spot report's activity lines, then positions, and per margin asset the
start, realized PnL, fees, funding, unrealized PnL, equity and its change, and any liquidations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from host_spec.paper.report import activity_lines, closing_lines, fmt

__all__ = ["build_perp_report"]

ZERO = Decimal(0)


def build_perp_report(session: Any) -> str:
    """A plain-text report of a PerpPaperSession (or anything with `engine`, `wallet` and `ledger`)."""
    ledger = session.ledger
    lines, s = activity_lines(session)
    unrealized: dict[str, Decimal] = {}
    for h in ledger.held():
        p = ledger.position(h)
        unrealized[h.pair.quote] = unrealized.get(h.pair.quote, ZERO) + p.unrealized_pnl
        liq = f"liquidation {fmt(p.liquidation_price)}" if p.liquidation_price is not None else "no liquidation price"
        lines.append(f"  position {p.pair} {p.side.value} {fmt(p.amount)} @ {fmt(p.entry_price)}  mark {fmt(p.mark_price)}"
                     f"  upnl {fmt(p.unrealized_pnl)}  margin {fmt(p.margin)} ({p.margin_mode.value} {fmt(p.leverage)}x)"
                     f"  {liq}")
    assets = sorted(set(ledger.wallet.start) | set(ledger.realized) | set(unrealized) | set(ledger.funding))
    for asset in assets:
        start = ledger.wallet.start.get(asset, ZERO)
        realized, funding = ledger.realized.get(asset, ZERO), ledger.funding.get(asset, ZERO)
        fees, upnl = ledger.wallet.fees_paid.get(asset, ZERO), unrealized.get(asset, ZERO)
        equity = start + realized - fees - funding + upnl
        lines.append(f"  account  {asset:<8} start {fmt(start)}  realized {fmt(realized)}  fees {fmt(fees)}  "
                     f"funding paid {fmt(funding)}  unrealized {fmt(upnl)}  equity {fmt(equity)}  "
                     f"pnl {fmt(equity - start)}")
        bal = ledger.balance(asset)
        lines.append(f"  balance  {asset:<8} available {fmt(bal.available)}  frozen {fmt(bal.frozen)} "
                     f"(orders and position margin)")
    lines.append(f"  funding  {len(ledger.payments)} payments")
    for r in ledger.liquidations:
        lines.append(f"  liquidated {r.pair} {r.side.value} {fmt(r.amount)} @ entry {fmt(r.entry_price)}, mark "
                     f"{fmt(r.mark_price)}: {fmt(r.loss)} {r.pair.quote}")
    lines.append(f"  mode     {ledger.mode.value}")
    source = getattr(session, "maintenance", None)
    for pair in sorted({h.pair for h in ledger.held()}):
        rate, where = source(pair) if source is not None else (ledger.maintenance_rate(pair), "saved")
        lines.append(f"  maintenance rate for {pair}: {fmt(rate)} ({where})")
    lines += closing_lines(session, s["order_list"])
    return "\n".join(lines)

"""The session report: orders by state, fills, fees, and PnL in the quote asset at the last mid."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from host_spec.models import Fill, Order

__all__ = ["activity_lines", "build_report", "closing_lines", "fmt", "summarize"]

ZERO = Decimal(0)


def summarize(orders: list[Order], fills: list[Fill], start: dict[str, Decimal], now: dict[str, Decimal],
              mids: dict[tuple[str, str], Decimal]) -> dict[str, Any]:
    """Numbers for the report. PnL per quote asset = change in (quote + base valued at the last mid)."""
    states = Counter(o.state.value for o in orders)
    fees: dict[str, Decimal] = {}
    volume: dict[str, Decimal] = {}
    maker = sum(1 for f in fills if f.is_maker)
    for f in fills:
        fees[f.fee_asset] = fees.get(f.fee_asset, ZERO) + f.fee
        volume[f.pair.quote] = volume.get(f.pair.quote, ZERO) + f.price * f.amount
    pnl: dict[str, Decimal] = {}
    for (base, quote), mid in sorted(mids.items()):
        change_base = now.get(base, ZERO) - start.get(base, ZERO)
        change_quote = now.get(quote, ZERO) - start.get(quote, ZERO)
        pnl[f"{base}-{quote}"] = change_quote + change_base * mid
    return {"orders": dict(states), "order_count": len(orders), "fills": len(fills), "maker_fills": maker,
            "taker_fills": len(fills) - maker, "volume": volume, "fees": fees, "pnl": pnl,
            "mids": {f"{b}-{q}": m for (b, q), m in mids.items()}}


def _f(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral_value() else value, "f")


def fmt(value: Decimal) -> str:
    """A Decimal as plain text, without an exponent or trailing zeros."""
    return format(value.normalize(), "f")


def _bounds_lines(session: Any, orders: list[Order]) -> list[str]:
    """Per pair: filled amount under the session's model and under the back / front bounds (option `bounds`)."""
    bounds_of = getattr(session, "fill_bounds", None)
    rows: dict[str, list[tuple[Decimal, Decimal, Decimal]]] = {}
    for o in orders:
        b = bounds_of(o.client_order_id) if bounds_of is not None else None
        if b is not None:
            rows.setdefault(str(o.pair), []).append((o.filled_amount, *b))
    model = getattr(getattr(session, "options", None), "queue_model", None)
    name = f" ({model.value} queue model)" if model is not None else ""
    lines = []
    for pair, r in sorted(rows.items()):
        filled, lo, hi = (sum((row[i] for row in r), ZERO) for i in range(3))
        differ = sum(row[1] != row[2] for row in r)
        lines.append(f"  bounds   {pair}: filled {_f(filled)}{name}; pessimistic (back) {_f(lo)}, optimistic (front) "
                     f"{_f(hi)}; {differ} of {len(r)} orders depend on the queue model")
    return lines


def activity_lines(session: Any) -> tuple[list[str], dict[str, Any]]:
    """The report's first lines (orders by state, fills, volume, fees) and the summary they come from."""
    engine, wallet = session.engine, session.wallet
    orders = [w.order for w in engine.orders.values()] if engine else []
    fills = list(engine.fills) if engine else []
    mids: dict[tuple[str, str], Decimal] = {}
    if engine:
        for pair, book in engine.books.items():
            mid = book.mid()
            if mid is not None:
                mids[(pair.base, pair.quote)] = mid
    now = {a: b.total for a, b in wallet.snapshot().items()}
    s = summarize(orders, fills, wallet.start, now, mids)
    s["order_list"] = orders
    lines = [f"paper report: {getattr(session, 'connector_id', 'paper')}",
             f"  orders   {s['order_count']}  " + "  ".join(f"{k.lower()} {v}" for k, v in sorted(s["orders"].items())),
             f"  fills    {s['fills']}  (maker {s['maker_fills']}, taker {s['taker_fills']})"]
    lines += [f"  volume   {_f(v)} {a}" for a, v in sorted(s["volume"].items())]
    lines += [f"  fees     {_f(v)} {a}" for a, v in sorted(s["fees"].items())] or ["  fees     0"]
    return lines, s


def closing_lines(session: Any, orders: list[Order]) -> list[str]:
    """The report's last lines: fill bounds (option `bounds`) and where each pair's fee rates came from."""
    lines = _bounds_lines(session, orders)
    for pair, source in sorted(getattr(session, "fee_source", {}).items()):
        lines.append(f"  fee rates for {pair}: {source}")
    return lines


def build_report(session: Any) -> str:
    """A plain-text report of a PaperSession (or anything with `engine` and `wallet`)."""
    wallet = session.wallet
    lines, s = activity_lines(session)
    for name, value in s["pnl"].items():
        lines.append(f"  pnl      {_f(value.quantize(Decimal('0.00000001')))} {name.split('-')[1]} on {name} "
                     f"(base valued at mid {_f(s['mids'][name])})")
    for asset, bal in sorted(wallet.snapshot().items()):
        lines.append(f"  balance  {asset:<8} available {_f(bal.available)}  frozen {_f(bal.frozen)}  "
                     f"(start {_f(wallet.start.get(asset, ZERO))})")
    lines += closing_lines(session, s["order_list"])
    return "\n".join(lines)

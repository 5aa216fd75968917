"""The perpetual commands: `positions`, `leverage`, `position-mode` and `funding`.

Generic: they run on any connector that declares the perpetual capability they need (`positions`,
`leverage`, `position_mode`, `funding`) and talk to it only through the Connection. A connector without
it (a spot one) gets one line naming the connectors that have it, before anything is opened.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal
from typing import Any

from host_spec.cli.candles_view import iso
from host_spec.cli.checks import known_pair
from host_spec.cli.main import table
from host_spec.cli.trading import add_command, fmt, run, run_connected
from host_spec.host import Connection, Host
from host_spec.models import (
    FundingInfo, FundingPayment, Instrument, LeverageSetting, MarginMode, Position, PositionMode, TradingPair,
)

__all__ = ["add_perp_commands", "apply_leverage", "mode_name"]

_CAPABILITY = {"positions": "positions", "leverage": "leverage", "position-mode": "position_mode",
               "funding": "funding"}
POSITION_HEADERS = ["pair", "side", "amount", "entry", "mark", "unrealized PnL", "leverage", "margin mode",
                    "liquidation", "margin"]


def _require(host: Host, args: argparse.Namespace) -> None:
    """ValueError, one line, when the connector does not declare the command's perpetual capability."""
    info = host.connector(args.connector)
    capability = _CAPABILITY[args.command]
    if capability in info.capabilities:
        return
    having = [i.id for i in host.connectors() if capability in i.capabilities]
    having.sort(key=lambda i: (host.connector(i).plugin != info.plugin, host.connector(i).base_connector is not None))
    kind = "a spot connector" if info.instrument is Instrument.SPOT else f"a connector without {capability}"
    hint = f" (try {', '.join(having[:2])})" if having else " (none is installed)"
    raise ValueError(f"{info.id} is {kind}: `{args.command}` needs a perpetual connector{hint}")


def mode_name(mode: PositionMode) -> str:
    """`one-way` or `hedge`, as the command line writes them."""
    return mode.value.replace("_", "-")


def position_row(p: Position) -> list[str]:
    return [str(p.pair), p.side.value, fmt(p.amount), fmt(p.entry_price), fmt(p.mark_price), fmt(p.unrealized_pnl),
            f"{fmt(p.leverage)}x", p.margin_mode.value, fmt(p.liquidation_price), fmt(p.margin)]


def _position_json(p: Position) -> dict[str, Any]:
    return {"pair": str(p.pair), "side": p.side.value, "amount": fmt(p.amount), "entry_price": fmt(p.entry_price),
            "mark_price": fmt(p.mark_price), "unrealized_pnl": fmt(p.unrealized_pnl), "leverage": fmt(p.leverage),
            "margin_mode": p.margin_mode.value, "liquidation_price": None if p.liquidation_price is None
            else fmt(p.liquidation_price), "margin": fmt(p.margin)}


def cmd_positions(host: Host, args: argparse.Namespace) -> int:
    _require(host, args)
    pair = TradingPair.parse(args.pair) if args.pair else None

    async def body(conn: Connection) -> int:
        if pair is not None:
            await known_pair(conn, pair)
        found = await conn.positions(pair)
        if args.json:
            print(json.dumps([_position_json(p) for p in found]))
        elif found:
            print(table([position_row(p) for p in found], POSITION_HEADERS))
        else:
            print("no open positions")
        return 0

    return run(run_connected(host, args, body))


async def apply_leverage(conn: Connection, pair: TradingPair, leverage: Decimal, margin: str | None) -> LeverageSetting:
    """Set `pair`'s leverage within its rule's range; without `margin`, keep the open position's margin mode
    (else cross)."""
    rule = (await conn.trading_rules())[pair]
    low, high = rule.min_leverage, rule.max_leverage
    if (low is not None and leverage < low) or (high is not None and leverage > high):
        span = f"{fmt(low) if low is not None else '-'} to {fmt(high) if high is not None else '-'}"
        raise ValueError(f"leverage {fmt(leverage)} is outside {pair}'s range on {conn.id}: {span}")
    if margin is not None:
        mode = MarginMode(margin)
    else:
        held = await conn.positions(pair) if "positions" in conn.info.capabilities else []
        mode = held[0].margin_mode if held else MarginMode.CROSS
    return await conn.set_leverage(pair, leverage, mode)


def cmd_leverage(host: Host, args: argparse.Namespace) -> int:
    _require(host, args)
    pair = TradingPair.parse(args.pair)

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        setting = await apply_leverage(conn, pair, args.leverage, args.margin)
        print(f"{setting.pair} leverage {fmt(setting.leverage)}x {setting.margin_mode.value}")
        return 0

    return run(run_connected(host, args, body))


def cmd_position_mode(host: Host, args: argparse.Namespace) -> int:
    _require(host, args)

    async def body(conn: Connection) -> int:
        if args.mode is None:
            mode = await conn.position_mode()
        else:
            mode = await conn.set_position_mode(PositionMode(args.mode.replace("-", "_")))
        print(f"position mode: {mode_name(mode)}")
        return 0

    return run(run_connected(host, args, body))


def _span(seconds: float) -> str:
    """`4h 12m`, `35m`, `20s`: how long until a time."""
    s = max(int(seconds), 0)
    hours, minutes = divmod(s // 60, 60)
    return f"{hours}h {minutes}m" if hours else (f"{minutes}m" if minutes else f"{s}s")


def funding_lines(info: FundingInfo, now_s: float | None = None) -> list[str]:
    """The funding info as the command prints it: rate, next funding time, interval, mark, index."""
    now_s = time.time() if now_s is None else now_s
    percent = (info.rate * 100).quantize(Decimal("0.0001"))
    every = f"{info.interval_s // 3600} h" if info.interval_s % 3600 == 0 else f"{info.interval_s} s"
    lines = [f"{info.pair} funding",
             f"  rate          {fmt(info.rate)} ({fmt(percent)} %)",
             f"  next funding  {iso(info.next_funding_ms // 1000)} (in {_span(info.next_funding_ms / 1000 - now_s)})",
             f"  interval      {every}",
             f"  mark          {fmt(info.mark_price)}",
             f"  index         {fmt(info.index_price)}"]
    if info.predicted_rate is not None:
        lines.insert(2, f"  predicted     {fmt(info.predicted_rate)}")
    return lines


def _funding_json(info: FundingInfo) -> dict[str, Any]:
    return {"pair": str(info.pair), "rate": fmt(info.rate), "next_funding_ms": info.next_funding_ms,
            "interval_s": info.interval_s, "mark_price": fmt(info.mark_price), "index_price": fmt(info.index_price),
            "predicted_rate": None if info.predicted_rate is None else fmt(info.predicted_rate)}


def _payment_json(p: FundingPayment) -> dict[str, Any]:
    return {"pair": str(p.pair), "amount": fmt(p.amount), "asset": p.asset,
            "rate": None if p.rate is None else fmt(p.rate), "timestamp": p.timestamp_ms}


def _payment_lines(payments: list[FundingPayment]) -> list[str]:
    if not payments:
        return ["no funding payments"]
    rows = [[iso(p.timestamp_ms // 1000), str(p.pair), fmt(p.amount), p.asset, fmt(p.rate)] for p in payments]
    total = sum((p.amount for p in payments), Decimal(0))
    return [table(rows, ["time", "pair", "amount", "asset", "rate"]),
            f"total {fmt(total)} {payments[0].asset} over {len(payments)} payment{'s' * (len(payments) != 1)}"]


def cmd_funding(host: Host, args: argparse.Namespace) -> int:
    from host_spec.cli.candles import parse_time

    _require(host, args)
    pair = TradingPair.parse(args.pair)
    since_ms = parse_time(args.since) * 1000 if args.since else None

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        info = await conn.funding_info(pair)
        payments = await conn.funding_payments(pair, since_ms) if args.payments else None
        if args.json:
            out = _funding_json(info)
            if payments is not None:
                out["payments"] = [_payment_json(p) for p in payments]
            print(json.dumps(out))
            return 0
        print("\n".join(funding_lines(info)))
        if payments is not None:
            print("\n".join(["", *_payment_lines(payments)]))
        return 0

    return run(run_connected(host, args, body))


def add_perp_commands(sub: Any) -> None:
    from host_spec.cli.orders import decimal_arg

    p = add_command(sub, "positions", "perpetuals: open positions", cmd_positions, pair="optional")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = add_command(sub, "leverage", "perpetuals: set a pair's leverage and margin mode", cmd_leverage,
                    pair="required")
    p.add_argument("leverage", type=decimal_arg, metavar="N")
    p.add_argument("--margin", choices=["cross", "isolated"],
                   help="margin mode (default: the open position's, else cross)")
    p = add_command(sub, "position-mode", "perpetuals: show or set the account's position mode", cmd_position_mode)
    p.add_argument("mode", nargs="?", choices=["one-way", "hedge"], help="set it (no position or order may be open)")
    p = add_command(sub, "funding", "perpetuals: a pair's funding rate, next funding time, mark and index",
                    cmd_funding, pair="required")
    p.add_argument("--payments", action="store_true", help="also list our funding payments")
    p.add_argument("--since", help="payments since (ISO time, epoch seconds, or 2h/3d/1w ago)")
    p.add_argument("--json", action="store_true", help="print JSON")

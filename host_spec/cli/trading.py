"""The trading commands: connect, book, trades, balance; and the session plumbing every command shares."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from host_spec.cli.checks import check_session_flags, known_pair
from host_spec.credentials import CredentialStore
from host_spec.errors import AuthError
from host_spec.host import Connection, Host
from host_spec.models import OrderBookView, PublicTrade, TradingPair

__all__ = ["add_command", "add_session_flags", "add_trading_commands", "fmt", "run", "run_connected"]

T = TypeVar("T")


def fmt(value: Decimal | None) -> str:
    return "-" if value is None else format(value, "f")


async def run_connected(host: Host, args: argparse.Namespace, body: Callable[[Connection], Awaitable[T]]) -> T:
    """Open the connector (on a fresh in-process sandbox with --sandbox) and run `body` on it."""
    info = host.connector(args.connector)
    check_session_flags(info, args)
    venue = None
    if getattr(args, "sandbox", False):
        venue = await host.start_sandbox(info.base_connector or info.id, {"pairs": args.sandbox_pairs})
        credentials, options = dict(venue.credentials), dict(venue.options)
    else:
        credentials, options = CredentialStore().load(info), {}
    if info.base_connector:  # a paper-trade variant: no credentials, its own account options
        credentials = {}
        options.update({k: v for k, v in (("balance", getattr(args, "balance", None)),
                                         ("persist_path", getattr(args, "paper_db", None))) if v})
    options.update(dict(getattr(args, "option", None) or []))
    try:
        async with await host.open(info.id, credentials, options) as conn:
            return await body(conn)
    finally:
        if venue is not None:
            await venue.close()


def run(coro: Awaitable[int]) -> int:
    import asyncio  # imported here so that listing commands stay fast

    return asyncio.run(coro)  # type: ignore[arg-type]


def cmd_connect(host: Host, args: argparse.Namespace) -> int:
    import getpass

    from pydantic import SecretStr

    info = host.connector(args.connector)
    check_session_flags(info, args)
    if not info.credentials:
        print(f"{info.id} needs no credentials. You are now connected to {info.id}")
        return 0
    if args.sandbox:
        values = None
    else:
        values = {}
        for field in info.credentials:
            try:  # a pipe has no echo to hide: read it plainly, without getpass's warning
                raw = getpass.getpass(field.prompt) if field.secret and sys.stdin.isatty() else input(field.prompt)
            except EOFError:
                print(f"\nerror: no {field.name.replace('_', ' ')} given (input ended); nothing was stored",
                      file=sys.stderr)
                return 1
            if not raw.strip():
                print(f"error: the {field.name.replace('_', ' ')} cannot be empty", file=sys.stderr)
                return 1
            values[field.name] = SecretStr(raw.strip())

    async def check(conn: Connection) -> int:
        await conn.check_credentials()
        return 0

    async def go() -> int:
        if values is None:
            return await run_connected(host, args, check)
        async with await host.open(info.id, values, {}) as conn:
            await conn.check_credentials()
        return 0

    try:
        run(go())
    except AuthError as exc:
        print(f"Could not connect to {info.id}: {exc.message}", file=sys.stderr)
        return 1
    if values is not None:
        path = CredentialStore().save(info, values)
        sharing = [i.id for i in host.connectors() if i.credentials_key == info.credentials_key and i.id != info.id
                   and i.credentials]
        also = f", also used by {', '.join(sharing)}" if sharing else ""
        print(f"Credentials saved to {path} (readable by you only{also}); BITMART_*-style environment variables "
              "still win.")
    print(f"You are now connected to {info.id}")
    return 0


def _book_json(view: OrderBookView) -> str:
    return json.dumps({
        "pair": str(view.pair),
        "timestamp": view.timestamp_ms,
        "sequence": view.sequence,
        "bids": [[fmt(p), fmt(a)] for p, a in view.bids],
        "asks": [[fmt(p), fmt(a)] for p, a in view.asks],
    })


def _book_text(view: OrderBookView) -> str:
    lines = [f"{view.pair}  seq {view.sequence}  ts {view.timestamp_ms}"]
    lines += [f"  ask {fmt(p):>20} {fmt(a):>20}" for p, a in reversed(view.asks)]
    lines.append("  " + "-" * 46)
    lines += [f"  bid {fmt(p):>20} {fmt(a):>20}" for p, a in view.bids]
    return "\n".join(lines)


async def _print_stream(stream: AsyncIterator[T], render: Callable[[T], str], limit: int) -> int:
    """Print each item of `stream` as it arrives; stop after `limit` items (0 = until Ctrl-C)."""
    count = 0
    async for item in stream:
        print(render(item), flush=True)
        count += 1
        if limit and count >= limit:
            break
    return 0


def _trade_json(trade: PublicTrade) -> str:
    return json.dumps({"pair": str(trade.pair), "timestamp": trade.timestamp_ms, "price": fmt(trade.price),
                       "amount": fmt(trade.amount), "taker_side": trade.taker_side.value})


def _trade_text(trade: PublicTrade) -> str:
    return f"{trade.timestamp_ms}  {trade.pair}  {trade.taker_side.value:<4} {fmt(trade.amount):>16} @ {fmt(trade.price)}"


def cmd_book(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair)
    render = _book_json if args.json else _book_text

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        return await _print_stream(conn.order_book(pair, args.depth), render, args.updates)

    return run(run_connected(host, args, body))


def cmd_trades(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair)
    render = _trade_json if args.json else _trade_text

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        return await _print_stream(conn.trades(pair), render, args.count)

    return run(run_connected(host, args, body))


def cmd_balance(host: Host, args: argparse.Namespace) -> int:
    async def body(conn: Connection) -> int:
        balances = await conn.balances()
        nonzero = {k: b for k, b in sorted(balances.items()) if b.total}
        if args.json:
            print(json.dumps({k: {"available": fmt(b.available), "frozen": fmt(b.frozen), "total": fmt(b.total)}
                              for k, b in nonzero.items()}))
            return 0
        for asset, b in nonzero.items():
            print(f"{asset:<10} available {fmt(b.available):>24}  frozen {fmt(b.frozen):>20}")
        return 0

    return run(run_connected(host, args, body))


def add_session_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sandbox", action="store_true", help="start an in-process sandbox venue and use it")
    p.add_argument("--sandbox-pairs", type=int, default=20, help=argparse.SUPPRESS)
    p.add_argument("--balance", help="paper-trade variants: starting balances, e.g. USDT=10000,BTC=1")
    p.add_argument("--paper-db", help="paper-trade variants: SQLite file that keeps the account across runs")
    p.add_argument("-o", "--option", action="append", type=_key_value, metavar="KEY=VALUE",
                   help="a session option for the connector, repeatable (paper: queue_model=back, bounds=yes, "
                        "entry_latency_ms=20, ...)")


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key.strip(), value.strip()


def add_command(sub: Any, name: str, help: str, func: Callable[[Host, argparse.Namespace], int], *,
                pair: str = "") -> argparse.ArgumentParser:
    """A sub-command on one connector: CONNECTOR, then PAIR when `pair` is "required" or "optional", the session
    flags, and `func`; the caller adds the command's own arguments to the parser returned."""
    p = sub.add_parser(name, help=help)
    p.add_argument("connector")
    if pair:
        p.add_argument("pair", nargs=None if pair == "required" else "?", help="BASE-QUOTE, e.g. BTC-USDT")
    add_session_flags(p)
    p.set_defaults(func=func)
    return p


def add_trading_commands(sub: Any) -> None:
    add_command(sub, "connect", "store and check credentials for a connector", cmd_connect)
    p = add_command(sub, "book", "stream a pair's order book", cmd_book, pair="required")
    p.add_argument("--depth", type=int, default=10)
    p.add_argument("--updates", type=int, default=0, help="exit after N applied updates (0 = run until Ctrl-C)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p = add_command(sub, "trades", "stream a pair's public trades", cmd_trades, pair="required")
    p.add_argument("--count", type=int, default=0, help="exit after N trades")
    p.add_argument("--json", action="store_true")
    p = add_command(sub, "balance", "show balances", cmd_balance)
    p.add_argument("--json", action="store_true")

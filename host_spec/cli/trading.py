"""The trading commands: connect, book, trades, balance, order place|cancel|list."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from host_spec.cli.checks import check_session_flags, known_pair
from host_spec.credentials import CredentialStore
from host_spec.errors import AuthError, InvalidOrder
from host_spec.host import Connection, Host
from host_spec.models import Order, OrderBookView, OrderRequest, OrderType, PublicTrade, Side, TradingPair

__all__ = ["add_trading_commands"]

T = TypeVar("T")


def _fmt(value: Decimal | None) -> str:
    return "-" if value is None else format(value, "f")


async def _run_connected(host: Host, args: argparse.Namespace, body: Callable[[Connection], Awaitable[T]]) -> T:
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
        options.update({k: v for k, v in (("balance", args.balance), ("persist_path", args.paper_db)) if v})
    options.update(dict(getattr(args, "option", None) or []))
    try:
        async with await host.open(info.id, credentials, options) as conn:
            return await body(conn)
    finally:
        if venue is not None:
            await venue.close()


def _run(coro: Awaitable[int]) -> int:
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
            return await _run_connected(host, args, check)
        async with await host.open(info.id, values, {}) as conn:
            await conn.check_credentials()
        return 0

    try:
        _run(go())
    except AuthError as exc:
        print(f"Could not connect to {info.id}: {exc.message}", file=sys.stderr)
        return 1
    if values is not None:
        path = CredentialStore().save(info.id, values)
        print(f"Credentials saved to {path} (readable by you only); BITMART_*-style environment variables still win.")
    print(f"You are now connected to {info.id}")
    return 0


def _book_json(view: OrderBookView) -> str:
    return json.dumps({
        "pair": str(view.pair),
        "timestamp": view.timestamp_ms,
        "sequence": view.sequence,
        "bids": [[_fmt(p), _fmt(a)] for p, a in view.bids],
        "asks": [[_fmt(p), _fmt(a)] for p, a in view.asks],
    })


def _book_text(view: OrderBookView) -> str:
    lines = [f"{view.pair}  seq {view.sequence}  ts {view.timestamp_ms}"]
    lines += [f"  ask {_fmt(p):>20} {_fmt(a):>20}" for p, a in reversed(view.asks)]
    lines.append("  " + "-" * 46)
    lines += [f"  bid {_fmt(p):>20} {_fmt(a):>20}" for p, a in view.bids]
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
    return json.dumps({"pair": str(trade.pair), "timestamp": trade.timestamp_ms, "price": _fmt(trade.price),
                       "amount": _fmt(trade.amount), "taker_side": trade.taker_side.value})


def _trade_text(trade: PublicTrade) -> str:
    return f"{trade.timestamp_ms}  {trade.pair}  {trade.taker_side.value:<4} {_fmt(trade.amount):>16} @ {_fmt(trade.price)}"


def cmd_book(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair)
    render = _book_json if args.json else _book_text

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        return await _print_stream(conn.order_book(pair, args.depth), render, args.updates)

    return _run(_run_connected(host, args, body))


def cmd_trades(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair)
    render = _trade_json if args.json else _trade_text

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        return await _print_stream(conn.trades(pair), render, args.count)

    return _run(_run_connected(host, args, body))


def cmd_balance(host: Host, args: argparse.Namespace) -> int:
    async def body(conn: Connection) -> int:
        balances = await conn.balances()
        nonzero = {k: b for k, b in sorted(balances.items()) if b.total}
        if args.json:
            print(json.dumps({k: {"available": _fmt(b.available), "frozen": _fmt(b.frozen), "total": _fmt(b.total)}
                              for k, b in nonzero.items()}))
            return 0
        for asset, b in nonzero.items():
            print(f"{asset:<10} available {_fmt(b.available):>24}  frozen {_fmt(b.frozen):>20}")
        return 0

    return _run(_run_connected(host, args, body))


def _order_line(order: Order) -> str:
    return (f"{order.client_order_id}  {order.pair}  {order.side.value} {order.order_type.value}  "
            f"{_fmt(order.amount)} @ {_fmt(order.price)}  {order.state.value}  filled {_fmt(order.filled_amount)}"
            + (f"  ({order.reason})" if order.reason else ""))


def _decimal_arg(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def cmd_order(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair) if getattr(args, "pair", None) else None

    async def body(conn: Connection) -> int:
        if pair is not None:
            await known_pair(conn, pair)
        if args.action == "place":
            order_type = OrderType(args.type.upper())
            if order_type is not OrderType.MARKET and args.price is None:
                raise InvalidOrder(f"a {order_type.value} order needs --price", rule="price")
            request = OrderRequest(pair, Side(args.side.upper()), order_type, amount=args.amount, price=args.price,
                                   quote_amount=args.quote_amount, client_order_id=args.client_id)
            order = await conn.place_order(request)
            if order_type is not OrderType.MARKET:
                print(_order_line(order))
                return 0
            from host_spec.cli.market import describe_fills, settle

            order, fills = await settle(conn, order)
            print("\n".join([_order_line(order), *describe_fills(order, fills)]))
        elif args.action == "cancel":
            print(_order_line(await conn.cancel_order(pair, args.client_order_id)))
        else:
            orders = await conn.open_orders(pair)
            for order in orders:
                print(_order_line(order))
            if not orders:
                print("no open orders")
        return 0

    return _run(_run_connected(host, args, body))


def _common(p: argparse.ArgumentParser) -> None:
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


def add_trading_commands(sub: Any) -> None:
    p = sub.add_parser("connect", help="store and check credentials for a connector")
    p.add_argument("connector")
    _common(p)
    p.set_defaults(func=cmd_connect)

    p = sub.add_parser("book", help="stream a pair's order book")
    p.add_argument("connector")
    p.add_argument("pair", help="BASE-QUOTE, e.g. BTC-USDT")
    p.add_argument("--depth", type=int, default=10)
    p.add_argument("--updates", type=int, default=0, help="exit after N applied updates (0 = run until Ctrl-C)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    _common(p)
    p.set_defaults(func=cmd_book)

    p = sub.add_parser("trades", help="stream a pair's public trades")
    p.add_argument("connector")
    p.add_argument("pair")
    p.add_argument("--count", type=int, default=0, help="exit after N trades")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_trades)

    p = sub.add_parser("balance", help="show balances")
    p.add_argument("connector")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_balance)

    order = sub.add_parser("order", help="place, cancel or list orders")
    actions = order.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("place", help="place an order")
    p.add_argument("connector")
    p.add_argument("pair")
    p.add_argument("side", choices=["buy", "sell", "BUY", "SELL"])
    p.add_argument("type", choices=[t.value for t in OrderType] + [t.value.lower() for t in OrderType])
    p.add_argument("amount", type=_decimal_arg, nargs="?", help="base amount (a MARKET buy may use --quote-amount)")
    p.add_argument("--price", type=_decimal_arg)
    p.add_argument("--quote-amount", type=_decimal_arg)
    p.add_argument("--client-id")
    _common(p)
    p.set_defaults(func=cmd_order)
    p = actions.add_parser("cancel", help="cancel an order by client order id")
    p.add_argument("connector")
    p.add_argument("pair")
    p.add_argument("client_order_id")
    _common(p)
    p.set_defaults(func=cmd_order)
    p = actions.add_parser("list", help="list open orders")
    p.add_argument("connector")
    p.add_argument("pair", nargs="?")
    _common(p)
    p.set_defaults(func=cmd_order)

"""`host-spec order place|cancel|list`, for spot and perpetual connectors alike.

Sizes are base units; on a contract pair `--contracts N` gives whole contracts instead (converted exactly
with the pair's contract size). The perpetual flags (`--contracts`, `--action`, `--reduce-only`, `--tif`,
`--leverage`) are checked here against the pair's rule and the account's position mode, so that a mistake
names the flag to change; the connector checks the request again before sending it.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from host_spec.cli.checks import known_pair
from host_spec.cli.trading import add_command, fmt, run, run_connected
from host_spec.errors import InvalidOrder
from host_spec.host import Connection, Host
from host_spec.models import (
    Order, OrderRequest, OrderType, PositionAction, PositionMode, Side, TimeInForce, TradingPair, TradingRule,
)
from host_spec.rules import from_contracts, to_contracts

__all__ = ["add_order_command", "decimal_arg", "order_line"]


def order_line(order: Order) -> str:
    return (f"{order.client_order_id}  {order.pair}  {order.side.value} {order.order_type.value}  "
            f"{fmt(order.amount)} @ {fmt(order.price)}  {order.state.value}  filled {fmt(order.filled_amount)}"
            + (f"  ({order.reason})" if order.reason else ""))


def decimal_arg(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _whole(text: str) -> int:
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of contracts (1, 2, ...)")
    return int(text)


def _perp_flags(args: argparse.Namespace) -> list[str]:
    used = [("contracts", "--contracts"), ("position_action", "--action"), ("reduce_only", "--reduce-only"),
            ("leverage", "--leverage"), ("margin", "--margin")]
    flags = [flag for name, flag in used if getattr(args, name, None)]
    return flags + (["--tif"] if args.tif not in (None, "gtc") else [])


def _amount(args: argparse.Namespace, rule: TradingRule, conn: Connection) -> Decimal | None:
    """The base amount: the positional one (a whole number of contracts on a contract pair) or `--contracts`."""
    if args.contracts is not None:
        if args.amount is not None:
            raise ValueError(f"give the amount ({fmt(args.amount)}) or --contracts {args.contracts}, not both")
        assert rule.contract_size is not None
        return from_contracts(args.contracts, rule.contract_size)
    if args.amount is not None and rule.contract_size is not None:
        try:
            to_contracts(args.amount, rule.contract_size, connector=conn.id)
        except InvalidOrder as exc:
            raise InvalidOrder(f"{exc.message}; or give whole contracts with --contracts N", rule=exc.rule,
                               allowed=exc.allowed, connector=conn.id) from None
    return args.amount  # type: ignore[no-any-return]


async def _check_position_action(conn: Connection, args: argparse.Namespace, action: PositionAction | None) -> None:
    """Hedge mode needs --action (or --reduce-only); one-way mode nets, so --action open means nothing there."""
    if "position_mode" not in conn.info.capabilities:
        return
    mode = await conn.position_mode()
    if mode is PositionMode.HEDGE and action is None and not args.reduce_only:
        opens, closes = ("long", "short") if args.side.lower() == "buy" else ("short", "long")
        raise ValueError(f"{conn.id} is in hedge mode: add --action open (open or add to a {opens}) or --action close "
                         f"(reduce a {closes})")
    if mode is PositionMode.ONE_WAY and action is PositionAction.OPEN:
        raise ValueError(f"{conn.id} is in one-way mode, where orders net into one position: leave out --action open "
                         "(add --reduce-only to only reduce the position)")


async def build_request(conn: Connection, args: argparse.Namespace, pair: TradingPair) -> OrderRequest:
    """The request the flags describe, checked against the pair's rule and the account's position mode."""
    rule = (await conn.trading_rules())[pair]
    order_type = OrderType(args.type.upper())
    flags = _perp_flags(args)
    if flags and not rule.is_contract:
        raise ValueError(f"{', '.join(flags)}: {pair} on {conn.id} is a spot pair; these flags are for perpetual "
                         "contracts")
    if order_type is not OrderType.MARKET and args.price is None:
        raise InvalidOrder(f"a {order_type.value} order needs --price", rule="price")
    amount = _amount(args, rule, conn)
    action = PositionAction(args.position_action.upper()) if args.position_action else None
    if rule.is_contract:
        await _check_position_action(conn, args, action)
    if args.leverage is not None:
        from host_spec.cli.perp import apply_leverage

        setting = await apply_leverage(conn, pair, args.leverage, args.margin)
        print(f"leverage {pair}: {fmt(setting.leverage)}x {setting.margin_mode.value}")
    return OrderRequest(pair, Side(args.side.upper()), order_type, amount=amount, price=args.price,
                        quote_amount=args.quote_amount, client_order_id=args.client_id, position_action=action,
                        reduce_only=args.reduce_only, time_in_force=TimeInForce(args.tif.upper()) if args.tif else None)


async def _place(conn: Connection, args: argparse.Namespace, pair: TradingPair) -> None:
    request = await build_request(conn, args, pair)
    order = await conn.place_order(request)
    if request.order_type is not OrderType.MARKET:
        print(order_line(order))
        return
    from host_spec.cli.market import describe_fills, settle

    order, fills = await settle(conn, order)
    print("\n".join([order_line(order), *describe_fills(order, fills)]))


def cmd_order(host: Host, args: argparse.Namespace) -> int:
    pair = TradingPair.parse(args.pair) if getattr(args, "pair", None) else None
    if args.action == "place" and args.margin and args.leverage is None:
        raise ValueError("--margin goes with --leverage N (or use `host-spec leverage`)")

    async def body(conn: Connection) -> int:
        if pair is not None:
            await known_pair(conn, pair)
        if args.action == "place":
            assert pair is not None
            await _place(conn, args, pair)
        elif args.action == "cancel":
            assert pair is not None
            print(order_line(await conn.cancel_order(pair, args.client_order_id)))
        else:
            orders = await conn.open_orders(pair)
            for order in orders:
                print(order_line(order))
            if not orders:
                print("no open orders")
        return 0

    return run(run_connected(host, args, body))


def add_order_command(sub: Any) -> None:
    order = sub.add_parser("order", help="place, cancel or list orders")
    actions = order.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = add_command(actions, "place", "place an order", cmd_order, pair="required")
    p.add_argument("side", choices=["buy", "sell", "BUY", "SELL"])
    p.add_argument("type", choices=[t.value for t in OrderType] + [t.value.lower() for t in OrderType])
    p.add_argument("amount", type=decimal_arg, nargs="?",
                   help="base amount (a spot MARKET buy may use --quote-amount; a contract pair --contracts)")
    p.add_argument("--price", type=decimal_arg)
    p.add_argument("--quote-amount", type=decimal_arg)
    p.add_argument("--client-id")
    perp = p.add_argument_group("perpetual contracts")
    perp.add_argument("--contracts", type=_whole, metavar="N", help="size in whole contracts instead of base units")
    perp.add_argument("--action", dest="position_action", choices=["open", "close"],
                      help="hedge mode: open (or add to) a position, or close (reduce) one")
    perp.add_argument("--reduce-only", action="store_true", help="only ever reduce a position")
    perp.add_argument("--tif", choices=["gtc", "ioc", "fok"], help="time in force of a LIMIT order (default gtc)")
    perp.add_argument("--leverage", type=decimal_arg, metavar="N", help="set the pair's leverage first")
    perp.add_argument("--margin", choices=["cross", "isolated"],
                      help="with --leverage: the margin mode (default: the open position's, else cross)")
    p = add_command(actions, "cancel", "cancel an order by client order id", cmd_order, pair="required")
    p.add_argument("client_order_id")
    add_command(actions, "list", "list open orders", cmd_order, pair="optional")

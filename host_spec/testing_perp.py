"""Conformance checks for perpetual connectors: positions, position mode, leverage, funding, and a position round trip.

Each check runs only when the connector declares the capability (`ConnectorInfo.capabilities`), and is
skipped with the reason otherwise. `ConformanceSuite` (host_spec.testing) inherits them, so a plugin's
one suite covers both spot and perpetual connectors.
"""

from __future__ import annotations

import asyncio
from decimal import ROUND_CEILING, Decimal

from host_spec.errors import InvalidOrder
from host_spec.host import Connection
from host_spec.models import (
    Fill,
    FundingInfo,
    FundingPayment,
    LeverageSetting,
    MarginMode,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    PositionAction,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradingPair,
    TradingRule,
)

__all__ = [
    "check_funding",
    "check_leverage",
    "check_position_mode",
    "check_position_round_trip",
    "check_positions",
]


def _check_position(position: Position, pair: TradingPair | None) -> None:
    assert isinstance(position, Position), f"positions must be Position, got {position!r}"
    assert pair is None or position.pair == pair, f"asked for {pair}, got a position on {position.pair}"
    assert isinstance(position.side, PositionSide) and isinstance(position.margin_mode, MarginMode), position
    for name in ("amount", "entry_price", "mark_price", "unrealized_pnl", "leverage", "margin"):
        assert isinstance(getattr(position, name), Decimal), f"Position.{name} must be a Decimal: {position}"
    assert position.amount > 0, f"an open position has a positive base amount: {position}"
    assert position.leverage > 0 and position.margin >= 0 and position.entry_price > 0, position


async def check_positions(conn: Connection, pair: TradingPair) -> list[Position]:
    """Every open position is well formed (base amounts, Decimal money), and asking by pair filters."""
    for position in await conn.positions():
        _check_position(position, None)
    mine = await conn.positions(pair)
    for position in mine:
        _check_position(position, pair)
    return mine


async def check_position_mode(conn: Connection) -> PositionMode:
    """The mode reads as a PositionMode, and setting the mode in force keeps it (safe with positions open)."""
    mode = await conn.position_mode()
    assert isinstance(mode, PositionMode), f"position_mode must return a PositionMode, got {mode!r}"
    assert await conn.set_position_mode(mode) is mode, "setting the current mode must return it"
    assert await conn.position_mode() is mode
    return mode


async def check_leverage(conn: Connection, pair: TradingPair, rule: TradingRule) -> LeverageSetting:
    """A leverage in the pair's range is applied as asked; one above the range is refused naming the rule."""
    assert rule.max_leverage is not None, f"{pair}: a contract rule must give max_leverage"
    low = rule.min_leverage or Decimal(1)
    asked = min(rule.max_leverage, max(low, Decimal(5)))
    current = [p.margin_mode for p in await conn.positions(pair)]
    margin_mode = current[0] if current else MarginMode.CROSS
    setting = await conn.set_leverage(pair, asked, margin_mode)
    assert isinstance(setting, LeverageSetting) and setting.pair == pair, setting
    assert (setting.leverage, setting.margin_mode) == (asked, margin_mode), f"asked {asked}x {margin_mode}: {setting}"
    try:
        await conn.set_leverage(pair, rule.max_leverage + 1, margin_mode)
    except InvalidOrder as exc:
        assert exc.rule == "max_leverage", f"leverage above the maximum must name max_leverage, not {exc.rule!r}"
    else:
        raise AssertionError(f"leverage {rule.max_leverage + 1} above {pair}'s maximum {rule.max_leverage} was accepted")
    return setting


async def check_funding(conn: Connection, pair: TradingPair) -> FundingInfo:
    """Funding info is the pair's, with a future settlement time, a positive interval and prices; payments are
    well formed and oldest first."""
    info = await conn.funding_info(pair)
    assert isinstance(info, FundingInfo) and info.pair == pair, info
    assert isinstance(info.rate, Decimal) and info.interval_s > 0 and info.next_funding_ms > 0, info
    assert info.mark_price > 0 and info.index_price > 0, info
    payments = await conn.funding_payments(pair)
    assert all(isinstance(p, FundingPayment) and p.pair == pair and isinstance(p.amount, Decimal) and p.asset
               for p in payments), payments
    times = [p.timestamp_ms for p in payments]
    assert times == sorted(times), "funding payments must be oldest first"
    return info


async def _net(conn: Connection, pair: TradingPair, hedge: bool) -> Decimal:
    """The long amount in hedge mode, the signed net amount in one-way mode."""
    positions = await conn.positions(pair)
    if hedge:
        return sum((p.amount for p in positions if p.side is PositionSide.LONG), Decimal(0))
    return sum((p.signed_amount for p in positions), Decimal(0))


async def _filled(conn: Connection, request: OrderRequest, timeout: float) -> Decimal:
    order = await conn.place_order(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while order.state is not OrderState.FILLED and loop.time() < deadline:
        await asyncio.sleep(0.1)
        order = await conn.query_order(request.pair, order.client_order_id)
    assert order.state is OrderState.FILLED, f"a marketable order did not fill in {timeout} s: {order}"
    return order.filled_amount


async def _settled(conn: Connection, pair: TradingPair, hedge: bool, want: Decimal, timeout: float) -> Decimal:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (now := await _net(conn, pair, hedge)) != want and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return now


async def check_position_round_trip(conn: Connection, pair: TradingPair, rule: TradingRule, ask: Decimal,
                                    bid: Decimal, timeout: float = 10.0) -> list[Fill]:
    """A marketable buy opens (or grows) the position by exactly the amount filled, in base units; a reduce-only
    sell of that amount closes it again, and the closing fills report realized PnL. Returns the closing fills."""
    hedge = "position_mode" in conn.info.capabilities and await conn.position_mode() is PositionMode.HEDGE
    size = max(rule.min_size, rule.size_increment)
    before = await _net(conn, pair, hedge)
    market = OrderType.MARKET in conn.info.order_types

    def request(side: Side, price: Decimal, action: PositionAction) -> OrderRequest:
        kind, limit = (OrderType.MARKET, None) if market else (OrderType.LIMIT, price)
        return OrderRequest(pair, side, kind, size, limit, position_action=action if hedge else None,
                            reduce_only=action is PositionAction.CLOSE and not hedge,
                            time_in_force=None if market else TimeInForce.IOC)

    tick = rule.price_increment
    up = (ask * Decimal("1.02") / tick).to_integral_value(ROUND_CEILING) * tick
    down = (bid * Decimal("0.98") / tick).to_integral_value() * tick
    opened = await _filled(conn, request(Side.BUY, up, PositionAction.OPEN), timeout)
    assert opened == size, f"the opening order filled {opened}, expected {size}"
    grown = await _settled(conn, pair, hedge, before + size, timeout)
    assert grown == before + size, f"position went from {before} to {grown} after buying {size} {pair.base}"
    closing = await conn.place_order(request(Side.SELL, down, PositionAction.CLOSE))
    back = await _settled(conn, pair, hedge, before, timeout)
    assert back == before, f"position is {back} after closing {size}, expected {before}"
    fills = [f for f in await conn.fills(pair) if f.client_order_id == closing.client_order_id]
    assert fills and all(f.realized_pnl is not None for f in fills), f"closing fills must report realized PnL: {fills}"
    return fills


class PerpetualSuite:
    """The perpetual checks as pytest tests; `ConformanceSuite` inherits them. Each skips visibly unless the
    connector declares the capability it needs."""

    pair: str = "BTC-USDT"
    trading: bool = True
    #: seconds the round trip waits for an order to fill and for positions to follow
    settle_timeout: float = 10.0

    async def _rule(self, connection: Connection, capability: str) -> tuple[TradingPair, TradingRule]:
        from host_spec.testing import _skip, check_trading_rules

        if capability not in connection.info.capabilities:
            _skip(f"{connection.id} does not declare {capability}")
        pair = TradingPair.parse(self.pair)
        return pair, await check_trading_rules(connection, pair)

    async def test_positions(self, connection: Connection) -> None:
        pair, _ = await self._rule(connection, "positions")
        await check_positions(connection, pair)

    async def test_position_mode(self, connection: Connection) -> None:
        await self._rule(connection, "position_mode")
        await check_position_mode(connection)

    async def test_leverage(self, connection: Connection) -> None:
        await check_leverage(connection, *await self._rule(connection, "leverage"))

    async def test_funding(self, connection: Connection) -> None:
        pair, _ = await self._rule(connection, "funding")
        await check_funding(connection, pair)

    async def test_position_round_trip(self, connection: Connection) -> None:
        from host_spec.testing import _skip, check_order_book

        pair, rule = await self._rule(connection, "positions")
        if not self.trading or "trading" not in connection.info.capabilities:
            _skip(f"{connection.id}: trading is off or not declared, so positions cannot be opened")
        view = await check_order_book(connection, pair)
        assert view.best_ask and view.best_bid, "need both sides of the book to open and close a position"
        await check_position_round_trip(connection, pair, rule, view.best_ask[0], view.best_bid[0],
                                        timeout=self.settle_timeout)

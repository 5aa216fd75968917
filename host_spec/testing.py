"""Conformance kit: checks any exchange plugin can run against its own connector.

Use it from pytest by subclassing `ConformanceSuite` and providing two async fixtures, `host`
(a `Host`) and `connection` (an open `Connection`), plus the class attributes below. Every check is
also a plain coroutine function, usable outside pytest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, NoReturn

from host_spec.errors import CapabilityMissing, InvalidOrder, InvalidPair, OrderNotFound
from host_spec.host import Connection, Host
from host_spec.models import (
    PERPETUAL_CAPABILITIES,
    Balance,
    Candle,
    ConnectorInfo,
    Instrument,
    OrderBookView,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    OrderState,
    OrderType,
    PublicTrade,
    Side,
    TradingPair,
    TradingRule,
)
from host_spec.testing_perp import (
    PerpetualSuite,
    check_funding,
    check_leverage,
    check_position_mode,
    check_position_round_trip,
    check_positions,
)

__all__ = [
    "ConformanceSuite",
    "check_funding",
    "check_leverage",
    "check_position_mode",
    "check_position_round_trip",
    "check_positions",
    "check_balances",
    "check_candles",
    "check_errors_are_host_types",
    "check_info",
    "check_order_book",
    "check_place_and_cancel",
    "check_trades",
    "check_trading_rules",
    "check_user_stream",
]

# Capability names a ConnectorInfo may declare, and the Connection call that proves each.
CAPABILITY_CALLS = {
    "trading_rules": "trading_rules",
    "order_book_stream": "order_book",
    "trades_stream": "trades",
    "trading": "balances",
    "user_stream": "user_stream",
    "candles_feed": "candles",
}


def check_info(info: ConnectorInfo) -> None:
    """The connector's declared info is well formed."""
    assert info.id and info.id == info.id.strip().lower(), f"connector id {info.id!r} must be lower-case, non-empty"
    assert info.exchange_type in ("CEX", "DEX"), f"{info.id}: exchange_type {info.exchange_type!r}"
    assert info.market_type in ("CLOB", "AMM"), f"{info.id}: market_type {info.market_type!r}"
    assert isinstance(info.instrument, Instrument), f"{info.id}: instrument must be an Instrument, not {info.instrument!r}"
    perp_only = info.capabilities & PERPETUAL_CAPABILITIES
    assert info.instrument is Instrument.PERPETUAL or not perp_only, \
        f"{info.id}: a spot connector declares perpetual capabilities {sorted(perp_only)}"
    assert info.connection_type, f"{info.id}: connection_type missing"
    assert info.order_types and all(isinstance(t, OrderType) for t in info.order_types), f"{info.id}: order types"
    names = [c.name for c in info.credentials]
    assert len(names) == len(set(names)), f"{info.id}: duplicate credential fields {names}"
    assert all(isinstance(c.built, bool) for c in info.components), f"{info.id}: component status must be bool"


async def _first(stream: AsyncIterator[Any], timeout: float) -> Any:
    try:
        async with asyncio.timeout(timeout):
            return await stream.__anext__()
    finally:
        closer = getattr(stream, "aclose", None)
        if closer is not None:
            await closer()


async def check_trading_rules(conn: Connection, pair: TradingPair) -> TradingRule:
    rules = await conn.trading_rules()
    assert isinstance(rules, Mapping) and rules, "trading_rules must return a non-empty mapping"
    for key, rule in rules.items():
        assert isinstance(key, TradingPair) and isinstance(rule, TradingRule), f"bad rule entry {key!r}"
        assert rule.price_increment > 0 and rule.size_increment > 0 and rule.min_size >= 0, f"bad increments for {key}"
    assert pair in rules, f"{pair} missing from the trading rules"
    return rules[pair]


async def check_order_book(conn: Connection, pair: TradingPair, timeout: float = 10.0) -> OrderBookView:
    view = await _first(conn.order_book(pair, 10), timeout)
    assert isinstance(view, OrderBookView) and view.pair == pair
    for side, descending in ((view.bids, True), (view.asks, False)):
        prices = [p for p, _ in side]
        assert prices == sorted(prices, reverse=descending), "levels must be best first"
        assert all(isinstance(p, Decimal) and isinstance(a, Decimal) and a > 0 for p, a in side), "Decimal levels"
    if view.bids and view.asks:
        assert view.bids[0][0] < view.asks[0][0], "book is crossed"
    return view


async def check_trades(conn: Connection, pair: TradingPair, timeout: float = 10.0) -> PublicTrade:
    trade = await _first(conn.trades(pair), timeout)
    assert isinstance(trade, PublicTrade) and trade.pair == pair and trade.amount > 0
    return trade


async def check_balances(conn: Connection) -> Mapping[str, Balance]:
    balances = await conn.balances()
    assert isinstance(balances, Mapping)
    assert all(isinstance(b, Balance) and b.available >= 0 and b.frozen >= 0 for b in balances.values())
    return balances


async def check_errors_are_host_types(conn: Connection, pair: TradingPair, rule: TradingRule) -> None:
    """Bad input raises the host's error types, before or from the venue."""
    bogus = TradingPair("NOPE", "NOPE")
    try:
        await conn.place_order(OrderRequest(bogus, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1)))
    except InvalidPair:
        pass
    else:
        raise AssertionError("an order on an unknown pair must raise InvalidPair")
    off_tick = rule.price_increment * 1000 + rule.price_increment / 2
    size = max(rule.min_size, rule.size_increment) * 1000
    try:
        await conn.place_order(OrderRequest(pair, Side.BUY, OrderType.LIMIT, size, off_tick))
    except InvalidOrder as exc:
        assert exc.rule, "InvalidOrder must name the rule"
    else:
        raise AssertionError("a price off the tick must raise InvalidOrder")
    try:
        await conn.query_order(pair, "doesnotexist0000000000000000")
    except OrderNotFound:
        pass
    else:
        raise AssertionError("querying an order the venue never saw must raise OrderNotFound")


async def check_place_and_cancel(conn: Connection, pair: TradingPair, rule: TradingRule, price: Decimal) -> None:
    """A resting LIMIT_MAKER far from the touch opens, is listed, and cancels."""
    order = await conn.place_order(_resting_request(pair, rule, price))
    assert order.client_order_id and order.state in (OrderState.OPEN, OrderState.PENDING_CREATE), order
    listed = await conn.open_orders(pair)
    assert any(o.client_order_id == order.client_order_id for o in listed), "placed order not in open orders"
    cancelled = await conn.cancel_order(pair, order.client_order_id)
    assert cancelled.client_order_id == order.client_order_id
    final = await conn.query_order(pair, order.client_order_id)
    assert final.state is OrderState.CANCELED, final


def _resting_request(pair: TradingPair, rule: TradingRule, price: Decimal) -> OrderRequest:
    size = max(rule.min_size, rule.size_increment)
    while size * price < max(rule.min_notional_buy, Decimal(0)) * Decimal("1.01"):
        size += rule.size_increment
    return OrderRequest(pair, Side.BUY, OrderType.LIMIT_MAKER, size, price)


async def check_user_stream(
    conn: Connection, pair: TradingPair, rule: TradingRule, price: Decimal, timeout: float = 10.0
) -> list[OrderEvent]:
    """The user stream reports a resting order's creation and its cancellation, in that order."""
    events: list[OrderEvent] = []
    changed = asyncio.Event()

    async def collect() -> None:
        async for event in conn.user_stream():
            if isinstance(event, OrderEvent):
                events.append(event)
                changed.set()

    async def seen(cid: str, kind: OrderEventKind) -> None:
        while not any(e.order.client_order_id == cid and e.kind is kind for e in events):
            changed.clear()
            await changed.wait()

    task = asyncio.create_task(collect())
    try:
        await asyncio.sleep(0.5)  # let the stream log in before the order exists
        order = await conn.place_order(_resting_request(pair, rule, price))
        async with asyncio.timeout(timeout):
            await seen(order.client_order_id, OrderEventKind.CREATED)
        await conn.cancel_order(pair, order.client_order_id)
        async with asyncio.timeout(timeout):
            await seen(order.client_order_id, OrderEventKind.CANCELED)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    ours = [e for e in events if e.order.client_order_id == order.client_order_id]
    kinds = [e.kind for e in ours]
    assert kinds[0] is OrderEventKind.CREATED and kinds[-1] is OrderEventKind.CANCELED, kinds
    return ours


async def check_candles(conn: Connection, pair: TradingPair, interval: str = "1m", span_s: int = 3600) -> list[Candle]:
    """A backfill of the last `span_s` seconds yields closed candles of `pair`, oldest first, no duplicates."""
    import time

    until = int(time.time())
    candles = [c async for c in conn.candles(pair, interval, since_s=until - span_s, until_s=until)]
    assert candles, f"no {interval} candles for {pair} in the last {span_s} s"
    starts = [c.open_time_s for c in candles]
    assert starts == sorted(set(starts)), "candles must be oldest first, without duplicates"
    for c in candles:
        assert isinstance(c, Candle) and c.pair == pair and c.interval == interval, c
        assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high and c.volume >= 0, c
    return candles


def _skip(reason: str) -> NoReturn:
    """Skip the current pytest check, visibly (imported here so the kit's plain checks need no pytest)."""
    import pytest

    pytest.skip(reason)


class ConformanceSuite(PerpetualSuite):
    """Subclass in a test module; provide `host` and `connection` fixtures and set the attributes.

    Checks that need a capability the connector does not declare (or that `trading = False` turns
    off) are skipped with the reason, never passed silently; the perpetual checks (`PerpetualSuite`)
    run only on a connector that declares positions, position mode, leverage or funding.
    """

    connector_id: ClassVar[str] = ""
    pair: ClassVar[str] = "BTC-USDT"
    trading: ClassVar[bool] = True

    def _require_trading(self, connection: Connection) -> None:
        if not self.trading:
            _skip(f"{connection.id}: trading checks turned off by the suite (trading = False)")
        if "trading" not in connection.info.capabilities:
            _skip(f"{connection.id} does not declare trading")

    def test_info(self, host: Host) -> None:
        check_info(host.connector(self.connector_id))

    async def test_declared_capabilities_answer(self, host: Host, connection: Connection) -> None:
        info = host.connector(self.connector_id)
        for capability, method in CAPABILITY_CALLS.items():
            if capability not in info.capabilities:
                continue
            try:
                if method in ("order_book", "trades", "candles", "user_stream"):
                    continue  # streams have their own checks below (test_order_book, test_user_stream, ...)
                await getattr(connection, method)()
            except CapabilityMissing as exc:  # pragma: no cover - the failure message is the point
                raise AssertionError(f"{info.id} declares {capability} but: {exc}") from exc

    async def test_trading_rules(self, connection: Connection) -> None:
        await check_trading_rules(connection, TradingPair.parse(self.pair))

    async def test_order_book(self, connection: Connection) -> None:
        await check_order_book(connection, TradingPair.parse(self.pair))

    async def test_balances(self, connection: Connection) -> None:
        self._require_trading(connection)
        await check_balances(connection)

    async def test_errors(self, connection: Connection) -> None:
        self._require_trading(connection)
        pair = TradingPair.parse(self.pair)
        await check_errors_are_host_types(connection, pair, await check_trading_rules(connection, pair))

    async def test_place_and_cancel(self, connection: Connection) -> None:
        self._require_trading(connection)
        pair = TradingPair.parse(self.pair)
        await check_place_and_cancel(connection, pair, *await self._far_price(connection, pair))

    async def _far_price(self, connection: Connection, pair: TradingPair) -> tuple[TradingRule, Decimal]:
        rule = await check_trading_rules(connection, pair)
        view = await check_order_book(connection, pair)
        assert view.bids, "need a bid to price a resting order"
        return rule, (view.bids[0][0] * Decimal("0.8")).quantize(rule.price_increment)

    async def test_user_stream(self, connection: Connection) -> None:
        self._require_trading(connection)
        if "user_stream" not in connection.info.capabilities:
            _skip(f"{connection.id} does not declare user_stream")
        pair = TradingPair.parse(self.pair)
        await check_user_stream(connection, pair, *await self._far_price(connection, pair))

    async def test_candles(self, connection: Connection) -> None:
        if "candles_feed" not in connection.info.capabilities:
            _skip(f"{connection.id} does not declare candles_feed")
        await check_candles(connection, TradingPair.parse(self.pair))

    async def test_trades(self, host: Host, connection: Connection) -> None:
        if "trades_stream" not in connection.info.capabilities:
            _skip(f"{connection.id} does not declare trades_stream")
        await check_trades(connection, TradingPair.parse(self.pair))

"""A minimal in-memory exchange plugin ("fakex"), discovered through a real entry point in the tests.

It implements every capability hook with plain `def`s, exactly as a third-party plugin would,
using only host_spec's public API. It serves two connectors: `fakex` (spot) and `fakex_perp`
(perpetual; its session lives in `fake_perp_exchange.py`, imported when one opens).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from host_spec import (
    Balance,
    BalanceEvent,
    Candle,
    ComponentStatus,
    ConnectorInfo,
    CredentialField,
    FeeRates,
    Fill,
    Instrument,
    InvalidOrder,
    InvalidPair,
    MarginMode,
    Order,
    OrderBookView,
    OrderEvent,
    OrderEventKind,
    OrderNotFound,
    OrderRequest,
    OrderState,
    OrderType,
    PositionMode,
    PublicTrade,
    SessionConfig,
    Side,
    TradingPair,
    TradingRule,
    hookimpl,
)

ID = "fakex"
PAIR = TradingPair("BTC", "USDT")
RULE = TradingRule(PAIR, Decimal("0.5"), Decimal("0.001"), Decimal("0.001"), min_notional_buy=Decimal(1))
PERP_ID = "fakex_perp"
PERP_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)
PERP_RULE = TradingRule(PAIR, Decimal("0.5"), Decimal("0.001"), Decimal("0.001"), max_size=Decimal(100),
                        contract_size=Decimal("0.001"), min_leverage=Decimal(1), max_leverage=Decimal(50),
                        max_market_size=Decimal(10))


class FakeSession:
    connector_id = ID

    def __init__(self, config: SessionConfig) -> None:
        self.orders: dict[str, Order] = {}
        self.ids = itertools.count(1)
        self.closed = False
        self.token = config.credentials.get("token")
        self.listeners: list[asyncio.Queue[OrderEvent]] = []

    def _tell(self, kind: OrderEventKind, order: Order) -> None:
        for queue in self.listeners:
            queue.put_nowait(OrderEvent(kind, order))

    async def close(self) -> None:
        self.closed = True

    async def check(self) -> None:
        from host_spec import AuthError

        if self.token is None or self.token.get_secret_value() != "letmein":
            raise AuthError("fakex refused the token")

    async def rules(self) -> Mapping[TradingPair, TradingRule]:
        return {PAIR: RULE}

    async def book(self, depth: int) -> AsyncIterator[OrderBookView]:
        for seq in itertools.count(1):
            bids = tuple((Decimal(100) - Decimal("0.5") * i, Decimal(1)) for i in range(depth))
            asks = tuple((Decimal(101) + Decimal("0.5") * i, Decimal(1)) for i in range(depth))
            yield OrderBookView(PAIR, seq, seq, bids, asks)
            await asyncio.sleep(0)

    async def trades(self) -> AsyncIterator[PublicTrade]:
        for seq in itertools.count(1):
            yield PublicTrade(PAIR, Decimal(101), Decimal("0.1"), Side.BUY, seq)
            await asyncio.sleep(0)

    async def place(self, request: OrderRequest) -> Order:
        if request.pair != PAIR:
            raise InvalidPair(f"fakex does not list {request.pair}")
        if request.price is not None and request.price % RULE.price_increment:
            raise InvalidOrder("price off the tick", rule="price_increment", allowed=RULE.price_increment)
        cid = request.client_order_id or f"fx{next(self.ids)}"
        order = Order(cid, cid, PAIR, request.side, request.order_type, request.price, request.amount, OrderState.OPEN)
        self.orders[cid] = order
        self._tell(OrderEventKind.CREATED, order)
        return order

    async def cancel(self, cid: str) -> Order:
        order = await self.query(cid)
        done = Order(cid, cid, PAIR, order.side, order.order_type, order.price, order.amount, OrderState.CANCELED)
        self.orders[cid] = done
        self._tell(OrderEventKind.CANCELED, done)
        return done

    async def cancel_all(self) -> list[Order]:
        return [await self.cancel(cid) for cid, o in list(self.orders.items()) if not o.state.is_done]

    async def query(self, cid: str) -> Order:
        if cid not in self.orders:
            raise OrderNotFound(f"fakex has no order {cid}")
        return self.orders[cid]

    async def open(self) -> list[Order]:
        return [o for o in self.orders.values() if not o.state.is_done]

    async def balances(self) -> Mapping[str, Balance]:
        return {"USDT": Balance("USDT", Decimal(1000)), "BTC": Balance("BTC", Decimal(1))}

    async def fills(self) -> list[Fill]:
        return [Fill("t1", "c1", "e1", PAIR, Side.BUY, Decimal(100), Decimal(1), Decimal("0.1"), "USDT", True, 1)]

    async def fees(self) -> FeeRates:
        return FeeRates(Decimal("0.001"), Decimal("0.002"))

    async def user(self) -> AsyncIterator[OrderEvent | BalanceEvent]:
        """The balance first, then each order event as it happens."""
        queue: asyncio.Queue[OrderEvent] = asyncio.Queue()
        self.listeners.append(queue)
        try:
            yield BalanceEvent("USDT", Decimal(1000), Decimal(0))
            while True:
                yield await queue.get()
        finally:
            self.listeners.remove(queue)

    async def candles(self, interval: str) -> AsyncIterator[Candle]:
        yield Candle(PAIR, interval, 60, Decimal(1), Decimal(2), Decimal(1), Decimal(2), Decimal(3), closed=True)


def _mine(connector_id: str) -> bool:
    return connector_id in (ID, PERP_ID)


def _perp(connector_id: str) -> bool:
    return connector_id == PERP_ID


CAPABILITIES = frozenset({"auth", "trading_rules", "order_book_stream", "trades_stream", "trading", "user_stream",
                          "candles_feed"})
SPOT_INFO = ConnectorInfo(
    id=ID, plugin="fakex", display_name="Fake exchange", exchange_type="CEX", market_type="CLOB",
    connection_type="in-memory", order_types=(OrderType.LIMIT, OrderType.LIMIT_MAKER),
    components=(ComponentStatus("spot connector", True),),
    credentials=(CredentialField("token", "Enter your fakex token >>> ", env_var="FAKEX_TOKEN"),),
    capabilities=CAPABILITIES,
)


@hookimpl
def register_connectors(register: Callable[[ConnectorInfo], None]) -> None:
    register(SPOT_INFO)
    register(replace(SPOT_INFO, id=PERP_ID, display_name="Fake exchange perpetuals", order_types=PERP_TYPES,
                     components=(ComponentStatus("perp connector", True),), instrument=Instrument.PERPETUAL,
                     capabilities=CAPABILITIES | {"positions", "position_mode", "leverage", "funding"}))


@hookimpl
def order_types(connector_id: str) -> tuple[OrderType, ...] | None:
    if not _mine(connector_id):
        return None
    return PERP_TYPES if _perp(connector_id) else (OrderType.LIMIT, OrderType.LIMIT_MAKER)


@hookimpl
def create_session(connector_id: str, config: SessionConfig) -> FakeSession | None:
    if _perp(connector_id):
        from fake_perp_exchange import FakePerpSession

        return FakePerpSession(config)
    return FakeSession(config) if _mine(connector_id) else None


@hookimpl
def check_credentials(connector_id: str, session: FakeSession) -> Any:
    return session.check() if _mine(connector_id) else None


@hookimpl
def trading_rules(connector_id: str, session: FakeSession) -> Any:
    return session.rules() if _mine(connector_id) else None


@hookimpl
def order_book_stream(connector_id: str, session: FakeSession, pair: TradingPair, depth: int) -> Any:
    return session.book(depth) if _mine(connector_id) else None


@hookimpl
def trades_stream(connector_id: str, session: FakeSession, pair: TradingPair) -> Any:
    return session.trades() if _mine(connector_id) else None


@hookimpl
def place_order(connector_id: str, session: FakeSession, request: OrderRequest) -> Any:
    return session.place(request) if _mine(connector_id) else None


@hookimpl
def cancel_order(connector_id: str, session: FakeSession, pair: TradingPair, client_order_id: str) -> Any:
    return session.cancel(client_order_id) if _mine(connector_id) else None


@hookimpl
def cancel_all_orders(connector_id: str, session: FakeSession, pair: TradingPair | None) -> Any:
    return session.cancel_all() if _mine(connector_id) else None


@hookimpl
def query_order(connector_id: str, session: FakeSession, pair: TradingPair, client_order_id: str) -> Any:
    return session.query(client_order_id) if _mine(connector_id) else None


@hookimpl
def open_orders(connector_id: str, session: FakeSession, pair: TradingPair | None) -> Any:
    return session.open() if _mine(connector_id) else None


@hookimpl
def balances(connector_id: str, session: FakeSession) -> Any:
    return session.balances() if _mine(connector_id) else None


@hookimpl
def fills(connector_id: str, session: FakeSession, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.fills() if _mine(connector_id) else None


@hookimpl
def fee_rates(connector_id: str, session: FakeSession, pair: TradingPair) -> Any:
    return session.fees() if _mine(connector_id) else None


@hookimpl
def user_stream(connector_id: str, session: FakeSession) -> Any:
    return session.user() if _mine(connector_id) else None


@hookimpl
def positions(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.positions(pair) if _perp(connector_id) else None


@hookimpl
def position_mode(connector_id: str, session: Any) -> Any:
    return session.position_mode() if _perp(connector_id) else None


@hookimpl
def set_position_mode(connector_id: str, session: Any, mode: PositionMode) -> Any:
    return session.set_position_mode(mode) if _perp(connector_id) else None


@hookimpl
def set_leverage(connector_id: str, session: Any, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> Any:
    return session.set_leverage(pair, leverage, margin_mode) if _perp(connector_id) else None


@hookimpl
def funding_info(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.funding_info(pair) if _perp(connector_id) else None


@hookimpl
def funding_payments(connector_id: str, session: Any, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.funding_payments(pair, since_ms) if _perp(connector_id) else None


@hookimpl
def candles_feed(connector_id: str, session: FakeSession, pair: TradingPair, interval: str,
                 since_s: int | None, until_s: int | None, follow: bool) -> Any:
    return session.candles(interval) if _mine(connector_id) else None


@hookimpl
def variant_connectors(base: ConnectorInfo) -> list[ConnectorInfo] | None:
    return None


@hookimpl
def start_sandbox(connector_id: str, options: Mapping[str, Any]) -> Any:
    return None


@hookimpl
def register_commands(subparsers: Any) -> None:
    p = subparsers.add_parser("fakex-hello", help="say hello from the fake plugin")
    p.set_defaults(func=lambda host, args: print("hello from fakex") or 0)

"""Every hook a connector plugin can implement.

Capability hooks are `firstresult`, keyed by `connector_id`, and return `None` for connectors the
plugin does not serve. Hookimpls are plain `def`s that return a value, an awaitable or an async
iterator (never `async def`), and take no default arguments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import pluggy

from host_spec.models import (
    Balance,
    Candle,
    ConnectorInfo,
    FeeRates,
    Fill,
    FundingInfo,
    FundingPayment,
    LeverageSetting,
    MarginMode,
    Order,
    OrderBookView,
    OrderRequest,
    OrderType,
    Position,
    PositionMode,
    PublicTrade,
    TradingPair,
    TradingRule,
    UserEvent,
)
from host_spec.session import ConnectorSession, LocalVenue, SessionConfig

PROJECT = "host_spec"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_connectors(register: Callable[[ConnectorInfo], None]) -> None:
    """Call `register(info)` once for every connector this plugin serves."""


@hookspec
def variant_connectors(base: ConnectorInfo) -> list[ConnectorInfo] | None:
    """Return connectors derived from `base` (such as its paper-trade variant), or None."""


@hookspec(firstresult=True)
def create_session(connector_id: str, config: SessionConfig) -> ConnectorSession | None:
    """Return a new session for `connector_id` built from `config`, or None if not served here."""


@hookspec(firstresult=True)
def check_credentials(connector_id: str, session: ConnectorSession) -> Awaitable[None] | None:
    """Auth: return an awaitable that raises AuthError if the session's credentials are refused."""


@hookspec(firstresult=True)
def order_types(connector_id: str) -> tuple[OrderType, ...] | None:
    """Return the order types the connector accepts, or None if not served here."""


@hookspec(firstresult=True)
def trading_rules(connector_id: str, session: ConnectorSession) -> Awaitable[Mapping[TradingPair, TradingRule]] | None:
    """Return an awaitable of the venue's trading rules per pair, or None."""


@hookspec(firstresult=True)
def order_book_stream(
    connector_id: str, session: ConnectorSession, pair: TradingPair, depth: int
) -> AsyncIterator[OrderBookView] | None:
    """Return an async iterator of book views (top `depth` levels) after every applied update, or None."""


@hookspec(firstresult=True)
def trades_stream(connector_id: str, session: ConnectorSession, pair: TradingPair) -> AsyncIterator[PublicTrade] | None:
    """Return an async iterator of the pair's public trades, or None."""


@hookspec(firstresult=True)
def place_order(connector_id: str, session: ConnectorSession, request: OrderRequest) -> Awaitable[Order] | None:
    """Trading: return an awaitable of the accepted order (validated against the rules first), or None.

    The awaitable raises OrderStateUnknown when the order may exist but the venue could not be asked
    (it must then never be resent); any other ConnectorError means the order was not placed.
    """


@hookspec(firstresult=True)
def cancel_order(
    connector_id: str, session: ConnectorSession, pair: TradingPair, client_order_id: str
) -> Awaitable[Order] | None:
    """Trading: return an awaitable of the order after the cancel request, or None."""


@hookspec(firstresult=True)
def cancel_all_orders(
    connector_id: str, session: ConnectorSession, pair: TradingPair | None
) -> Awaitable[list[Order]] | None:
    """Trading: return an awaitable of the orders a cancel-all touched (all pairs when `pair` is None), or None."""


@hookspec(firstresult=True)
def query_order(
    connector_id: str, session: ConnectorSession, pair: TradingPair, client_order_id: str
) -> Awaitable[Order] | None:
    """Trading: return an awaitable of the order's current state by client order id, or None."""


@hookspec(firstresult=True)
def open_orders(connector_id: str, session: ConnectorSession, pair: TradingPair | None) -> Awaitable[list[Order]] | None:
    """Trading: return an awaitable of our open orders (all pairs when `pair` is None), or None."""


@hookspec(firstresult=True)
def balances(connector_id: str, session: ConnectorSession) -> Awaitable[Mapping[str, Balance]] | None:
    """Trading: return an awaitable of balances per asset, or None."""


@hookspec(firstresult=True)
def fills(
    connector_id: str, session: ConnectorSession, pair: TradingPair | None, since_ms: int | None
) -> Awaitable[list[Fill]] | None:
    """Trading: return an awaitable of our fills, oldest first, or None."""


@hookspec(firstresult=True)
def fee_rates(connector_id: str, session: ConnectorSession, pair: TradingPair) -> Awaitable[FeeRates] | None:
    """Trading: return an awaitable of our maker and taker fee rates for the pair, or None."""


@hookspec(firstresult=True)
def user_stream(connector_id: str, session: ConnectorSession) -> AsyncIterator[UserEvent] | None:
    """Return an async iterator of our order and balance events (and position and funding events on a perpetual
    connector), or None."""


@hookspec(firstresult=True)
def positions(connector_id: str, session: ConnectorSession, pair: TradingPair | None) -> Awaitable[list[Position]] | None:
    """Perpetual: return an awaitable of our open positions (on `pair`, or all for None), amounts in base units, or None."""


@hookspec(firstresult=True)
def position_mode(connector_id: str, session: ConnectorSession) -> Awaitable[PositionMode] | None:
    """Perpetual: return an awaitable of the account's position mode (one-way or hedge), or None."""


@hookspec(firstresult=True)
def set_position_mode(connector_id: str, session: ConnectorSession, mode: PositionMode) -> Awaitable[PositionMode] | None:
    """Perpetual: return an awaitable that switches the account to `mode` and gives the mode now in force, or None.

    The awaitable raises OrderRejected when the venue refuses the switch (typically: positions or orders are open).
    """


@hookspec(firstresult=True)
def set_leverage(
    connector_id: str, session: ConnectorSession, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode
) -> Awaitable[LeverageSetting] | None:
    """Perpetual: return an awaitable that sets `pair`'s leverage and margin mode and gives the setting applied, or None.

    The awaitable raises InvalidOrder(rule="min_leverage"/"max_leverage") for a leverage outside the pair's range.
    """


@hookspec(firstresult=True)
def funding_info(connector_id: str, session: ConnectorSession, pair: TradingPair) -> Awaitable[FundingInfo] | None:
    """Perpetual: return an awaitable of `pair`'s funding rate, next funding time, interval, mark and index price, or None."""


@hookspec(firstresult=True)
def funding_payments(
    connector_id: str, session: ConnectorSession, pair: TradingPair | None, since_ms: int | None
) -> Awaitable[list[FundingPayment]] | None:
    """Perpetual: return an awaitable of our funding payments (on `pair`, since `since_ms`), oldest first, or None."""


@hookspec(firstresult=True)
def candles_feed(
    connector_id: str,
    session: ConnectorSession,
    pair: TradingPair,
    interval: str,
    since_s: int | None,
    until_s: int | None,
    follow: bool,
) -> AsyncIterator[Candle] | None:
    """Return an async iterator of candles from `since_s` (backfill), then live ones if `follow`, or None."""


@hookspec(firstresult=True)
def start_sandbox(connector_id: str, options: Mapping[str, Any]) -> Awaitable[LocalVenue] | None:
    """Return an awaitable of a started local venue that imitates the connector's exchange, or None."""


@hookspec
def register_commands(subparsers: Any) -> None:
    """Add plugin-specific `host-spec` sub-commands to the argparse `subparsers`."""

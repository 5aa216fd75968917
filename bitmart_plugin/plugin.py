"""The BitMart plugin's hookimpls for `bitmart` (spot) and `bitmart_perpetual` (USDT-M perpetuals): a table of
contents, each a few lines delegating to the session.

Importing this module must stay cheap (no ccxt, websockets, aiohttp or pydantic): hosts import it
just to list connectors. Heavy modules are imported where a session or sandbox is created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import (
    ComponentStatus,
    ConnectorInfo,
    ConnectorSession,
    CredentialField,
    Instrument,
    MarginMode,
    OrderRequest,
    OrderType,
    PositionMode,
    SessionConfig,
    TradingPair,
    hookimpl,
)

CONNECTOR_ID = "bitmart"
PAPER_ID = "bitmart_paper_trade"
PERP_ID = "bitmart_perpetual"
PERP_PAPER_ID = "bitmart_perpetual_paper_trade"  # host_spec's paper plugin builds it (positions, margin, funding)
ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)
PERP_ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET, OrderType.IOC)
CREDENTIALS = (
    CredentialField("api_key", "Enter your bitmart API key >>> ", env_var="BITMART_API_KEY"),
    CredentialField("secret_key", "Enter your bitmart secret key >>> ", env_var="BITMART_SECRET_KEY"),
    CredentialField("memo", "Enter your bitmart memo >>> ", env_var="BITMART_MEMO"),
)
# The exchange page's components table; a status is True only for what exists in this tree.
COMPONENTS = (
    ComponentStatus("spot connector", True),
    ComponentStatus("perp connector", True),
    ComponentStatus("spot candles feed", True),
    ComponentStatus("perp candles feed", True),
)
# Session options the spot connector reads (Host.open's `options`, `-o KEY=VALUE` on the CLI).
SESSION_OPTIONS = ("rest_url", "ws_public_url", "ws_private_url", "rate_limit_safety", "quantize", "conflate_books")
CAPABILITIES = frozenset(
    {"auth", "order_types", "trading_rules", "order_book_stream", "trades_stream", "trading", "user_stream", "candles_feed", "sandbox"}
)
PERP_OPTIONS = ("futures_rest_url", "futures_ws_public_url", "futures_ws_private_url", "rate_limit_safety", "quantize",
                "conflate_books")
PERP_CAPABILITIES = frozenset(
    {"auth", "order_types", "trading_rules", "order_book_stream", "trades_stream", "trading", "user_stream",
     "candles_feed", "sandbox", "positions", "position_mode", "leverage", "funding"}
)


# What both connectors declare alike: one exchange, one account and its keys, one components table.
_COMMON: dict[str, Any] = {"plugin": "bitmart", "exchange_type": "CEX", "market_type": "CLOB",
                           "connection_type": "WebSocket", "components": COMPONENTS, "credentials": CREDENTIALS}


def connector_info() -> ConnectorInfo:
    return ConnectorInfo(
        id=CONNECTOR_ID,
        display_name="BitMart (spot)",
        order_types=ORDER_TYPES,
        paper_trade=PAPER_ID,
        capabilities=CAPABILITIES,
        options=SESSION_OPTIONS,
        **_COMMON,
        description="BitMart spot through ccxt 4.5.70 (REST) and native WebSocket streams; "
        "BitMart stopped trading on 2026-08-26, so the embedded sandbox is the default venue.",
    )


def perp_connector_info() -> ConnectorInfo:
    return ConnectorInfo(
        id=PERP_ID,
        display_name="BitMart (USDT-M perpetuals)",
        order_types=PERP_ORDER_TYPES,
        paper_trade=PERP_PAPER_ID,
        capabilities=PERP_CAPABILITIES,
        options=PERP_OPTIONS,
        instrument=Instrument.PERPETUAL,
        shares_credentials_with=CONNECTOR_ID,  # one BitMart account: `host-spec connect bitmart` serves both
        **_COMMON,
        description="BitMart USDT-M perpetual futures through ccxt 4.5.70 (raw REST endpoints) and native futures "
        "WebSocket streams; amounts in base units (converted to whole contracts before sending). Same API keys as "
        "spot; the embedded sandbox serves the futures venue on the same port.",
    )


_IDS = (CONNECTOR_ID, PERP_ID)


def _ours(connector_id: str, session: ConnectorSession | None = None) -> bool:
    """A connector of this plugin (spot or perpetual) and, when given, its own session."""
    return connector_id in _IDS and (session is None or session.connector_id == connector_id)


def _perp(connector_id: str, session: ConnectorSession) -> bool:
    return connector_id == PERP_ID and session.connector_id == PERP_ID


@hookimpl
def register_connectors(register: Callable[[ConnectorInfo], None]) -> None:
    register(connector_info())
    register(perp_connector_info())


@hookimpl
def order_types(connector_id: str) -> tuple[OrderType, ...] | None:
    return {CONNECTOR_ID: ORDER_TYPES, PERP_ID: PERP_ORDER_TYPES}.get(connector_id)


@hookimpl
def create_session(connector_id: str, config: SessionConfig) -> ConnectorSession | None:
    if not _ours(connector_id):
        return None
    from bitmart_plugin.settings import FUTURES_URLS, choose_venue

    if connector_id == PERP_ID:
        from bitmart_plugin.perp.connector import BitmartPerpSession

        return BitmartPerpSession.from_config(choose_venue(config, urls=FUTURES_URLS))
    from bitmart_plugin.spot.connector import BitmartSpotSession

    return BitmartSpotSession.from_config(choose_venue(config))


@hookimpl
def check_credentials(connector_id: str, session: Any) -> Any:
    return session.check_credentials() if _ours(connector_id, session) else None


@hookimpl
def trading_rules(connector_id: str, session: Any) -> Any:
    return session.trading_rules() if _ours(connector_id, session) else None


@hookimpl
def order_book_stream(connector_id: str, session: Any, pair: TradingPair, depth: int) -> Any:
    return session.order_book(pair, depth) if _ours(connector_id, session) else None


@hookimpl
def trades_stream(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.trades(pair) if _ours(connector_id, session) else None


@hookimpl
def place_order(connector_id: str, session: Any, request: OrderRequest) -> Any:
    return session.place_order(request) if _ours(connector_id, session) else None


@hookimpl
def cancel_order(connector_id: str, session: Any, pair: TradingPair, client_order_id: str) -> Any:
    return session.cancel_order(pair, client_order_id) if _ours(connector_id, session) else None


@hookimpl
def cancel_all_orders(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.cancel_all_orders(pair) if _ours(connector_id, session) else None


@hookimpl
def query_order(connector_id: str, session: Any, pair: TradingPair, client_order_id: str) -> Any:
    return session.query_order(pair, client_order_id) if _ours(connector_id, session) else None


@hookimpl
def open_orders(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.open_orders(pair) if _ours(connector_id, session) else None


@hookimpl
def balances(connector_id: str, session: Any) -> Any:
    return session.balances() if _ours(connector_id, session) else None


@hookimpl
def fills(connector_id: str, session: Any, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.fills(pair, since_ms) if _ours(connector_id, session) else None


@hookimpl
def fee_rates(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.fee_rates(pair) if _ours(connector_id, session) else None


@hookimpl
def user_stream(connector_id: str, session: Any) -> Any:
    return session.user_stream() if _ours(connector_id, session) else None


@hookimpl
def candles_feed(connector_id: str, session: Any, pair: TradingPair, interval: str, since_s: int | None,
                 until_s: int | None, follow: bool) -> Any:
    return session.candles(pair, interval, since_s, until_s, follow) if _ours(connector_id, session) else None


@hookimpl
def positions(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.positions(pair) if _perp(connector_id, session) else None


@hookimpl
def position_mode(connector_id: str, session: Any) -> Any:
    return session.position_mode() if _perp(connector_id, session) else None


@hookimpl
def set_position_mode(connector_id: str, session: Any, mode: PositionMode) -> Any:
    return session.set_position_mode(mode) if _perp(connector_id, session) else None


@hookimpl
def set_leverage(connector_id: str, session: Any, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> Any:
    return session.set_leverage(pair, leverage, margin_mode) if _perp(connector_id, session) else None


@hookimpl
def funding_info(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.funding_info(pair) if _perp(connector_id, session) else None


@hookimpl
def funding_payments(connector_id: str, session: Any, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.funding_payments(pair, since_ms) if _perp(connector_id, session) else None


@hookimpl
def start_sandbox(connector_id: str, options: Mapping[str, Any]) -> Any:
    if connector_id not in (CONNECTOR_ID, PAPER_ID, PERP_ID, PERP_PAPER_ID):
        return None
    from bitmart_plugin.venue import start_local_venue

    return start_local_venue(options)


@hookimpl
def register_commands(subparsers: Any) -> None:
    from bitmart_plugin.commands import add_sandbox_command

    add_sandbox_command(subparsers)

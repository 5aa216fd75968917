"""Hookimpls of the default paper-trade plugin: `<id>_paper_trade` for every connector with an order book stream.

Importing this module is cheap (host_spec models only); the engine is imported when a session opens.
"""

from __future__ import annotations

from typing import Any

from host_spec.hookspecs import hookimpl
from host_spec.models import ConnectorInfo, Instrument, OrderRequest, OrderType, TradingPair
from host_spec.paper.options import OPTION_NAMES
from host_spec.session import ConnectorSession, SessionConfig

SUFFIX = "_paper_trade"
CAPABILITIES = frozenset({"order_types", "trading_rules", "order_book_stream", "trades_stream", "trading",
                          "user_stream", "paper_trade"})


def variant_info(base: ConnectorInfo) -> ConnectorInfo:
    """The paper-trade variant of `base`: same order types, no credentials, simulated fills."""
    return ConnectorInfo(
        id=base.id + SUFFIX,
        plugin="paper",
        display_name=f"{base.display_name} (paper trade)",
        exchange_type=base.exchange_type,
        market_type=base.market_type,
        connection_type="simulated",
        order_types=base.order_types,
        credentials=(),
        base_connector=base.id,
        capabilities=CAPABILITIES | ({"sandbox"} & base.capabilities),
        options=tuple(sorted(OPTION_NAMES | set(base.options))),
        description=f"Paper trading on {base.id}'s public order book and trades: queue-aware maker fills, "
        "book-walking taker fills, the venue's rules and fees; no credentials, no real orders.",
    )


def _paper(session: Any) -> bool:
    if not str(getattr(session, "connector_id", "")).endswith(SUFFIX):
        return False  # not ours: answer without importing the engine
    from host_spec.paper.session import PaperSession

    return isinstance(session, PaperSession)


@hookimpl
def variant_connectors(base: ConnectorInfo) -> list[ConnectorInfo] | None:
    if base.base_connector is not None or base.id.endswith(SUFFIX) or "order_book_stream" not in base.capabilities:
        return None
    if base.instrument is not Instrument.SPOT:
        return None  # the paper engine simulates spot balances; it has no positions, margin or funding
    return [variant_info(base)]


@hookimpl
def create_session(connector_id: str, config: SessionConfig) -> ConnectorSession | None:
    if not connector_id.endswith(SUFFIX):
        return None
    host = config.host
    if host is None:
        return None
    info = host.connector(connector_id)
    if info.base_connector is None or info.plugin != "paper":
        return None
    from host_spec.paper.options import PaperOptions
    from host_spec.paper.session import PaperSession

    return PaperSession(connector_id, info.base_connector, host, PaperOptions.parse(config.options), info.order_types)


@hookimpl
def order_types(connector_id: str) -> tuple[OrderType, ...] | None:
    return None  # the host falls back to the variant's declared order types


@hookimpl
def check_credentials(connector_id: str, session: Any) -> Any:
    return session.check_credentials() if _paper(session) else None


@hookimpl
def trading_rules(connector_id: str, session: Any) -> Any:
    return session.trading_rules() if _paper(session) else None


@hookimpl
def order_book_stream(connector_id: str, session: Any, pair: TradingPair, depth: int) -> Any:
    return session.order_book(pair, depth) if _paper(session) else None


@hookimpl
def trades_stream(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.trades(pair) if _paper(session) else None


@hookimpl
def place_order(connector_id: str, session: Any, request: OrderRequest) -> Any:
    return session.place_order(request) if _paper(session) else None


@hookimpl
def cancel_order(connector_id: str, session: Any, pair: TradingPair, client_order_id: str) -> Any:
    return session.cancel_order(pair, client_order_id) if _paper(session) else None


@hookimpl
def cancel_all_orders(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.cancel_all_orders(pair) if _paper(session) else None


@hookimpl
def query_order(connector_id: str, session: Any, pair: TradingPair, client_order_id: str) -> Any:
    return session.query_order(pair, client_order_id) if _paper(session) else None


@hookimpl
def open_orders(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.open_orders(pair) if _paper(session) else None


@hookimpl
def balances(connector_id: str, session: Any) -> Any:
    return session.balances() if _paper(session) else None


@hookimpl
def fills(connector_id: str, session: Any, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.fills(pair, since_ms) if _paper(session) else None


@hookimpl
def fee_rates(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.fee_rates(pair) if _paper(session) else None


@hookimpl
def user_stream(connector_id: str, session: Any) -> Any:
    return session.user_stream() if _paper(session) else None


@hookimpl
def register_commands(subparsers: Any) -> None:
    from host_spec.paper.commands import add_paper_command

    add_paper_command(subparsers)


__all__ = ["SUFFIX", "variant_info"]

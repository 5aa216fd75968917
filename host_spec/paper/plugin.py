"""Hookimpls of the default paper-trade plugin: `<id>_paper_trade` for every connector with an order book stream.

A spot base gets the spot paper session; a perpetual base (one declaring perpetual capabilities) gets the
perpetual one (paper.perp), which also answers the perpetual hooks. Importing this module is cheap
(host_spec models only); the engine is imported when a session opens.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from host_spec.hookspecs import hookimpl
from host_spec.models import (
    PERPETUAL_CAPABILITIES,
    ConnectorInfo,
    Instrument,
    MarginMode,
    OrderRequest,
    OrderType,
    PositionMode,
    TradingPair,
)
from host_spec.paper.options import OPTION_NAMES, PERP_OPTION_NAMES
from host_spec.session import ConnectorSession, SessionConfig

SUFFIX = "_paper_trade"
CAPABILITIES = frozenset({"order_types", "trading_rules", "order_book_stream", "trades_stream", "trading",
                          "user_stream", "paper_trade"})


#: what the perpetual variant answers itself; `funding` it takes from the base (funding info is passed through)
PERP_OWN = frozenset({"positions", "position_mode", "leverage"})


def _perpetual(base: ConnectorInfo) -> bool:
    return base.instrument is Instrument.PERPETUAL and bool(base.capabilities & PERPETUAL_CAPABILITIES)


def variant_info(base: ConnectorInfo) -> ConnectorInfo:
    """The paper-trade variant of `base`: same order types, no credentials, simulated fills (and positions,
    margin and funding for a perpetual base)."""
    perp = _perpetual(base)
    capabilities = CAPABILITIES | ({"sandbox"} & base.capabilities)
    if perp:
        capabilities |= PERP_OWN | ({"funding"} & base.capabilities)
    what = ("positions with margin, leverage, funding and liquidation, " if perp else "")
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
        capabilities=capabilities,
        options=tuple(sorted(OPTION_NAMES | (PERP_OPTION_NAMES if perp else set()) | set(base.options))),
        description=f"Paper trading on {base.id}'s public order book and trades: queue-aware maker fills, "
        f"book-walking taker fills, {what}the venue's rules and fees; no credentials, no real orders.",
        instrument=base.instrument,
    )


def _paper(session: Any) -> bool:
    if not str(getattr(session, "connector_id", "")).endswith(SUFFIX):
        return False  # not ours: answer without importing the engine
    from host_spec.paper.session import PaperSession

    return isinstance(session, PaperSession)


def _perp(session: Any) -> bool:
    if not _paper(session):
        return False
    from host_spec.paper.perp.session import PerpPaperSession

    return isinstance(session, PerpPaperSession)


@hookimpl
def variant_connectors(base: ConnectorInfo) -> list[ConnectorInfo] | None:
    if base.base_connector is not None or base.id.endswith(SUFFIX) or "order_book_stream" not in base.capabilities:
        return None
    if base.instrument is not Instrument.SPOT and not _perpetual(base):
        return None  # a perpetual base that declares none of the perpetual capabilities cannot be simulated
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

    if info.instrument is Instrument.PERPETUAL:
        from host_spec.paper.perp.options import DEFAULT_PERP_BALANCE, PerpOptions
        from host_spec.paper.perp.session import PerpPaperSession

        return PerpPaperSession(connector_id, info.base_connector, host,
                                PaperOptions.parse(config.options, DEFAULT_PERP_BALANCE), PerpOptions.parse(config.options),
                                info.order_types, venue_funding="funding" in info.capabilities)
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
def positions(connector_id: str, session: Any, pair: TradingPair | None) -> Any:
    return session.positions(pair) if _perp(session) else None


@hookimpl
def position_mode(connector_id: str, session: Any) -> Any:
    return session.position_mode() if _perp(session) else None


@hookimpl
def set_position_mode(connector_id: str, session: Any, mode: PositionMode) -> Any:
    return session.set_position_mode(mode) if _perp(session) else None


@hookimpl
def set_leverage(connector_id: str, session: Any, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> Any:
    return session.set_leverage(pair, leverage, margin_mode) if _perp(session) else None


@hookimpl
def funding_info(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.funding_info(pair) if _perp(session) and session.venue_funding else None


@hookimpl
def funding_payments(connector_id: str, session: Any, pair: TradingPair | None, since_ms: int | None) -> Any:
    return session.funding_payments(pair, since_ms) if _perp(session) else None


@hookimpl
def register_commands(subparsers: Any) -> None:
    from host_spec.paper.commands import add_paper_command

    add_paper_command(subparsers)


__all__ = ["SUFFIX", "variant_info"]

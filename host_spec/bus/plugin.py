"""Hookimpls of the default bus plugin: `<id>_bus` for every connector with order book and trade streams.

Importing this module is cheap (host_spec models only): nats-py and msgpack are imported when a bus
session opens or `host-spec publish` runs.
"""

from __future__ import annotations

from typing import Any

from host_spec.hookspecs import hookimpl
from host_spec.models import ConnectorInfo, TradingPair
from host_spec.session import ConnectorSession, SessionConfig

SUFFIX = "_bus"
STREAMS = frozenset({"order_book_stream", "trades_stream"})
OPTIONS = ("nats_url", "bus_wait_s")

__all__ = ["SUFFIX", "variant_info"]


def variant_info(base: ConnectorInfo) -> ConnectorInfo:
    """The bus variant of `base`: its public market data read from NATS JetStream."""
    return ConnectorInfo(
        id=base.id + SUFFIX,
        plugin="bus",
        display_name=f"{base.display_name} (NATS bus)",
        exchange_type=base.exchange_type,
        market_type=base.market_type,
        connection_type="NATS JetStream",
        order_types=base.order_types,
        credentials=(),
        base_connector=base.id,
        capabilities=STREAMS | ({"trading_rules"} & base.capabilities),
        options=OPTIONS,
        instrument=base.instrument,
        description=f"{base.id}'s order books, trades and trading rules as `host-spec publish {base.id}` puts them on "
        "NATS JetStream (nats_url option or HOST_SPEC_NATS_URL); market data only, no trading.",
    )


def _bus(session: Any) -> bool:
    if not str(getattr(session, "connector_id", "")).endswith(SUFFIX):
        return False  # not ours: answer without importing the session module
    from host_spec.bus.session import BusSession

    return isinstance(session, BusSession)


@hookimpl
def variant_connectors(base: ConnectorInfo) -> list[ConnectorInfo] | None:
    if base.base_connector is not None or base.id.endswith(SUFFIX):
        return None
    if not STREAMS <= base.capabilities:
        return None
    return [variant_info(base)]


@hookimpl
def create_session(connector_id: str, config: SessionConfig) -> ConnectorSession | None:
    if not connector_id.endswith(SUFFIX) or config.host is None:
        return None
    info = config.host.connector(connector_id)
    if info.base_connector is None or info.plugin != "bus":
        return None
    from host_spec.bus.client import require
    from host_spec.bus.names import nats_url, wait_seconds
    from host_spec.bus.session import BusSession

    require()
    return BusSession(connector_id, info.base_connector, nats_url(config.options), wait_seconds(config.options),
                      rules="trading_rules" in info.capabilities)


@hookimpl
def trading_rules(connector_id: str, session: Any) -> Any:
    return session.trading_rules() if _bus(session) else None


@hookimpl
def order_book_stream(connector_id: str, session: Any, pair: TradingPair, depth: int) -> Any:
    return session.order_book(pair, depth) if _bus(session) else None


@hookimpl
def trades_stream(connector_id: str, session: Any, pair: TradingPair) -> Any:
    return session.trades(pair) if _bus(session) else None


@hookimpl
def register_commands(subparsers: Any) -> None:
    from host_spec.bus.commands import add_publish_command

    add_publish_command(subparsers)

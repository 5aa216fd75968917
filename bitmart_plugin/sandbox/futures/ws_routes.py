"""Wiring of the futures WS onto the sandbox's aiohttp port: ``/futures/api`` and bare ``/futures`` (public,
the latter for HB-CANDLES, C19), ``/futures/user`` (private); spot keeps ``/api`` and ``/user`` (§3.1)."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ..state import State
from .venue import FuturesVenue
from .ws_config import FuturesWsConfig
from .ws_private import PrivateEndpoint
from .ws_public import PublicEndpoint

PUBLIC_PATHS = ("/futures/api", "/futures")
PRIVATE_PATH = "/futures/user"


@dataclass(frozen=True, slots=True)
class FuturesWs:
    """Both endpoints (their ``topics.conns`` are what admin drop/stall faults act on) and their routes."""

    public: PublicEndpoint
    private: PrivateEndpoint
    routes: list[web.RouteDef]


def futures_ws(venue: FuturesVenue, state: State, config: FuturesWsConfig | None = None) -> FuturesWs:
    """Build the endpoints and register them as venue listeners (keys, login window and faults from ``state``)."""
    cfg = config or FuturesWsConfig()
    public = PublicEndpoint(venue, cfg, state.faults)
    private = PrivateEndpoint(venue, state.keys, state.config.ts_window_ms, state.now_ms, cfg, state.faults)
    venue.engine.listeners.append(public.on_event)
    venue.engine.listeners.append(private.on_event)
    routes = [web.get(p, public.handle) for p in PUBLIC_PATHS] + [web.get(PRIVATE_PATH, private.handle)]
    return FuturesWs(public, private, routes)


def futures_ws_routes(venue: FuturesVenue, state: State, config: FuturesWsConfig | None = None) -> list[web.RouteDef]:
    """The route definitions only (see ``futures_ws`` to keep the endpoints)."""
    return futures_ws(venue, state, config).routes

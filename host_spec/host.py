"""The typed facade over the hooks: the only place that calls `pm.hook`."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from host_spec import inputs
from host_spec.connection_perp import PerpetualCalls
from host_spec.connection_perp import check_pair as _pair
from host_spec.errors import CapabilityMissing, ConnectorNotFound
from host_spec.models import (
    Balance,
    Candle,
    ConnectorInfo,
    FeeRates,
    Fill,
    Order,
    OrderBookView,
    OrderRequest,
    OrderType,
    PublicTrade,
    TradingPair,
    TradingRule,
    UserEvent,
)
from host_spec.plugins import PluginReport, get_plugin_manager
from host_spec.session import ConnectorSession, LocalVenue, SessionConfig

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["Connection", "Host"]

T = TypeVar("T")


class Host:
    """Discovers connector plugins and opens connections to them."""

    def __init__(self, pm: pluggy.PluginManager, report: PluginReport | None = None) -> None:
        self._pm = pm
        self.report = report or PluginReport()
        self._connectors: dict[str, ConnectorInfo] | None = None

    @classmethod
    def discover(cls, **kwargs: Any) -> Host:
        """Load every allowed plugin from the `host_spec` entry-point group (see get_plugin_manager)."""
        pm, report = get_plugin_manager(**kwargs)
        return cls(pm, report)

    # -- discovery -------------------------------------------------------------------------------
    def plugin_names(self) -> list[str]:
        return sorted(name for name, _ in self._pm.list_name_plugin() if name is not None)

    def plugin_hooks(self, name: str) -> list[str]:
        plugin = self._pm.get_plugin(name)
        return sorted(impl.name for impl in self._pm.get_hookcallers(plugin) or []) if plugin else []

    def connectors(self) -> list[ConnectorInfo]:
        """Every connector the loaded plugins serve, variants included, sorted by id."""
        if self._connectors is None:
            found: dict[str, ConnectorInfo] = {}

            def register(info: ConnectorInfo) -> None:
                if info.id in found:
                    raise ValueError(f"connector id {info.id!r} registered twice")
                found[info.id] = info

            self._pm.hook.register_connectors(register=register)
            for base in list(found.values()):
                for variants in self._pm.hook.variant_connectors(base=base):
                    for variant in variants or ():
                        found.setdefault(variant.id, variant)
            self._connectors = dict(sorted(found.items()))
        return list(self._connectors.values())

    def connector(self, connector_id: str) -> ConnectorInfo:
        """The info of one connector; raises ConnectorNotFound naming the close matches."""
        self.connectors()
        assert self._connectors is not None
        info = self._connectors.get(connector_id)
        if info is None:
            close = difflib.get_close_matches(connector_id, list(self._connectors), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; installed: {', '.join(self._connectors) or 'none'}"
            raise ConnectorNotFound(f"no connector named {connector_id!r}{hint}")
        return info

    def order_types(self, connector_id: str) -> tuple[OrderType, ...]:
        info = self.connector(connector_id)
        found = self._pm.hook.order_types(connector_id=connector_id)
        return tuple(found) if found is not None else info.order_types

    def register_commands(self, subparsers: Any) -> None:
        """Let plugins add their own sub-commands; each sets `func(host, args) -> int`."""
        self._pm.hook.register_commands(subparsers=subparsers)

    async def start_sandbox(self, connector_id: str, options: Mapping[str, Any] | None = None) -> LocalVenue:
        """Start the plugin's local imitation of the connector's venue (for `--sandbox`)."""
        self.connector(connector_id)
        started = self.call("start_sandbox", connector_id, options=dict(options or {}))
        return await started  # type: ignore[no-any-return]

    # -- sessions --------------------------------------------------------------------------------
    async def open(
        self,
        connector_id: str,
        credentials: Mapping[str, SecretStr] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Connection:
        """Create a session for `connector_id` and return a typed connection to it."""
        info = self.connector(connector_id)
        config = SessionConfig(connector_id, dict(credentials or {}), dict(options or {}), self)
        session = self._pm.hook.create_session(connector_id=connector_id, config=config)
        if session is None:
            raise CapabilityMissing(f"{connector_id} cannot open a session", connector=connector_id)
        return Connection(self, info, session)

    def call(self, capability: str, connector_id: str, **kwargs: Any) -> Any:
        """Call one capability hook; a connector that does not answer it raises CapabilityMissing."""
        hook = getattr(self._pm.hook, capability)
        result = hook(connector_id=connector_id, **kwargs)
        if result is None:
            label = capability.replace("_", " ")
            raise CapabilityMissing(f"{connector_id} does not offer {label}", connector=connector_id)
        return result


class Connection(PerpetualCalls):
    """A live connector: every method is one capability. Use as an async context manager.

    The perpetual-contract methods (positions, position mode, leverage, funding) come from `PerpetualCalls`.
    """

    def __init__(self, host: Host, info: ConnectorInfo, session: ConnectorSession) -> None:
        self.host = host
        self.info = info
        self.session = session

    @property
    def id(self) -> str:
        """The connector id this connection drives (`bitmart`, `bitmart_paper_trade`, ...)."""
        return self.info.id

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the session's sockets and tasks; returns None, safe to call twice, and raises nothing of its own."""
        await self.session.close()

    def _call(self, capability: str, **kwargs: Any) -> Any:
        return self.host.call(capability, self.info.id, session=self.session, **kwargs)

    async def _await(self, capability: str, **kwargs: Any) -> Any:
        result = self._call(capability, **kwargs)
        if not inspect.isawaitable(result):
            raise TypeError(f"{self.info.id}: hook {capability} must return an awaitable, got {type(result).__name__}")
        return await result

    def _stream(self, capability: str, **kwargs: Any) -> AsyncIterator[Any]:
        result = self._call(capability, **kwargs)
        if not hasattr(result, "__anext__"):
            raise TypeError(f"{self.info.id}: hook {capability} must return an async iterator")
        return result  # type: ignore[no-any-return]

    # Every public method below checks its arguments first (TypeError/ValueError saying what to pass),
    # and raises CapabilityMissing when the connector does not offer the capability; the venue's own
    # failures arrive as ConnectorError subclasses (NetworkError, RateLimited, AuthError, ...).

    async def check_credentials(self) -> None:
        """Return None if the venue accepts the session's credentials; raises AuthError naming what to check."""
        await self._await("check_credentials")

    async def trading_rules(self) -> Mapping[TradingPair, TradingRule]:
        """Return every listed pair's TradingRule; raises NetworkError or RateLimited when the venue cannot answer."""
        return await self._await("trading_rules")  # type: ignore[no-any-return]

    def order_book(self, pair: TradingPair, depth: int = 20) -> AsyncIterator[OrderBookView]:
        """Return a stream that yields an OrderBookView (`depth` levels a side) on every change.

        Raises TypeError/ValueError at once for a bad pair or depth; while iterating, InvalidPair for
        a pair the venue does not list and StreamError when the stream cannot be kept alive.
        """
        _pair(pair)
        inputs.integer(depth, "depth", positive=True)
        return self._stream("order_book_stream", pair=pair, depth=depth)

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        """Return a stream that yields each PublicTrade on `pair`; raises as `order_book` does."""
        _pair(pair)
        return self._stream("trades_stream", pair=pair)

    async def place_order(self, request: OrderRequest) -> Order:
        """Send the order once, under its client order id (one is made when the request has none).

        Three outcomes, never mixed up:

        - placed: returns the Order (OPEN, or further along if it traded at once). A lost answer is
          resolved by asking the venue for the client id, never by sending again.
        - not placed, safe to retry: raises any ConnectorError other than OrderStateUnknown:
          InvalidOrder/OrderRejected (checked before sending, or refused by the venue), InsufficientBalance,
          PostOnlyRejected, AuthError, RateLimited (wait `retry_after`), NetworkError (nothing reached the
          venue, or it answered that it does not know the order).
        - state unknown: raises OrderStateUnknown (carries `client_order_id`) when the venue could not be
          asked within a bounded time. The order may exist: do NOT send it again. It stays pending, and the
          user stream reports what became of it (created, filled, ... or failed) once the venue answers.
        """
        inputs.instance(request, OrderRequest, "request", hint="build one with OrderRequest(pair, Side.BUY, ...)")
        return await self._await("place_order", request=request)  # type: ignore[no-any-return]

    async def cancel_order(self, pair: TradingPair, client_order_id: str) -> Order:
        """Return the order as the venue reports it after the cancel (CANCELED, or FILLED if it filled first).

        Raises OrderNotFound when the venue does not know the id.
        """
        _pair(pair)
        inputs.text(client_order_id, "client_order_id")
        return await self._await("cancel_order", pair=pair, client_order_id=client_order_id)  # type: ignore[no-any-return]

    async def cancel_all_orders(self, pair: TradingPair | None = None) -> list[Order]:
        """Cancel every open order (on `pair`, or everywhere for None); return the orders cancelled.

        Raises NetworkError or RateLimited when the venue cannot answer.
        """
        _pair(pair, optional=True)
        return await self._await("cancel_all_orders", pair=pair)  # type: ignore[no-any-return]

    async def query_order(self, pair: TradingPair, client_order_id: str) -> Order:
        """Return the order's current state; raises OrderNotFound when the venue does not know the id."""
        _pair(pair)
        inputs.text(client_order_id, "client_order_id")
        return await self._await("query_order", pair=pair, client_order_id=client_order_id)  # type: ignore[no-any-return]

    async def open_orders(self, pair: TradingPair | None = None) -> list[Order]:
        """Return the orders still open (on `pair`, or everywhere for None); raises NetworkError or RateLimited."""
        _pair(pair, optional=True)
        return await self._await("open_orders", pair=pair)  # type: ignore[no-any-return]

    async def balances(self) -> Mapping[str, Balance]:
        """Return each asset's Balance (available and frozen); raises AuthError, NetworkError or RateLimited."""
        return await self._await("balances")  # type: ignore[no-any-return]

    async def fills(self, pair: TradingPair | None = None, since_ms: int | None = None) -> list[Fill]:
        """Return our fills (on `pair`, since `since_ms` epoch milliseconds); raises NetworkError or RateLimited."""
        _pair(pair, optional=True)
        inputs.integer(since_ms, "since_ms", optional=True, unit="milliseconds since the epoch")
        return await self._await("fills", pair=pair, since_ms=since_ms)  # type: ignore[no-any-return]

    async def fee_rates(self, pair: TradingPair) -> FeeRates:
        """Return the account's maker and taker FeeRates on `pair`; raises InvalidPair, NetworkError or RateLimited."""
        _pair(pair)
        return await self._await("fee_rates", pair=pair)  # type: ignore[no-any-return]

    def user_stream(self) -> AsyncIterator[UserEvent]:
        """Return a stream that yields our OrderEvents and BalanceEvents (and PositionEvents and FundingEvents on a
        perpetual connector); raises StreamError while iterating when it cannot be kept alive, and AuthError when
        the venue refuses the credentials."""
        return self._stream("user_stream")

    def candles(
        self,
        pair: TradingPair,
        interval: str,
        since_s: int | None = None,
        until_s: int | None = None,
        follow: bool = False,
    ) -> AsyncIterator[Candle]:
        """Return a stream that yields `interval` Candles from `since_s` to `until_s` (epoch seconds), then live
        ones when `follow`. Raises TypeError at once for bad arguments; while iterating, InvalidPair, a
        ValueError for an interval the venue does not offer, and StreamError or NetworkError from the venue.
        """
        _pair(pair)
        if not isinstance(interval, str) or not interval:
            raise TypeError(f"interval must be a str such as '1m' or '1h', not {interval!r}")
        inputs.integer(since_s, "since_s", optional=True, unit="seconds since the epoch")
        inputs.integer(until_s, "until_s", optional=True, unit="seconds since the epoch")
        return self._stream(
            "candles_feed", pair=pair, interval=interval, since_s=since_s, until_s=until_s, follow=follow
        )

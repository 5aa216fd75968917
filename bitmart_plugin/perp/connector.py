"""`BitmartPerpSession`: the BitMart USDT-M perpetual connector (`bitmart_perpetual`) a host drives through the hooks.

REST (`perp.rest`, futures host, futures limits) for trading and queries, the futures sockets (`perp.streams`)
for books, trades, funding and our order, position and balance pushes, the shared tracker for exact states and
exactly-once events. Order entry, cancel, lost-answer resolution and the user-stream pump are the spot
connector's (`bitmart_plugin.trading`); this module adds what is the futures venue's own: the contract
listing, requests checked and sized in whole contracts before sending (`perp.bodies`), side codes in the
account's position mode, orders looked up by the venue's id (or, before it is known, by our client id among
open orders then order history), fills from `/trades` (seconds) with realized PnL. Positions, modes,
leverage and funding live in `perp.account`. Everything the host sees is in base units.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import (
    BalanceEvent, ConnectorError, FeeRates, Fill, Order, OrderNotFound, OrderRequest, PositionMode, SessionConfig,
    TradingPair, TradingRule,
)

from bitmart_plugin.errors_map import is_uncertain
from bitmart_plugin.fields import ParseError, text
from bitmart_plugin.perp.account import PerpAccount, readable
from bitmart_plugin.perp.bodies import submit_body, validate
from bitmart_plugin.perp.parse_account import PositionUpdate
from bitmart_plugin.perp.parse_orders import FuturesOrder, fills_from_trades, order_from_rest
from bitmart_plugin.perp.rest import FuturesRest
from bitmart_plugin.perp.rules import contracts_from_details, with_maintenance_rates
from bitmart_plugin.perp.symbols import CONNECTOR, Contracts, to_symbol
from bitmart_plugin.resolution import RESOLVE_BUDGET_S, RESOLVE_DELAYS
from bitmart_plugin.settings import FUTURES_URLS, BitmartSettings, load_settings
from bitmart_plugin.trading import TradingSession, balance_events

__all__ = ["OPTION_KEYS", "BitmartPerpSession"]

log = logging.getLogger(__name__)
OPTION_KEYS = (*FUTURES_URLS, "rate_limit_safety")
FUNDING_POLL_S = 60.0


class BitmartPerpSession(PerpAccount, TradingSession):
    """One BitMart futures account (USDT-M perpetuals); every public method takes/returns host_spec models."""

    connector_id = CONNECTOR
    tick_s = FUNDING_POLL_S  # the user stream polls funding payments this often

    def __init__(self, settings: BitmartSettings, *, rest: FuturesRest | None = None,
                 streams_factory: Callable[[BitmartSettings], Any] | None = None, quantize: bool = False,
                 resolve_delays: Iterable[float] = RESOLVE_DELAYS, resolve_budget_s: float = RESOLVE_BUDGET_S) -> None:
        super().__init__(settings, rest or FuturesRest(settings), streams_factory=streams_factory,
                         resolve_delays=resolve_delays, resolve_budget_s=resolve_budget_s)
        self._quantize = quantize
        self.conflate_books = False
        self._contracts: Contracts | None = None
        self._mode: PositionMode | None = None
        self._fees: FeeRates | None = None
        self._init_account()

    @classmethod
    def from_config(cls, config: SessionConfig) -> BitmartPerpSession:
        """Settings from `config.credentials` (SecretStr) and `config.options` (futures URL overrides), then env."""
        creds = {k: config.credentials.get(k) for k in ("api_key", "secret_key", "memo")}
        opts = {k: config.options.get(k) for k in OPTION_KEYS}
        session = cls(load_settings(**creds, **opts), quantize=config.flag("quantize"))
        session.conflate_books = config.flag("conflate_books")
        return session

    def _default_streams(self) -> Callable[[BitmartSettings], Any]:
        from bitmart_plugin.perp.streams import PerpStreams

        def build(settings: BitmartSettings) -> Any:
            return PerpStreams.from_settings(settings, contracts=self._listed, fee_rates=lambda: self._fees,
                                             position_mode=lambda: self._mode or PositionMode.HEDGE)

        return build

    # ---- the listing ----------------------------------------------------------------------------

    async def trading_rules(self) -> dict[TradingPair, TradingRule]:
        """Rules of the listed perpetuals in base units (`contract_size`, leverage range included), each with the
        maintenance margin rate of its first risk tier when the venue's brackets can be read."""
        data = await self.rest.details()
        try:
            contracts = contracts_from_details(data)
        except ParseError as exc:
            raise readable("contract listing", exc) from None
        try:
            contracts = with_maintenance_rates(contracts, await self.rest.leverage_brackets())
        except (ConnectorError, ParseError) as exc:  # the rules stand without it
            log.warning("%s: no maintenance margin rates (%s)", CONNECTOR, exc)
        for skipped in contracts.skipped:
            log.warning("%s: contract left out of the listing: %s", CONNECTOR, skipped)
        self._contracts = contracts
        return contracts.rules()

    async def _listing(self) -> Contracts:
        if self._contracts is None:
            await self.trading_rules()
        assert self._contracts is not None
        return self._contracts

    def _listed(self) -> Contracts:
        """The listing for the stream parsers (loaded before any stream opens)."""
        return self._contracts if self._contracts is not None else Contracts()

    # ---- streams --------------------------------------------------------------------------------

    async def order_book(self, pair: TradingPair, depth: int) -> AsyncIterator[Any]:
        """Views (base units) after every applied update, or only the newest with the `conflate_books` option."""
        (await self._listing()).by_pair(pair)
        async for view in self._streams().order_book(pair, depth, conflate=self.conflate_books):
            yield view

    async def trades(self, pair: TradingPair) -> AsyncIterator[Any]:
        (await self._listing()).by_pair(pair)
        async for trade in self._streams().trades(pair):
            yield trade

    async def _private_events(self) -> AsyncIterator[Any]:  # type: ignore[override]
        await self._listing()
        await self._mode_now()
        async for event in self._streams().private_events():
            yield event

    async def _on_private(self, event: Any) -> None:
        if isinstance(event, FuturesOrder):
            if event.leverage:
                self._leverage[event.contract.pair] = event.leverage
            if event.client_order_id in self.tracker:
                self._emit(self.tracker.apply(event.snapshot()))
        elif isinstance(event, PositionUpdate):
            await self._on_position_update(event)
        elif isinstance(event, BalanceEvent):
            self._emit([event])

    async def _on_tick(self) -> None:
        await self._poll_funding()

    async def reconcile(self) -> None:
        """After a (re)connect: fills since the last one seen, open and unfinished orders, balances, positions,
        funding payments."""
        self.reconciles += 1
        contracts = await self._listing()
        await self._mode_now()
        since = self.tracker.last_fill_ms or self._started_ms - 5_000
        for fill in self._fills(await self.rest.trades(None, start_ms=since - 1_000), contracts):
            if fill.client_order_id:
                self._emit(self.tracker.apply_trade(fill))
        listed = set()
        for row in await self.rest.open_orders(None):
            listed.add(text(row, "client_order_id") if isinstance(row, dict) else "")
            await self._apply_rest(row)
        await self._recheck_unlisted(listed)
        self._emit(balance_events(await self.balances(), self._now()))
        await self._sync_positions()
        await self._poll_funding()

    # ---- orders ---------------------------------------------------------------------------------

    async def _checked(self, request: OrderRequest) -> OrderRequest:
        contracts = await self._listing()
        await self._mode_now()
        checked, contract = validate(request, contracts, quantize=self._quantize)
        if self._fees is None:  # to tell maker fills from taker ones on the socket; best effort
            try:
                await self.fee_rates(contract.pair)
            except ConnectorError as exc:
                log.info("%s: fee rates unknown for now (%s)", CONNECTOR, exc)
        return checked

    def _payload(self, request: OrderRequest, cid: str) -> dict[str, Any]:
        assert self._contracts is not None and self._mode is not None
        return submit_body(request, self._contracts, self._mode, cid)

    def _size_step(self, request: OrderRequest) -> Decimal:
        return self._contracts.by_pair(request.pair).rule.size_increment if self._contracts else Decimal(0)

    async def _send_order(self, payload: Any) -> str:
        return await self.rest.submit_order(payload)

    async def _check_pair(self, pair: TradingPair) -> None:
        (await self._listing()).by_pair(pair)

    async def _send_cancel(self, pair: TradingPair, cid: str) -> None:
        await self.rest.cancel_order(to_symbol(pair), cid)

    async def _lookup(self, cid: str, pair: TradingPair | None = None) -> Mapping[str, Any]:
        """By the venue's id once known (`/order` has no client-id lookup), else among the open orders, then
        the finished ones (order-history by client id)."""
        known = self.tracker.get(cid)
        pair = pair or (known.pair if known is not None else None)
        if pair is None:
            raise OrderNotFound(f"order {cid} is not one of this session's: say its pair", connector=CONNECTOR)
        symbol = to_symbol(pair)
        if known is not None and known.exchange_order_id:
            return await self.rest.order(symbol, known.exchange_order_id)  # type: ignore[no-any-return]
        for row in await self.rest.open_orders(symbol) + await self.rest.order_history(symbol, cid):
            if isinstance(row, dict) and text(row, "client_order_id") == cid:
                return row
        raise OrderNotFound(f"BitMart futures does not know order {cid} on {pair}", connector=CONNECTOR)

    def _exchange_id(self, raw: Mapping[str, Any]) -> str:
        return text(dict(raw), "order_id")

    async def _apply_rest(self, raw: Mapping[str, Any]) -> Order:
        """Apply a REST order; when it shows fills we have not seen, fetch that order's trades first."""
        contracts = await self._listing()
        try:
            order = order_from_rest(raw, contracts, await self._mode_now())
        except ParseError as exc:
            raise readable("order", exc) from None
        known = self.tracker.get(order.client_order_id) if order.client_order_id else None
        if known is None:
            return order.order()
        if order.filled_amount > known.filled_amount:
            rows = await self.rest.trades(order.contract.symbol, order_id=order.order_id)
            for fill in self._fills(rows, contracts, {order.order_id: order.client_order_id}):
                self._emit(self.tracker.apply_trade(fill))
        self._emit(self.tracker.apply(order.snapshot()))
        return self.tracker.get(order.client_order_id) or order.order()

    def _fills(self, rows: Any, contracts: Contracts, ids: Mapping[str, str] | None = None) -> list[Fill]:
        """Trade rows -> fills with our client ids (from the tracker unless given), oldest first."""
        known = {o.exchange_order_id: o.client_order_id for o in self.tracker.orders() if o.exchange_order_id}
        try:
            return fills_from_trades(rows, contracts, {**known, **(ids or {})})
        except ParseError as exc:
            raise readable("fill list", exc) from None

    async def cancel_all_orders(self, pair: TradingPair | None) -> list[Order]:
        """Cancel every open order (of `pair`, or of every contract); the orders as the venue reports them after."""
        self._require_credentials()
        contracts = await self._listing()
        before = await self.rest.open_orders(contracts.by_pair(pair).symbol if pair else None)
        try:
            orders = [order_from_rest(row, contracts, await self._mode_now()) for row in before]
        except ParseError as exc:
            raise readable("open order list", exc) from None
        for order in orders:
            self.tracker.mark_cancel_requested(order.client_order_id)
        for symbol in dict.fromkeys(o.contract.symbol for o in orders):
            try:
                await self.rest.cancel_all(symbol)
            except Exception as exc:
                if not is_uncertain(exc):  # a lost answer may have cancelled them: ask, as after a normal answer
                    raise
        out = []
        for order in orders:
            try:
                out.append(await self._apply_rest(await self.rest.order(order.contract.symbol, order.order_id)))
            except OrderNotFound:
                out.append(order.order())
        return out

    async def open_orders(self, pair: TradingPair | None) -> list[Order]:
        self._require_credentials()
        contracts = await self._listing()
        rows = await self.rest.open_orders(contracts.by_pair(pair).symbol if pair else None)
        return [await self._apply_rest(row) for row in rows]

    def _candles_feed(self) -> Any:
        """Futures klines with volumes in base units (candles/perp_klines.py), sized from this session's listing."""
        from bitmart_plugin.candles.perp_klines import perp_candles_feed

        return perp_candles_feed(self.rest, self.settings.futures_ws_public_url, contract_size=self._contract_size)

    async def _contract_size(self, pair: TradingPair) -> Decimal:
        return (await self._listing()).by_pair(pair).contract_size

    async def fills(self, pair: TradingPair | None, since_ms: int | None) -> list[Fill]:
        """Our fills (the venue's last 7 days unless `since_ms`), oldest first, closes with realized PnL."""
        self._require_credentials()
        contracts = await self._listing()
        symbol = contracts.by_pair(pair).symbol if pair else None
        return self._fills(await self.rest.trades(symbol, start_ms=since_ms), contracts)

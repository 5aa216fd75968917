"""`BitmartSpotSession`: the BitMart spot connector a host drives through the plugin's hooks.

REST (ccxt, throttled) for trading and queries, the private WebSocket (`BitmartStreams`) for order
progress and fills, the tracker for exact states and exactly-once events, REST reconciliation after
every reconnect. Order entry, cancel, lost-answer resolution and the user-stream pump are shared with
the perpetual connector (`bitmart_plugin.trading`); this module holds what is spot's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import (
    Balance, BalanceEvent, FeeRates, Fill, Order, OrderNotFound, OrderRequest, OrderType, SessionConfig, Side,
    TradingPair, TradingRule,
)

from bitmart_plugin.errors_map import is_uncertain
from bitmart_plugin.orders import Snapshot, order_from_v4
from bitmart_plugin.resolution import RESOLVE_BUDGET_S, RESOLVE_DELAYS
from bitmart_plugin.settings import BitmartSettings, load_settings
from bitmart_plugin.spot.rest import BitmartRest, fill_from_v4
from bitmart_plugin.spot.rules import rule_for, to_symbol, validate
from bitmart_plugin.trading import NO_CREDENTIALS, TradingSession, balance_events

__all__ = ["NO_CREDENTIALS", "BitmartSpotSession"]

_TYPE_WIRE = {OrderType.LIMIT: "limit", OrderType.LIMIT_MAKER: "limit_maker", OrderType.MARKET: "market"}
_OPTION_KEYS = ("rest_url", "ws_public_url", "ws_private_url", "rate_limit_safety")


def _num(value: Any) -> str:
    return f"{value:f}"


class BitmartSpotSession(TradingSession):
    """One BitMart spot account; every public method takes/returns host_spec models."""

    connector_id = "bitmart"

    def __init__(self, settings: BitmartSettings, *, rest: BitmartRest | None = None,
                 streams_factory: Callable[[BitmartSettings], Any] | None = None, quantize: bool = False,
                 resolve_delays: Iterable[float] = RESOLVE_DELAYS, resolve_budget_s: float = RESOLVE_BUDGET_S) -> None:
        super().__init__(settings, rest or BitmartRest(settings), streams_factory=streams_factory,
                         resolve_delays=resolve_delays, resolve_budget_s=resolve_budget_s)
        self.conflate_books = False
        self._quantize = quantize
        self._rules: dict[TradingPair, TradingRule] | None = None

    @classmethod
    def from_config(cls, config: SessionConfig) -> BitmartSpotSession:
        """Settings from `config.credentials` (SecretStr) and `config.options` (URL overrides), then env."""
        creds = {k: config.credentials.get(k) for k in ("api_key", "secret_key", "memo")}
        opts = {k: config.options.get(k) for k in _OPTION_KEYS}
        settings = load_settings(**creds, **opts)
        session = cls(settings, quantize=config.flag("quantize"))
        session.conflate_books = config.flag("conflate_books")
        return session

    def _default_streams(self) -> Callable[[BitmartSettings], Any]:
        from bitmart_plugin.ws.streams import BitmartStreams

        return BitmartStreams

    # ---- reference data -------------------------------------------------------------------------

    async def trading_rules(self) -> dict[TradingPair, TradingRule]:
        self._rules = await self.rest.trading_rules()
        return dict(self._rules)

    async def _rules_map(self) -> dict[TradingPair, TradingRule]:
        return self._rules if self._rules is not None else await self.trading_rules()

    async def fee_rates(self, pair: TradingPair) -> FeeRates:
        self._require_credentials()
        rule_for(await self._rules_map(), pair)
        return await self.rest.fee_rates(to_symbol(pair))

    async def balances(self) -> dict[str, Balance]:
        self._require_credentials()
        return await self.rest.balances()

    # ---- streams --------------------------------------------------------------------------------

    def order_book(self, pair: TradingPair, depth: int) -> AsyncIterator[Any]:
        """Views after every applied update, or only the newest when the `conflate_books` option is set."""
        return self._streams().order_book(pair, depth, conflate=self.conflate_books)

    def trades(self, pair: TradingPair) -> AsyncIterator[Any]:
        return self._streams().trades(pair)

    async def _on_private(self, event: Any) -> None:
        from bitmart_plugin.spot.parsing import WsBalanceUpdate, WsOrderUpdate

        if isinstance(event, WsOrderUpdate):
            self._on_ws_order(event)
        elif isinstance(event, WsBalanceUpdate):
            self._emit([BalanceEvent(event.asset, event.available, event.frozen, event.event_time_ms)])

    def _on_ws_order(self, u: Any) -> None:
        order = self.tracker.get(str(u.client_order_id))
        if order is None:
            return
        self._emit(self.tracker.apply(Snapshot.from_ws(u, order.pair, order.side)))

    async def reconcile(self) -> None:
        """After a (re)connect: fills since the last one seen, then open/unfinished orders, then balances."""
        self.reconciles += 1
        since = self.tracker.last_fill_ms or self._started_ms - 5_000
        rows = await self.rest.my_trades(None, since - 1)
        for fill in sorted((fill_from_v4(r) for r in rows), key=lambda f: (f.timestamp_ms, f.trade_id)):
            self._emit(self.tracker.apply_trade(fill))
        open_rows = await self.rest.open_orders(None)
        seen = set()
        for row in open_rows:
            seen.add(str(row.get("clientOrderId")))
            await self._apply_rest(row)
        await self._recheck_unlisted(seen)
        self._emit(balance_events(await self.rest.balances(), self._now()))

    async def _lookup(self, cid: str, pair: TradingPair | None = None) -> Mapping[str, Any]:
        return await self.rest.query_client_order(cid)  # type: ignore[no-any-return]

    def _exchange_id(self, raw: Mapping[str, Any]) -> str:
        return Snapshot.from_v4(raw).exchange_order_id

    async def _apply_rest(self, raw: Mapping[str, Any]) -> Order:
        """Apply a REST order; when it shows fills we have not seen, fetch that order's trades first."""
        snap = Snapshot.from_v4(raw)
        known = self.tracker.get(snap.client_order_id)
        if known is None:
            return order_from_v4(raw)
        if snap.filled_size > known.filled_amount and snap.exchange_order_id:
            trades = await self.rest.order_trades(snap.exchange_order_id)
            for fill in sorted((fill_from_v4(r) for r in trades), key=lambda f: (f.timestamp_ms, f.trade_id)):
                self._emit(self.tracker.apply_trade(fill))
        self._emit(self.tracker.apply(snap))
        return self.tracker.get(snap.client_order_id) or order_from_v4(raw)

    # ---- trading --------------------------------------------------------------------------------

    async def _checked(self, request: OrderRequest) -> OrderRequest:
        return validate(request, await self._rules_map(), quantize=self._quantize)

    def _size_step(self, request: OrderRequest) -> Decimal:
        rule = self._rules.get(request.pair) if self._rules else None
        return rule.size_increment if rule else Decimal(0)

    def _payload(self, req: OrderRequest, cid: str) -> dict[str, str]:
        params = {"symbol": to_symbol(req.pair), "side": req.side.value.lower(), "type": _TYPE_WIRE[req.order_type],
                  "client_order_id": cid}
        if req.order_type is OrderType.MARKET and req.side is Side.BUY:
            params["notional"] = _num(req.quote_amount)
        else:
            params["size"] = _num(req.amount)
        if req.price is not None and req.order_type is not OrderType.MARKET:
            params["price"] = _num(req.price)
        return params

    async def _send_order(self, payload: Any) -> str:
        return await self.rest.submit_order(payload)  # type: ignore[no-any-return]

    async def _check_pair(self, pair: TradingPair) -> None:
        rule_for(await self._rules_map(), pair)

    async def _send_cancel(self, pair: TradingPair, cid: str) -> None:
        await self.rest.cancel_order(to_symbol(pair), cid)

    async def cancel_all_orders(self, pair: TradingPair | None) -> list[Order]:
        self._require_credentials()
        if pair is not None:
            rule_for(await self._rules_map(), pair)
        before = await self.rest.open_orders(to_symbol(pair) if pair else None)
        for row in before:
            self.tracker.mark_cancel_requested(str(row.get("clientOrderId")))
        try:
            await self.rest.cancel_all(to_symbol(pair) if pair else None)
        except Exception as exc:
            if not is_uncertain(exc):  # a lost answer may have cancelled them: ask, as after a normal answer
                raise
        out = []
        for row in before:
            try:
                out.append(await self._apply_rest(await self.rest.query_client_order(str(row.get("clientOrderId")))))
            except OrderNotFound:
                out.append(order_from_v4(row))
        return out

    async def open_orders(self, pair: TradingPair | None) -> list[Order]:
        self._require_credentials()
        rows = await self.rest.open_orders(to_symbol(pair) if pair else None)
        return [await self._apply_rest(row) for row in rows]

    async def fills(self, pair: TradingPair | None, since_ms: int | None) -> list[Fill]:
        self._require_credentials()
        rows = await self.rest.my_trades(to_symbol(pair) if pair else None, since_ms)
        return sorted((fill_from_v4(r) for r in rows), key=lambda f: (f.timestamp_ms, f.trade_id))

    def _candles_feed(self) -> Any:
        from bitmart_plugin.candles.feed import BitmartCandlesFeed

        return BitmartCandlesFeed(self.rest, self.settings.ws_public_url)

"""`BitmartSpotSession`: the BitMart spot connector a host drives through the plugin's hooks.

REST (ccxt, throttled) for trading and queries, the private WebSocket (`BitmartStreams`) for order
progress and fills, the tracker for exact states and exactly-once events, REST reconciliation after
every reconnect. Orders get our client order id before they are sent; a lost answer is resolved by
querying that id, never by sending again (resolution.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from host_spec import (
    AuthError, Balance, BalanceEvent, ConnectorError, FeeRates, Fill, InvalidOrder, NetworkError, Order,
    OrderEvent, OrderNotFound, OrderRejected, OrderRequest, OrderState, OrderType, PostOnlyRejected,
    SessionConfig, Side, TradingPair, TradingRule,
)

from bitmart_plugin.errors_map import is_uncertain
from bitmart_plugin.orders import POST_ONLY_REASON, OrderTracker, Snapshot, new_client_order_id, order_from_v4
from bitmart_plugin.redaction import redact_for
from bitmart_plugin.resolution import FOLLOW_UP_MAX_S, NOT_PLACED, RESOLVE_BUDGET_S, RESOLVE_DELAYS, Resolution
from bitmart_plugin.spot.rest import BitmartRest, fill_from_v4
from bitmart_plugin.spot.rules import rule_for, to_symbol, validate
from bitmart_plugin.settings import BitmartSettings, load_settings

_CID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TYPE_WIRE = {OrderType.LIMIT: "limit", OrderType.LIMIT_MAKER: "limit_maker", OrderType.MARKET: "market"}
_OPTION_KEYS = ("rest_url", "ws_public_url", "ws_private_url", "rate_limit_safety")
_RECONCILE = object()
log = logging.getLogger(__name__)
NO_CREDENTIALS = ("BitMart credentials are missing ({missing}): run `host-spec connect bitmart`, or set "
                  "BITMART_API_KEY, BITMART_SECRET_KEY and BITMART_MEMO")


def _num(value: Any) -> str:
    return f"{value:f}"


class BitmartSpotSession(Resolution):
    """One BitMart spot account; every public method takes/returns host_spec models."""

    connector_id = "bitmart"

    def __init__(self, settings: BitmartSettings, *, rest: BitmartRest | None = None,
                 streams_factory: Callable[[BitmartSettings], Any] | None = None, quantize: bool = False,
                 resolve_delays: Iterable[float] = RESOLVE_DELAYS, resolve_budget_s: float = RESOLVE_BUDGET_S) -> None:
        self.settings = settings
        self._redactor = redact_for(self, (settings.api_key, settings.secret_key, settings.memo))
        self.rest = rest or BitmartRest(settings)
        self.tracker = OrderTracker()
        self._streams_factory = streams_factory
        self._streams_obj: Any = None
        self._candles_obj: Any = None
        self.conflate_books = False
        self._quantize = quantize
        self.resolve_delays = tuple(resolve_delays)
        self.resolve_budget_s = resolve_budget_s
        self.settle_interval_s = 1.0  # first wait of the background follow-up of an unknown order
        self._placing: set[str] = set()  # client ids whose submit or resolution is in progress
        self._background: set[asyncio.Task[None]] = set()
        self._following: set[str] = set()  # client ids with a background follow-up running
        self._rules: dict[TradingPair, TradingRule] | None = None
        self._subscribers: set[asyncio.Queue[Any]] = set()
        self._pump: asyncio.Task[None] | None = None
        self._started_ms = self._now()
        self._closed = False
        self.settle_s = 1.0
        self.reconciles = 0

    @classmethod
    def from_config(cls, config: SessionConfig) -> BitmartSpotSession:
        """Settings from `config.credentials` (SecretStr) and `config.options` (URL overrides), then env."""
        creds = {k: config.credentials.get(k) for k in ("api_key", "secret_key", "memo")}
        opts = {k: config.options.get(k) for k in _OPTION_KEYS}
        settings = load_settings(**creds, **opts)
        session = cls(settings, quantize=config.flag("quantize"))
        session.conflate_books = config.flag("conflate_books")
        return session

    @staticmethod
    def _now() -> int:
        return int(time.time() * 1000)

    def _streams(self) -> Any:
        if self._streams_obj is None:
            if self._streams_factory is None:
                from bitmart_plugin.ws.streams import BitmartStreams

                self._streams_factory = BitmartStreams
            self._streams_obj = self._streams_factory(self.settings)
        return self._streams_obj

    def _emit(self, events: Iterable[OrderEvent | BalanceEvent]) -> None:
        for ev in events:
            for q in self._subscribers:
                q.put_nowait(ev)

    # ---- reference data -------------------------------------------------------------------------

    def _require_credentials(self) -> None:
        """AuthError before any request when a private call has no credentials (ccxt would fail vaguely later)."""
        if not self.settings.has_credentials:
            missing = [f"BITMART_{n.upper()}" for n in ("api_key", "secret_key", "memo") if getattr(self.settings, n) is None]
            raise AuthError(NO_CREDENTIALS.format(missing=", ".join(missing)), connector="bitmart")

    async def check_credentials(self) -> None:
        """Raise AuthError unless a SIGNED call succeeds (catches a wrong memo, unlike KEYED calls)."""
        self._require_credentials()
        await self.rest.check_signed()

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

    async def user_stream(self) -> AsyncIterator[OrderEvent | BalanceEvent]:
        """Our order and balance events; starts the private socket pump on first use."""
        self._require_credentials()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers.add(queue)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run_pump())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._subscribers.discard(queue)

    async def _run_pump(self) -> None:
        """Subscribe first (the mailbox buffers), reconcile, then apply pushes in order; reconcile again
        after every `Reconnected` and once `settle_s` after start (covers the subscription race)."""
        from bitmart_plugin.spot.parsing import WsBalanceUpdate, WsOrderUpdate

        inbox: asyncio.Queue[Any] = asyncio.Queue()
        stream = self._streams().private_events()

        async def read() -> None:
            try:
                async for item in stream:
                    inbox.put_nowait(item)
            except Exception as exc:  # noqa: BLE001 - handed to the processor
                inbox.put_nowait(exc)

        loop = asyncio.get_running_loop()
        reader = loop.create_task(read())
        timers = [loop.call_later(self.settle_s, inbox.put_nowait, _RECONCILE)]
        retry_s = self.settle_interval_s

        async def reconcile() -> None:
            """REST that cannot answer now (429 storm, 5xx) postpones a reconciliation; it does not end the stream."""
            nonlocal retry_s
            try:
                await self.reconcile()
                retry_s = self.settle_interval_s
            except AuthError:
                raise
            except ConnectorError as exc:
                log.warning("bitmart: reconciliation failed (%s); trying again in %.1f s", exc, retry_s)
                timers.append(loop.call_later(retry_s, inbox.put_nowait, _RECONCILE))
                retry_s = min(retry_s * 2, FOLLOW_UP_MAX_S)

        try:
            await reconcile()
            while True:
                ev = await inbox.get()
                if isinstance(ev, BaseException):
                    raise ev
                if isinstance(ev, WsOrderUpdate):
                    self._on_ws_order(ev)
                elif isinstance(ev, WsBalanceUpdate):
                    self._emit([BalanceEvent(ev.asset, ev.available, ev.frozen, ev.event_time_ms)])
                elif ev is _RECONCILE or type(ev).__name__ == "Reconnected":
                    await reconcile()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every consumer
            err = exc if isinstance(exc, ConnectorError) else NetworkError(f"user stream failed: {exc!r}", connector="bitmart")
            for q in self._subscribers:
                q.put_nowait(err)
        finally:
            for timer in timers:
                timer.cancel()
            reader.cancel()

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
        for order in self.tracker.active():
            cid = order.client_order_id
            if cid in seen or cid in self._placing:
                continue
            try:
                await self._apply_rest(await self.rest.query_client_order(cid))
            except OrderNotFound:
                if order.state is OrderState.PENDING_CREATE:  # its placement was unknown: now it is settled
                    self._emit(self.tracker.failed(cid, NOT_PLACED, self._now()))
            except ConnectorError:
                self._follow(cid)
        now = self._now()
        self._emit(BalanceEvent(b.asset, b.available, b.frozen, now) for b in (await self.rest.balances()).values())

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

    async def place_order(self, request: OrderRequest) -> Order:
        """Validate against the rules, track under our client id, send once, resolve lost answers by query.

        Returns the placed order; raises OrderStateUnknown when it may exist (never resend it); any other
        ConnectorError means it was not placed.
        """
        self._require_credentials()
        req = validate(request, await self._rules_map(), quantize=self._quantize)
        cid = req.client_order_id or new_client_order_id()
        if not _CID.match(cid):
            raise InvalidOrder(f"client order id {cid!r} must be 1-32 letters or digits", rule="client_order_id",
                               allowed="[A-Za-z0-9]{1,32}", connector="bitmart")
        if cid in self.tracker:
            raise InvalidOrder(f"client order id {cid!r} was already used", rule="client_order_id", connector="bitmart")
        rule = self._rules[req.pair] if self._rules else None
        self.tracker.track(req, cid, self._now(), rule.size_increment if rule else 0)  # type: ignore[arg-type]
        self._placing.add(cid)
        handed_over = False
        try:
            return await self._submit(req, cid)
        except asyncio.CancelledError:  # the caller gave up; the order may still land: keep asking
            handed_over = True
            self._spawn(self._resolve_in_background(cid))
            raise
        finally:
            if not handed_over:
                self._placing.discard(cid)

    async def _submit(self, req: OrderRequest, cid: str) -> Order:
        params = self._submit_params(req, cid)
        try:
            exchange_id = await self.rest.submit_order(params)
        except Exception as exc:
            if is_uncertain(exc):
                return await self._resolve(cid)
            reason = POST_ONLY_REASON if isinstance(exc, PostOnlyRejected) else getattr(exc, "message", str(exc))
            self._emit(self.tracker.failed(cid, reason, self._now()))
            raise
        self._emit(self.tracker.accepted(cid, exchange_id, self._now()))
        if req.order_type is OrderType.LIMIT_MAKER:
            await self._check_post_only(cid)
        return self.tracker.get(cid)  # type: ignore[return-value]

    @staticmethod
    def _submit_params(req: OrderRequest, cid: str) -> dict[str, str]:
        params = {"symbol": to_symbol(req.pair), "side": req.side.value.lower(), "type": _TYPE_WIRE[req.order_type],
                  "client_order_id": cid}
        if req.order_type is OrderType.MARKET and req.side is Side.BUY:
            params["notional"] = _num(req.quote_amount)
        else:
            params["size"] = _num(req.amount)
        if req.price is not None and req.order_type is not OrderType.MARKET:
            params["price"] = _num(req.price)
        return params

    async def _check_post_only(self, cid: str) -> None:
        """BitMart accepts a crossing post-only order and cancels it at once: look once, raise if so."""
        with contextlib.suppress(ConnectorError):  # placed either way; the user stream tells the rest
            await self._apply_rest(await self.rest.query_client_order(cid))
        order = self.tracker.get(cid)
        if order is not None and order.state is OrderState.FAILED and order.reason == POST_ONLY_REASON:
            raise PostOnlyRejected(f"post-only order {cid} would have crossed the book and was cancelled by BitMart",
                                   connector="bitmart")

    async def cancel_order(self, pair: TradingPair, client_order_id: str) -> Order:
        """The order after the cancel request; OrderStateUnknown when the answer was lost and BitMart
        could not be asked (it may or may not be cancelled)."""
        self._require_credentials()
        rule_for(await self._rules_map(), pair)
        self.tracker.mark_cancel_requested(client_order_id)
        try:
            await self.rest.cancel_order(to_symbol(pair), client_order_id)
        except (OrderNotFound, OrderRejected) as exc:
            if isinstance(exc, OrderNotFound) and client_order_id not in self.tracker:
                raise
        except Exception as exc:
            if not is_uncertain(exc):
                raise
            return await self._after_lost_cancel(client_order_id)
        return await self.query_order(pair, client_order_id)

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

    async def query_order(self, pair: TradingPair, client_order_id: str) -> Order:
        self._require_credentials()
        return await self._apply_rest(await self.rest.query_client_order(client_order_id))

    async def open_orders(self, pair: TradingPair | None) -> list[Order]:
        self._require_credentials()
        rows = await self.rest.open_orders(to_symbol(pair) if pair else None)
        return [await self._apply_rest(row) for row in rows]

    async def fills(self, pair: TradingPair | None, since_ms: int | None) -> list[Fill]:
        self._require_credentials()
        rows = await self.rest.my_trades(to_symbol(pair) if pair else None, since_ms)
        return sorted((fill_from_v4(r) for r in rows), key=lambda f: (f.timestamp_ms, f.trade_id))

    def candles(self, pair: TradingPair, interval: str, since_s: int | None, until_s: int | None,
                follow: bool) -> AsyncIterator[Any]:
        """REST backfill, then (if `follow`) live candles from the kline channel; see candles.py."""
        if self._candles_obj is None:
            from bitmart_plugin.candles.feed import BitmartCandlesFeed

            self._candles_obj = BitmartCandlesFeed(self.rest, self.settings.ws_public_url)
        return self._candles_obj.stream(pair, interval, since_s, until_s, follow)

    async def close(self) -> None:
        """Stop the pump, close sockets and the HTTP client; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._background):
            task.cancel()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
        for owned in (self._streams_obj, self._candles_obj):
            if owned is not None:
                with contextlib.suppress(Exception):
                    await owned.close()
        await self.rest.close()
        self._redactor.remove()

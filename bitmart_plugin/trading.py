"""What the spot and perpetual BitMart sessions share: credentials, the user-stream pump, order entry, cancel, close.

`TradingSession` keeps every order in the tracker under OUR client order id before it is sent, sends it once,
and resolves a lost answer by asking the venue (resolution.py), never by sending again. The user stream
subscribes to the private socket first (its mailbox buffers), reconciles over REST, then applies pushes in
order, reconciling again after every reconnect and once `settle_s` after the start (the subscription race).

A subclass supplies the venue's side (abstract methods below): how to check a request and build what is sent,
how to send and cancel, how to look up and apply a REST order, what a private push means, and `reconcile`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from host_spec import (
    AuthError, BalanceEvent, ConnectorError, InvalidOrder, NetworkError, Order, OrderNotFound,
    OrderRejected, OrderRequest, OrderState, OrderType, PostOnlyRejected, TradingPair, cancel_and_wait,
)

from bitmart_plugin.errors_map import is_uncertain
from bitmart_plugin.orders import POST_ONLY_REASON, OrderTracker, check_client_order_id, new_client_order_id
from bitmart_plugin.redaction import redact_for
from bitmart_plugin.resolution import FOLLOW_UP_MAX_S, NOT_PLACED, RESOLVE_BUDGET_S, RESOLVE_DELAYS, Resolution
from bitmart_plugin.settings import BitmartSettings

__all__ = ["TradingSession"]

_RECONCILE = object()
_TICK = object()
log = logging.getLogger(__name__)
NO_CREDENTIALS = ("BitMart credentials are missing ({missing}): run `host-spec connect bitmart`, or set "
                  "BITMART_API_KEY, BITMART_SECRET_KEY and BITMART_MEMO")


class TradingSession(Resolution):
    """One BitMart account on one venue; every public method takes and returns host_spec models."""

    connector_id = "bitmart"
    #: seconds between `_on_tick` calls of the user-stream pump (None: no ticks)
    tick_s: float | None = None

    def __init__(self, settings: BitmartSettings, rest: Any, *, streams_factory: Callable[..., Any] | None = None,
                 resolve_delays: Iterable[float] = RESOLVE_DELAYS, resolve_budget_s: float = RESOLVE_BUDGET_S) -> None:
        self.settings = settings
        self._redactor = redact_for(self, (settings.api_key, settings.secret_key, settings.memo))
        self.rest = rest
        self.tracker = OrderTracker()
        self._streams_factory = streams_factory
        self._streams_obj: Any = None
        self._candles_obj: Any = None
        self.resolve_delays = tuple(resolve_delays)
        self.resolve_budget_s = resolve_budget_s
        self.settle_interval_s = 1.0  # first wait of the background follow-up of an unknown order
        self._placing: set[str] = set()  # client ids whose submit or resolution is in progress
        self._background: set[asyncio.Task[None]] = set()
        self._following: set[str] = set()  # client ids with a background follow-up running
        self._skipped: set[str] = set()  # placing when a reconciliation ran: asked about once placed
        self._subscribers: set[asyncio.Queue[Any]] = set()
        self._pump: asyncio.Task[None] | None = None
        self._started_ms = self._now()
        self._closed = False
        self.settle_s = 1.0
        self.reconciles = 0

    @staticmethod
    def _now() -> int:
        return int(time.time() * 1000)

    def _emit(self, events: Iterable[Any]) -> None:
        for ev in events:
            for q in self._subscribers:
                q.put_nowait(ev)

    def _streams(self) -> Any:
        if self._streams_obj is None:
            if self._streams_factory is None:
                self._streams_factory = self._default_streams()
            self._streams_obj = self._streams_factory(self.settings)
        return self._streams_obj

    def _default_streams(self) -> Callable[..., Any]:
        raise NotImplementedError

    # ---- credentials ----------------------------------------------------------------------------

    def _require_credentials(self) -> None:
        """AuthError before any request when a private call has no credentials (ccxt would fail vaguely later)."""
        if not self.settings.has_credentials:
            missing = [f"BITMART_{n.upper()}" for n in ("api_key", "secret_key", "memo") if getattr(self.settings, n) is None]
            raise AuthError(NO_CREDENTIALS.format(missing=", ".join(missing)), connector=self.connector_id)

    async def check_credentials(self) -> None:
        """Raise AuthError unless a SIGNED call succeeds (catches a wrong memo, unlike KEYED calls)."""
        self._require_credentials()
        await self.rest.check_signed()

    # ---- the user stream ------------------------------------------------------------------------

    async def user_stream(self) -> AsyncIterator[Any]:
        """Our events; starts the private socket pump on first use."""
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

    def _private_events(self) -> AsyncIterator[Any]:
        return self._streams().private_events()  # type: ignore[no-any-return]

    async def _run_pump(self) -> None:
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        stream = self._private_events()

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

        async def guarded(work: Callable[[], Any], again: object | None) -> None:
            """REST that cannot answer now (429 storm, 5xx) postpones the work (`again` is queued after a
            backoff; a tick just waits for the next one); it does not end the stream."""
            nonlocal retry_s
            try:
                await work()
                retry_s = self.settle_interval_s
            except AuthError:
                raise
            except ConnectorError as exc:
                log.warning("%s: REST follow-up failed (%s); trying again in %.1f s", self.connector_id, exc, retry_s)
                if again is not None:
                    timers.append(loop.call_later(retry_s, inbox.put_nowait, again))
                    retry_s = min(retry_s * 2, FOLLOW_UP_MAX_S)

        def tick() -> None:
            inbox.put_nowait(_TICK)
            if self.tick_s:
                timers.append(loop.call_later(self.tick_s, tick))

        if self.tick_s:
            timers.append(loop.call_later(self.tick_s, tick))
        try:
            await guarded(self.reconcile, _RECONCILE)
            while True:
                ev = await inbox.get()
                if isinstance(ev, BaseException):
                    raise ev
                if ev is _RECONCILE or type(ev).__name__ == "Reconnected":
                    await guarded(self.reconcile, _RECONCILE)
                elif ev is _TICK:
                    await guarded(self._on_tick, None)
                else:
                    await self._on_private(ev)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every consumer
            err = exc if isinstance(exc, ConnectorError) else NetworkError(f"user stream failed: {exc!r}",
                                                                             connector=self.connector_id)
            for q in self._subscribers:
                q.put_nowait(err)
        finally:
            for timer in timers:
                timer.cancel()
            reader.cancel()

    async def _on_private(self, event: Any) -> None:
        """Apply one private push (an order or balance update, ...)."""
        raise NotImplementedError

    async def _on_tick(self) -> None:
        """Periodic REST work of the pump (every `tick_s`)."""

    async def reconcile(self) -> None:
        """After a (re)connect: bring the tracker and balances up to date over REST."""
        raise NotImplementedError

    async def _recheck_unlisted(self, listed: set[str]) -> None:
        """Ask for every live tracked order the open-orders listing did not show (it finished, or its
        placement was unknown); one the venue still does not know was not placed."""
        for order in self.tracker.active():
            cid = order.client_order_id
            if cid in self._placing:
                self._skipped.add(cid)
            if cid in listed or cid in self._placing:
                continue
            try:
                await self._apply_rest(await self._lookup(cid))
            except OrderNotFound:
                if order.state is OrderState.PENDING_CREATE:  # its placement was unknown: now it is settled
                    self._emit(self.tracker.failed(cid, NOT_PLACED, self._now()))
            except ConnectorError:
                self._follow(cid)

    # ---- order entry ----------------------------------------------------------------------------

    async def _checked(self, request: OrderRequest) -> OrderRequest:
        """The request as it will be sent, checked against the rules (InvalidPair / InvalidOrder)."""
        raise NotImplementedError

    def _payload(self, request: OrderRequest, cid: str) -> Any:
        """What the submit sends (may still refuse the request with InvalidOrder)."""
        raise NotImplementedError

    def _size_step(self, request: OrderRequest) -> Decimal:
        return Decimal(0)

    async def _send_order(self, payload: Any) -> str:
        """Send once (never retried); the venue's order id."""
        raise NotImplementedError

    async def _send_cancel(self, pair: TradingPair, cid: str) -> None:
        raise NotImplementedError

    async def _check_pair(self, pair: TradingPair) -> None:
        """InvalidPair unless the venue lists `pair`."""
        raise NotImplementedError

    async def _lookup(self, cid: str, pair: TradingPair | None = None) -> Mapping[str, Any]:
        """The venue's REST order object for our client id (OrderNotFound when it does not know it)."""
        raise NotImplementedError

    def _exchange_id(self, raw: Mapping[str, Any]) -> str:
        raise NotImplementedError

    async def _apply_rest(self, raw: Mapping[str, Any]) -> Order:
        """Apply a REST order object to the tracker (fetching its new fills first); the order as known now."""
        raise NotImplementedError

    async def place_order(self, request: OrderRequest) -> Order:
        """Validate, track under our client id, send once, resolve lost answers by query.

        Returns the placed order; raises OrderStateUnknown when it may exist (never resend it); any other
        ConnectorError means it was not placed.
        """
        self._require_credentials()
        req = await self._checked(request)
        cid = check_client_order_id(req.client_order_id or new_client_order_id(), connector=self.connector_id)
        if cid in self.tracker:
            raise InvalidOrder(f"client order id {cid!r} was already used", rule="client_order_id",
                               connector=self.connector_id)
        payload = self._payload(req, cid)
        self.tracker.track(req, cid, self._now(), self._size_step(req))
        self._placing.add(cid)
        handed_over = False
        try:
            return await self._submit(req, cid, payload)
        except asyncio.CancelledError:  # the caller gave up; the order may still land: keep asking
            handed_over = True
            self._spawn(self._resolve_in_background(cid))
            raise
        finally:
            if not handed_over:
                self._done_placing(cid)

    async def _submit(self, req: OrderRequest, cid: str, payload: Any) -> Order:
        try:
            exchange_id = await self._send_order(payload)
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

    async def _check_post_only(self, cid: str) -> None:
        """BitMart accepts a crossing post-only order and cancels it at once: look once, raise if so."""
        with contextlib.suppress(ConnectorError):  # placed either way; the user stream tells the rest
            await self._apply_rest(await self._lookup(cid))
        order = self.tracker.get(cid)
        if order is not None and order.state is OrderState.FAILED and order.reason == POST_ONLY_REASON:
            raise PostOnlyRejected(f"post-only order {cid} would have crossed the book and was cancelled by BitMart",
                                   connector=self.connector_id)

    # ---- cancel and query -----------------------------------------------------------------------

    async def cancel_order(self, pair: TradingPair, client_order_id: str) -> Order:
        """The order after the cancel request; OrderStateUnknown when the answer was lost and BitMart
        could not be asked (it may or may not be cancelled)."""
        self._require_credentials()
        await self._check_pair(pair)
        self.tracker.mark_cancel_requested(client_order_id)
        try:
            await self._send_cancel(pair, client_order_id)
        except (OrderNotFound, OrderRejected) as exc:  # finished already: the query below says how
            if isinstance(exc, OrderNotFound) and client_order_id not in self.tracker:
                raise
        except Exception as exc:
            if not is_uncertain(exc):
                raise
            return await self._after_lost_cancel(client_order_id)
        return await self.query_order(pair, client_order_id)

    async def query_order(self, pair: TradingPair, client_order_id: str) -> Order:
        self._require_credentials()
        return await self._apply_rest(await self._lookup(client_order_id, pair))

    # ---- shutdown -------------------------------------------------------------------------------

    # ---- candles --------------------------------------------------------------------------------

    def candles(self, pair: TradingPair, interval: str, since_s: int | None, until_s: int | None,
                follow: bool) -> AsyncIterator[Any]:
        """REST backfill, then (if `follow`) live candles from the venue's kline channel (bitmart_plugin/candles)."""
        if self._candles_obj is None:
            self._candles_obj = self._candles_feed()
        return self._candles_obj.stream(pair, interval, since_s, until_s, follow)  # type: ignore[no-any-return]

    def _candles_feed(self) -> Any:
        """The venue's `BitmartCandlesFeed` (built on first use)."""
        raise NotImplementedError

    def _owned(self) -> list[Any]:
        """Objects with an async `close()` that end with the session (sockets, feeds)."""
        return [self._streams_obj, self._candles_obj]

    async def close(self) -> None:
        """Stop the pump, close sockets and the HTTP client; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._background):
            task.cancel()
        await cancel_and_wait([self._pump])
        for owned in self._owned():
            if owned is not None:
                with contextlib.suppress(Exception):
                    await owned.close()
        await self.rest.close()
        self._redactor.remove()


def balance_events(balances: Mapping[str, Any], now_ms: int) -> list[BalanceEvent]:
    """BalanceEvents for a REST balance snapshot."""
    return [BalanceEvent(b.asset, b.available, b.frozen, now_ms) for b in balances.values()]


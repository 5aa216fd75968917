"""PaperSession: the live connector's trading API and events, simulated on the base connector's public data.

The base connector is opened through the host's public API with no credentials. Its depth and trade
streams (venue timestamps) feed a Timeline, which releases them, merged with our own latency-delayed
orders and cancels, into the PaperEngine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Hashable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from host_spec.errors import ConnectorError, OrderNotFound, PostOnlyRejected, StreamError
from host_spec.rules import rule_for
from host_spec.tasks import cancel_and_wait
from host_spec.models import (
    Balance,
    FeeRates,
    Fill,
    Order,
    OrderBookView,
    OrderRequest,
    OrderState,
    OrderType,
    PublicTrade,
    TradingPair,
    TradingRule,
    UserEvent,
)
from host_spec.paper.balances import Wallet
from host_spec.paper.bounds import FillBounds
from host_spec.paper.engine import POST_ONLY_REASON, Event, PaperEngine
from host_spec.paper.fees import DEFAULT_FEES, FeeBook
from host_spec.paper.merge import Action, Timeline, VenueClock
from host_spec.paper.options import PaperOptions

__all__ = ["DEFAULT_FEES", "PaperSession"]

TICK_S = 0.005
T = TypeVar("T")


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a job's exception as seen: the callers that still wait get it; one nobody waits for is not logged."""
    if not task.cancelled():
        task.exception()


class PaperSession:
    """One paper account on one base connector (`<base>_paper_trade`)."""

    def __init__(self, connector_id: str, base_id: str, host: Any, options: PaperOptions,
                 order_types: tuple[OrderType, ...]) -> None:
        self.connector_id = connector_id
        self.base_id = base_id
        self.host = host
        self.options = options
        self.order_types = order_types
        self.wallet = Wallet(options.balances, connector_id)
        self.timeline = Timeline(options.reorder_ms)
        self.clock = VenueClock()
        self.engine: PaperEngine | None = None
        self.bounds: FillBounds | None = None
        self.fees = FeeBook(options)
        self.fee_source = self.fees.source  # where each pair's rates came from (the report prints it)
        self._base: Any = None
        self._pairs: dict[TradingPair, asyncio.Event] = {}
        self._jobs: dict[Hashable, asyncio.Task[Any]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribers: set[asyncio.Queue[Any]] = set()
        self._closed = False
        self._failure: BaseException | None = None
        self.store: Any = self._open_store(options.persist_path) if options.persist_path else None
        if self.store is not None:
            self.store.load_wallet(self.wallet)

    def _open_store(self, path: str) -> Any:
        from host_spec.paper.store import PaperStore

        return PaperStore(path)

    def venue_now(self) -> int:
        """The venue's clock as best we know it (merge.VenueClock)."""
        return self.clock.now()

    # -- setup jobs ------------------------------------------------------------------------------
    def _spawn(self, key: Hashable, make: Callable[[], Coroutine[Any, Any, T]]) -> asyncio.Task[T]:
        """The session's own task for one piece of setup, shared by concurrent callers (started again if it failed)."""
        job = self._jobs.get(key)
        if job is None or (job.done() and (job.cancelled() or job.exception() is not None)):
            job = self._jobs[key] = asyncio.get_running_loop().create_task(make())
            job.add_done_callback(_retrieve)
        return job

    async def _job(self, key: Hashable, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Await a setup job. A caller's timeout or cancellation ends its wait, never the job: cut short halfway,
        setup would leave the session broken (a pair marked started whose streams never start)."""
        return await asyncio.shield(self._spawn(key, make))

    # -- base connector and engine ---------------------------------------------------------------
    async def base(self) -> Any:
        """The base connector's connection (public data only), opened on first use."""
        if self._base is None:
            self._base = await self._job("base", lambda: self.host.open(self.base_id, {}, self.options.base_options))
        return self._base

    async def _engine(self) -> PaperEngine:
        return self.engine if self.engine is not None else await self._job("engine", self._make_engine)

    async def _make_engine(self) -> PaperEngine:
        """The engine (with the stored account, if any) and the clock that drains the timeline. Pairs with
        restored open orders start their streams now: those orders rejoin their queues without a new order."""
        rules = await (await self.base()).trading_rules()
        engine = self._new_engine(rules)
        if self.options.bounds:
            self.bounds = FillBounds(self.connector_id, rules, self.fees, order_types=self.order_types,
                                     shadow=self.options.shadow)
        if self.store is not None:
            self.store.load_engine(engine)
        self.engine = engine
        self._tasks.append(asyncio.get_running_loop().create_task(self._ticker()))
        for pair in self._pairs_to_resume(engine):
            self._spawn(("pair", pair), functools.partial(self._open_pair, pair))
        return engine

    def _new_engine(self, rules: Mapping[TradingPair, TradingRule]) -> PaperEngine:
        return PaperEngine(self.connector_id, rules, self.fees, self.wallet, order_types=self.order_types,
                           model=self.options.queue_model, k=self.options.queue_k, shadow=self.options.shadow)

    def _pairs_to_resume(self, engine: PaperEngine) -> set[TradingPair]:
        """Pairs whose streams a restored account needs at once: those with open orders."""
        return {w.order.pair for w in engine.orders.values() if not w.order.state.is_done}

    async def _ready(self, pair: TradingPair) -> PaperEngine:
        """Engine up, the pair's streams running and its first book view applied."""
        engine = await self._engine()
        if pair not in engine.rules:
            return engine  # validation raises InvalidPair
        if pair not in self._pairs:
            await self._job(("pair", pair), functools.partial(self._open_pair, pair))
        try:
            async with asyncio.timeout(self.options.book_timeout_s):
                await self._pairs[pair].wait()
        except asyncio.TimeoutError:
            raise StreamError(f"no order book for {pair} from {self.base_id} within {self.options.book_timeout_s} s",
                              connector=self.connector_id) from None
        return engine

    async def _open_pair(self, pair: TradingPair) -> None:
        """Fee rates, then the pair's book and trade streams into the timeline (`_pairs[pair]` is set on its first view)."""
        await self.fees.resolve(pair, self.base)
        base = await self.base()
        loop = asyncio.get_running_loop()
        self._pairs[pair] = asyncio.Event()
        self._tasks.append(loop.create_task(self._feed(base.order_book(pair, self.options.depth), pair)))
        self._tasks.append(loop.create_task(self._feed(base.trades(pair), None)))

    async def _feed(self, stream: AsyncIterator[OrderBookView | PublicTrade], pair: TradingPair | None) -> None:
        try:
            async for event in stream:
                self.clock.observe(event.timestamp_ms)
                self.timeline.push_event(event)
                self._drain()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the user stream reports it
            self._failure = exc
            self._publish([exc])  # type: ignore[list-item]

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self._drain()

    def _drain(self) -> None:
        engine = self.engine
        if engine is None:
            return
        out: list[Event] = []
        for item in self.timeline.release(self.timeline.watermark(self.venue_now())):
            if isinstance(item, Action):
                out += (item.run(item.at_ms, item.peek) if item.pair is not None else item.run(item.at_ms)) or []
            elif isinstance(item, PublicTrade):
                out += engine.on_trade(item)
                if self.bounds is not None:
                    self.bounds.on_trade(item)
            else:
                out += engine.on_view(item)
                if self.bounds is not None:
                    self.bounds.on_view(item)
                ready = self._pairs.get(item.pair)
                if ready is not None:
                    ready.set()
        self._publish(out)

    def _publish(self, events: list[Event]) -> None:
        if not events:
            return
        if self.store is not None and self.engine is not None:
            self.store.save(self.engine, events)
        for q in self._subscribers:
            for ev in events:
                q.put_nowait(ev)

    async def _at(self, delay_ms: int, run: Any, pair: TradingPair | None = None, at_ms: int | None = None) -> Any:
        """Run `run(venue_ms)` in the merged timeline `delay_ms` from now (or at venue time `at_ms`).

        With `pair`: `run(venue_ms, peek)`, held for the pair's look-ahead view (options.lookahead_ms)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def act(ts: int, *peek: Any) -> list[Event]:
            # the caller may have stopped waiting (a timeout): the action happens all the same, as at a venue
            try:
                events = run(ts, *peek)
            except Exception as exc:
                if not fut.done():
                    fut.set_exception(exc)
                return []
            if not fut.done():
                fut.set_result(None)
            return events

        self.timeline.push_action(Action(self.venue_now() + delay_ms if at_ms is None else at_ms, act, pair=pair,
                                         wait_ms=self.options.lookahead_ms if pair is not None else 0))
        self._drain()
        await fut
        if self.options.response_latency_ms:
            await asyncio.sleep(self.options.response_latency_ms / 1000)

    # -- trading API -----------------------------------------------------------------------------
    async def check_credentials(self) -> None:
        """Paper trading needs no credentials."""

    async def trading_rules(self) -> Mapping[TradingPair, TradingRule]:
        return dict((await self._engine()).rules)

    async def fee_rates(self, pair: TradingPair) -> FeeRates:
        engine = await self._engine()
        rule_for(engine.rules, pair, connector=self.connector_id)
        if pair not in self.fees.rates:
            await self.fees.resolve(pair, self.base)
        return self.fees.rates[pair]

    async def place_order(self, request: OrderRequest, *, arrive_at_ms: int | None = None) -> Order:
        """Submit now; the order reaches the venue after the entry latency, or at venue time `arrive_at_ms`
        when the caller knows it (a replay, or a twin of a live order whose arrival the venue reported).
        A time the merged streams have already passed is applied late (counted in `timeline.late_actions`)."""
        engine = await self._ready(request.pair)
        try:
            order, events = engine.submit(request, self.venue_now())
        except ConnectorError:
            if self.store is not None:
                self.store.save_counter(engine)  # the failed submit may have used a number
            raise
        self._publish(list(events))
        cid = order.client_order_id
        if self.bounds is not None:
            self.bounds.submit(request, cid, order.created_ms)
        await self._at(self.options.entry_latency_ms, lambda ts, peek=None: self._arrive(engine, cid, ts, peek), request.pair,
                       arrive_at_ms)
        final = engine.orders[cid].order
        if final.state is OrderState.FAILED and final.reason == POST_ONLY_REASON:
            raise PostOnlyRejected(f"post-only order {cid} would have crossed the book and was cancelled by the venue",
                                   connector=self.connector_id)
        return final

    async def cancel_order(self, pair: TradingPair, client_order_id: str, *, arrive_at_ms: int | None = None) -> Order:
        """Cancel after the cancel latency (or at venue time `arrive_at_ms`, as for place_order)."""
        engine = await self._engine()
        if client_order_id not in engine.orders:
            raise OrderNotFound(f"no paper order {client_order_id}", connector=self.connector_id)
        await self._at(self.options.cancel_latency_ms, lambda ts: self._cancel(engine, client_order_id, ts),
                       at_ms=arrive_at_ms)
        return engine.orders[client_order_id].order

    def _arrive(self, engine: PaperEngine, cid: str, ts: int, peek: Any) -> list[Event]:
        if self.bounds is not None:
            self.bounds.arrive(cid, ts, peek)
        return engine.arrive(cid, ts, peek)

    def _cancel(self, engine: PaperEngine, cid: str, ts: int) -> list[Event]:
        if self.bounds is not None:
            self.bounds.cancel(cid, ts)
        return engine.cancel(cid, ts)

    def fill_bounds(self, client_order_id: str) -> tuple[Decimal, Decimal] | None:
        """With the `bounds` option: the order's filled amount under the pessimistic (`back`) and optimistic
        (`front`) queue models, run side by side on the same data; None without it (or for a restored order)."""
        return self.bounds.filled(client_order_id) if self.bounds is not None else None

    async def cancel_all_orders(self, pair: TradingPair | None) -> list[Order]:
        todo = [o for o in await self.open_orders(pair)]
        return list(await asyncio.gather(*(self.cancel_order(o.pair, o.client_order_id) for o in todo)))

    async def query_order(self, pair: TradingPair, client_order_id: str) -> Order:
        engine = await self._engine()
        w = engine.orders.get(client_order_id)
        if w is None:
            raise OrderNotFound(f"no paper order {client_order_id}", connector=self.connector_id)
        return w.order

    async def open_orders(self, pair: TradingPair | None) -> list[Order]:
        engine = await self._engine()
        return [w.order for w in engine.orders.values()
                if not w.order.state.is_done and (pair is None or w.order.pair == pair)]

    async def balances(self) -> Mapping[str, Balance]:
        return self.wallet.snapshot()

    async def fills(self, pair: TradingPair | None, since_ms: int | None) -> list[Fill]:
        engine = await self._engine()
        return [f for f in engine.fills if (pair is None or f.pair == pair) and (since_ms is None or f.timestamp_ms >= since_ms)]

    async def order_book(self, pair: TradingPair, depth: int) -> AsyncIterator[OrderBookView]:
        base = await self.base()
        async for view in base.order_book(pair, depth):
            yield view

    async def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        base = await self.base()
        async for trade in base.trades(pair):
            yield trade

    async def user_stream(self) -> AsyncIterator[UserEvent]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise StreamError(f"{self.base_id} public stream failed: {item}", connector=self.connector_id)
                yield item
        finally:
            self._subscribers.discard(queue)

    def report(self) -> str:
        """Orders, fills, fees and PnL so far, as text."""
        from host_spec.paper.report import build_report

        return build_report(self)

    async def close(self) -> None:
        """Stop the feeds, save, close the base connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await cancel_and_wait(list(self._jobs.values()))
        await cancel_and_wait(self._tasks)
        if self.store is not None:
            if self.engine is not None:
                self.store.save(self.engine, [])
            self.store.close()
        if self._base is not None:
            with contextlib.suppress(Exception):
                await self._base.close()

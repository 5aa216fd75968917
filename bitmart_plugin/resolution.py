"""Order requests that got no usable answer: ask BitMart by our client id, never send again.

A submit or cancel whose answer was lost (timeout, dropped connection, 5xx) may or may not have been
carried out. `place_order` turns that into one of three outcomes (documented on
`host_spec.Connection.place_order`):

- BitMart knows the client id: the order is placed; the tracker applies what BitMart says.
- BitMart still does not know it once the whole backoff schedule has passed: not placed (FAILED; the
  host may retry).
- No answer within the budget (429 storms, 5xx, timeouts): `OrderStateUnknown`. The order stays
  pending, and a follow-up keeps asking in the background, through the throttle and backing off, until
  BitMart answers (unless the user stream or a reconciliation settles it first); the tracker then
  emits the settling event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from host_spec import (
    BalanceEvent, ConnectorError, NetworkError, Order, OrderEvent, OrderNotFound, OrderState, OrderStateUnknown,
)

from bitmart_plugin.orders import OrderTracker

RESOLVE_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
RESOLVE_BUDGET_S = 20.0
FOLLOW_UP_MAX_S = 30.0
NOT_PLACED = "no answer to the order request and BitMart does not know the order"
_NO_ANSWER = (ConnectorError, asyncio.TimeoutError)


class Resolution:
    """Mixin of the trading sessions (spot and perpetual): the lost-answer paths of order entry and cancel.

    The session says how to ask the venue about one of our orders (`_lookup`), how to apply the answer
    (`_apply_rest`) and where the venue's order id is in it (`_exchange_id`)."""

    connector_id: str
    tracker: OrderTracker
    resolve_delays: tuple[float, ...]
    resolve_budget_s: float
    settle_interval_s: float
    _placing: set[str]
    _background: set[asyncio.Task[None]]
    _following: set[str]
    _skipped: set[str]  # placing orders a reconciliation passed over: asked about once their placing ends

    if TYPE_CHECKING:  # provided by the session
        async def _lookup(self, cid: str) -> Mapping[str, Any]: ...
        def _exchange_id(self, raw: Mapping[str, Any]) -> str: ...
        async def _apply_rest(self, raw: Mapping[str, Any]) -> Order: ...
        def _emit(self, events: Iterable[OrderEvent | BalanceEvent]) -> None: ...
        @staticmethod
        def _now() -> int: ...

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _done_placing(self, cid: str) -> None:
        """The submit (and its resolution) of `cid` is over. A reconciliation that ran meanwhile could not ask
        about it, and what the venue said during the resolution may be older than a push lost since: follow up."""
        self._placing.discard(cid)
        if cid in self._skipped:
            self._skipped.discard(cid)
            self._follow(cid)

    def _follow(self, cid: str) -> None:
        """Start the background follow-up of `cid` unless one is running."""
        if cid not in self._following:
            self._following.add(cid)
            self._spawn(self._follow_up(cid))

    async def _ask(self, cid: str, step: int, deadline: float) -> Mapping[str, Any]:
        """One query for `cid` after the step's backoff; raises OrderNotFound, ConnectorError or TimeoutError."""
        delays = self.resolve_delays or (0.5,)
        await asyncio.sleep(delays[min(step, len(delays) - 1)])
        left = deadline - asyncio.get_running_loop().time()
        async with asyncio.timeout(max(0.1, left)):
            return await self._lookup(cid)

    async def _resolve(self, cid: str) -> Order:
        """The submit's answer was lost: the placed order, or NetworkError (not placed), or OrderStateUnknown."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.resolve_budget_s
        last: BaseException | None = None
        step = 0
        while True:
            known = self.tracker.get(cid)
            if known is not None and known.state is not OrderState.PENDING_CREATE:
                return known  # the user stream settled it first
            try:
                raw = await self._ask(cid, step, deadline)
            except OrderNotFound as exc:
                if step + 1 >= len(self.resolve_delays):  # the whole schedule has passed: it would be known
                    self._emit(self.tracker.failed(cid, NOT_PLACED, self._now()))
                    order = self.tracker.get(cid)
                    if order is not None and order.reason != NOT_PLACED:
                        return order  # the user stream reported it while we asked
                    raise NetworkError(f"order {cid} was not placed: the request got no answer and BitMart does not "
                                       "know it; it is safe to send again", connector=self.connector_id) from None
                last = exc
            except _NO_ANSWER as exc:
                last = exc
            else:
                return await self._found(cid, raw)
            step += 1
            if loop.time() >= deadline:
                break
        self._follow(cid)
        raise OrderStateUnknown(
            f"order {cid}: the request got no answer and BitMart could not be asked within "
            f"{self.resolve_budget_s:g} s (last: {_describe(last)}); the order may exist: do not send it again, "
            "the user stream will report its state", client_order_id=cid, connector=self.connector_id)

    async def _resolve_in_background(self, cid: str) -> None:
        """For a caller that gave up (cancelled) while its order was in flight; `cid` is in `_placing`."""
        try:
            await self._resolve(cid)
        except (ConnectorError, asyncio.TimeoutError):
            pass
        finally:
            self._done_placing(cid)

    async def _found(self, cid: str, raw: Mapping[str, Any]) -> Order:
        """BitMart knows the order. If its fills cannot be fetched now, it is accepted and followed up."""
        try:
            return await self._apply_rest(raw)
        except _NO_ANSWER:
            self._emit(self.tracker.accepted(cid, self._exchange_id(raw), self._now()))
            self._follow(cid)
            return self.tracker.get(cid)  # type: ignore[return-value]

    async def _follow_up(self, cid: str) -> None:
        """Keep asking about `cid`, backing off to 30 s, until BitMart's answer is applied (or it is done)."""
        try:
            await self._follow_up_loop(cid)
        finally:
            self._following.discard(cid)

    async def _follow_up_loop(self, cid: str) -> None:
        wait = self.settle_interval_s
        while True:
            await asyncio.sleep(wait)
            order = self.tracker.get(cid)
            if order is None or order.state.is_done:
                return
            try:
                await self._apply_rest(await self._lookup(cid))
                return
            except OrderNotFound:
                if order.state is OrderState.PENDING_CREATE:
                    self._emit(self.tracker.failed(cid, NOT_PLACED, self._now()))
                return
            except ConnectorError:
                wait = min(wait * 2, FOLLOW_UP_MAX_S)

    async def _after_lost_cancel(self, cid: str) -> Order:
        """The cancel's answer was lost: the order as BitMart reports it, or OrderStateUnknown."""
        deadline = asyncio.get_running_loop().time() + self.resolve_budget_s
        last: BaseException | None = None
        step = 0
        while asyncio.get_running_loop().time() < deadline:
            try:
                return await self._found(cid, await self._ask(cid, step, deadline))
            except OrderNotFound:
                known = self.tracker.get(cid)
                if known is None or known.state is not OrderState.PENDING_CREATE:
                    raise
                last = OrderNotFound("BitMart does not know it yet", connector=self.connector_id)
            except _NO_ANSWER as exc:
                last = exc
            step += 1
        if cid in self.tracker:
            self._follow(cid)
        raise OrderStateUnknown(
            f"order {cid}: the cancel request got no answer and BitMart could not be asked within "
            f"{self.resolve_budget_s:g} s (last: {_describe(last)}); it may or may not be cancelled, the user "
            "stream will report its state", client_order_id=cid, connector=self.connector_id)


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no attempt"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"

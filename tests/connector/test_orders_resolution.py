"""Lost or failed answers to an order request are resolved by querying our client id, never by resending.

place_order has three outcomes: the order (placed), OrderStateUnknown (may exist: never resend), any
other ConnectorError (not placed: safe to retry).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import (
    InsufficientBalance, NetworkError, OrderEvent, OrderEventKind, OrderNotFound, OrderRequest, OrderState,
    OrderStateUnknown, OrderType, PostOnlyRejected, RateLimited, Side,
)

from bitmart_plugin.settings import load_settings
from bitmart_plugin.spot.connector import BitmartSpotSession

from .conftest import BTC_USDT


class FakeRest:
    """Just enough of BitmartRest; `submit_error` is raised after the venue 'acted' (or not)."""

    def __init__(self, rules, *, submit_error: Exception | None = None, acted: bool = True,
                 not_found_times: int = 0, state: str = "new", cancel_source: str = "",
                 query_errors: list[Exception] | None = None) -> None:
        self.rules, self.submit_error, self.acted = rules, submit_error, acted
        self.not_found_times, self.state, self.cancel_source = not_found_times, state, cancel_source
        self.query_errors = list(query_errors or [])  # raised by the next queries, in order
        self.fail_queries: Callable[[], Exception] | None = None  # raises a new error on every query while set
        self.submits: list[dict[str, Any]] = []
        self.queries = 0
        self.venue: dict[str, dict[str, Any]] = {}

    async def trading_rules(self):
        return self.rules

    async def submit_order(self, params):
        self.submits.append(dict(params))
        cid = params["client_order_id"]
        if self.acted:
            self.venue[cid] = {"orderId": "77", "clientOrderId": cid, "symbol": "BTC_USDT", "state": self.state,
                               "filledSize": "0", "filledNotional": "0", "cancelSource": self.cancel_source}
        if self.submit_error:
            raise self.submit_error
        return "77"

    async def query_client_order(self, cid):
        self.queries += 1
        if self.fail_queries is not None:
            raise self.fail_queries()
        if self.query_errors:
            raise self.query_errors.pop(0)
        if self.queries <= self.not_found_times or cid not in self.venue:
            raise OrderNotFound("order not found", code=50005, connector="bitmart")
        return self.venue[cid]

    async def cancel_order(self, symbol, cid):
        if cid in self.venue:
            self.venue[cid]["state"] = "canceled"
        raise NetworkError("connection closed", connector="bitmart")  # carried out, answer lost

    async def order_trades(self, order_id):
        return []

    async def my_trades(self, symbol, since_ms):
        return []

    async def open_orders(self, symbol):
        if self.fail_queries is not None:
            raise self.fail_queries()
        return [row for row in self.venue.values() if row["state"] == "new"]

    async def balances(self):
        return {}

    async def close(self):
        pass


class QuietStreams:
    """A private socket that never pushes: events come only from REST (resolution, reconciliation)."""

    def __init__(self, settings: Any) -> None:
        pass

    async def private_events(self) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield None  # pragma: no cover

    async def close(self) -> None:
        pass


def make(rules, **kw) -> tuple[BitmartSpotSession, FakeRest]:
    rest = FakeRest(rules, **kw)
    s = BitmartSpotSession(load_settings(api_key="k", secret_key="s", memo="m"), rest=rest,  # type: ignore[arg-type]
                           resolve_delays=(0, 0, 0, 0.001), resolve_budget_s=0.05, streams_factory=QuietStreams)
    s.settle_interval_s = 0.01
    return s, rest


def rate_limited() -> RateLimited:
    return RateLimited("BitMart rate limit reached on order query", retry_after=2, code=30013, connector="bitmart")


async def consume(s: BitmartSpotSession, into: list[OrderEvent]) -> asyncio.Task[None]:
    async def run() -> None:
        async for ev in s.user_stream():
            if isinstance(ev, OrderEvent):
                into.append(ev)

    task = asyncio.get_running_loop().create_task(run())
    await asyncio.sleep(0)
    return task


async def wait_for(predicate, what: str) -> None:
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


REQ = OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), D("30000"))


async def test_lost_response_is_resolved_by_query_not_resend(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"), not_found_times=2)
    order = await s.place_order(REQ)
    assert len(rest.submits) == 1 and rest.queries == 3
    assert order.state is OrderState.OPEN and order.exchange_order_id == "77"
    assert order.client_order_id == rest.submits[0]["client_order_id"]
    assert len(order.client_order_id) == 32 and order.client_order_id.isalnum()


async def test_not_acted_then_not_found_fails_without_resend(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("503", connector="bitmart"), acted=False)
    with pytest.raises(NetworkError, match="was not placed"):
        await s.place_order(REQ)
    assert len(rest.submits) == 1 and rest.queries == 4
    assert s.tracker.orders()[0].state is OrderState.FAILED


async def test_rejection_marks_failed(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=InsufficientBalance("no money", code=50020, connector="bitmart"), acted=False)
    with pytest.raises(InsufficientBalance):
        await s.place_order(REQ)
    assert rest.queries == 0 and s.tracker.orders()[0].state is OrderState.FAILED


async def test_post_only_accept_then_cancel_raises(btc_rules) -> None:
    s, rest = make(btc_rules, state="canceled", cancel_source="system")
    with pytest.raises(PostOnlyRejected):
        await s.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), D("30000")))
    assert s.tracker.orders()[0].state is OrderState.FAILED


async def test_wire_params(btc_rules) -> None:
    s, rest = make(btc_rules)
    await s.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.MARKET, quote_amount=D("12.5")))
    await s.place_order(OrderRequest(BTC_USDT, Side.SELL, OrderType.LIMIT, D("0.00100"), D("30000.10"), client_order_id="mine1"))
    a, b = rest.submits
    assert a["notional"] == "12.5" and "size" not in a and "price" not in a and a["type"] == "market"
    assert b == {"symbol": "BTC_USDT", "side": "sell", "type": "limit", "client_order_id": "mine1", "size": "0.00100",
                 "price": "30000.10"}


async def test_429_and_5xx_while_resolving_keep_asking_until_the_venue_answers(btc_rules) -> None:
    lost = NetworkError("connection closed", connector="bitmart")
    s, rest = make(btc_rules, submit_error=lost,
                   query_errors=[rate_limited(), NetworkError("503", code=30014, connector="bitmart"), rate_limited()])
    order = await s.place_order(REQ)
    assert len(rest.submits) == 1 and rest.queries == 4
    assert order.state is OrderState.OPEN and order.exchange_order_id == "77"


async def test_no_answer_within_the_budget_is_state_unknown_never_retryable(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"))
    rest.fail_queries = rate_limited
    with pytest.raises(OrderStateUnknown) as e:
        await s.place_order(REQ)
    assert not isinstance(e.value, (RateLimited, NetworkError))  # a host that retries those must not resend
    cid = rest.submits[0]["client_order_id"]
    assert e.value.client_order_id == cid and cid in str(e.value) and "do not" in str(e.value).lower()
    assert len(rest.submits) == 1 and rest.queries > 4
    assert s.tracker.get(cid).state is OrderState.PENDING_CREATE  # kept pending, not FAILED
    await s.close()


async def test_unknown_order_is_settled_later_with_one_settling_event(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"))
    events: list[OrderEvent] = []
    task = await consume(s, events)
    rest.fail_queries = rate_limited
    with pytest.raises(OrderStateUnknown) as e:
        await s.place_order(REQ)
    cid = e.value.client_order_id
    assert not [ev for ev in events if ev.order.client_order_id == cid]
    rest.fail_queries = None  # the venue answers again
    await wait_for(lambda: any(ev.order.client_order_id == cid for ev in events), "the settling event")
    await asyncio.sleep(0.05)
    mine = [ev.kind for ev in events if ev.order.client_order_id == cid]
    assert mine == [OrderEventKind.CREATED] and s.tracker.get(cid).state is OrderState.OPEN
    task.cancel()
    await s.close()


async def test_unknown_order_the_venue_never_saw_settles_as_failed(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"), acted=False)
    events: list[OrderEvent] = []
    task = await consume(s, events)
    rest.fail_queries = lambda: NetworkError("503", code=30014, connector="bitmart")
    with pytest.raises(OrderStateUnknown) as e:
        await s.place_order(REQ)
    rest.fail_queries = None  # now BitMart answers: it does not know the order
    cid = e.value.client_order_id
    await wait_for(lambda: s.tracker.get(cid).state is OrderState.FAILED, "the order to settle as failed")
    assert [ev.kind for ev in events if ev.order.client_order_id == cid] == [OrderEventKind.FAILED]
    assert len(rest.submits) == 1
    task.cancel()
    await s.close()


async def test_a_429_on_the_submit_itself_is_not_placed_and_retryable(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=rate_limited(), acted=False)
    with pytest.raises(RateLimited):
        await s.place_order(REQ)
    assert rest.queries == 0 and s.tracker.orders()[0].state is OrderState.FAILED


def test_the_three_outcomes_are_documented_on_the_public_api() -> None:
    import inspect

    from host_spec import Connection, hookspecs

    doc = inspect.getdoc(Connection.place_order) or ""
    assert "OrderStateUnknown" in doc and "do NOT send it again" in doc
    assert "not placed, safe to retry" in doc and "RateLimited" in doc and "placed: returns the Order" in doc
    assert "OrderStateUnknown" in (hookspecs.place_order.__doc__ or "")
    assert "not a `NetworkError` or `RateLimited`" in (inspect.getdoc(OrderStateUnknown) or "")


async def test_lost_cancel_answer_without_a_venue_answer_is_state_unknown_not_rate_limited(btc_rules) -> None:
    s, rest = make(btc_rules)
    order = await s.place_order(REQ)
    rest.fail_queries = rate_limited
    with pytest.raises(OrderStateUnknown, match="may or may not be cancelled") as e:
        await s.cancel_order(BTC_USDT, order.client_order_id)
    assert e.value.client_order_id == order.client_order_id
    await s.close()


async def test_reconciliation_settles_an_unknown_order(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"), state="filled")
    s.settle_s = s.settle_interval_s = 3600.0  # no timer, no background follow-up: only reconcile() can settle it
    events: list[OrderEvent] = []
    task = await consume(s, events)
    await wait_for(lambda: s.reconciles == 1, "the first reconciliation")
    rest.fail_queries = rate_limited
    with pytest.raises(OrderStateUnknown) as e:
        await s.place_order(REQ)
    rest.fail_queries = None
    await s.reconcile()  # as after a reconnect; the order is filled, so not among the open orders
    await wait_for(lambda: bool(events), "the settling event")
    cid = e.value.client_order_id
    assert [ev.kind for ev in events if ev.order.client_order_id == cid] == [OrderEventKind.CREATED, OrderEventKind.FILLED]
    task.cancel()
    await s.close()

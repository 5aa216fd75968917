"""A caller that times out or cancels `place_order` never breaks the paper session: its tasks keep running."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from host_spec import (
    Host,
    OrderEvent,
    OrderEventKind,
    OrderNotFound,
    OrderRequest,
    OrderState,
    OrderType,
    Side,
    StreamError,
    TradingPair,
)
from host_spec.paper.options import PaperOptions
from host_spec.paper.session import PaperSession

from tests.paper.helpers import FEES, PAIR, RULE, view

BTC = TradingPair("BTC", "USDT")


class _SlowFeeBase:
    """A base connection (public data) whose fee-rate request takes a while, like a REST call does."""

    def __init__(self) -> None:
        self.fee_calls = 0

    async def trading_rules(self) -> dict[Any, Any]:
        return {PAIR: RULE}

    async def fee_rates(self, pair: TradingPair) -> Any:
        self.fee_calls += 1
        await asyncio.sleep(0.3)
        return FEES

    async def order_book(self, pair: TradingPair, depth: int) -> AsyncIterator[Any]:
        while True:
            yield view(time.time_ns() // 1_000_000, [("99.00", "1")], [("100.00", "1")])
            await asyncio.sleep(0.01)

    async def trades(self, pair: TradingPair) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield  # pragma: no cover

    async def close(self) -> None:
        pass


class _Host:
    def __init__(self, base: _SlowFeeBase) -> None:
        self.base = base

    async def open(self, connector_id: str, credentials: Any, options: Any) -> _SlowFeeBase:
        return self.base


async def test_a_timeout_during_the_first_orders_setup_does_not_leave_the_pair_without_a_book() -> None:
    options = PaperOptions.parse({"book_timeout_s": 2, "lookahead_ms": 0, "reorder_ms": 0})
    session = PaperSession("x_paper_trade", "x", _Host(_SlowFeeBase()), options, (OrderType.LIMIT,))
    try:
        request = OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal("98.00"))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(session.place_order(request), 0.05)  # while the fee rates are being fetched
        order = await asyncio.wait_for(session.place_order(request), 5)
        assert order.state is OrderState.OPEN
    finally:
        await session.close()


async def test_cancelling_place_order_at_any_point_leaves_the_session_working(plugin_path: Path) -> None:
    """fakex runs in memory, so cancelling after 0, 1, 2 ... loop turns reaches every await in place_order."""
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())
    async with await host.open("fakex_paper_trade", {}, {"balance": "USDT=100000,BTC=2", "reorder_ms": 0}) as conn:
        events: list[Any] = []
        errors: list[StreamError] = []

        async def collect() -> None:
            try:
                async for ev in conn.user_stream():
                    events.append(ev)
            except StreamError as exc:
                errors.append(exc)

        collector = asyncio.create_task(collect())
        await asyncio.sleep(0)
        for turns in range(40):
            request = OrderRequest(BTC, Side.BUY, OrderType.LIMIT, Decimal("0.1"), Decimal(90), client_order_id=f"c{turns}")
            caller = asyncio.create_task(conn.place_order(request))
            for _ in range(turns):
                await asyncio.sleep(0)
            caller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await caller
        # every order whose submit was taken reaches the venue, and its events are published
        submitted = []
        for turns in range(40):
            with contextlib.suppress(OrderNotFound):
                submitted.append((await conn.query_order(BTC, f"c{turns}")).client_order_id)
        assert submitted
        for _ in range(200):
            states = {(await conn.query_order(BTC, cid)).state for cid in submitted}
            if states == {OrderState.OPEN}:
                break
            await asyncio.sleep(0.01)
        assert states == {OrderState.OPEN}
        later = await asyncio.wait_for(conn.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, Decimal("0.1"),
                                                                     Decimal(90))), 5)
        assert later.state is OrderState.OPEN
        assert (await asyncio.wait_for(conn.cancel_order(BTC, later.client_order_id), 5)).state is OrderState.CANCELED
        await asyncio.sleep(0.05)
        collector.cancel()
        created = {e.order.client_order_id for e in events if isinstance(e, OrderEvent) and e.kind is OrderEventKind.CREATED}
        assert set(submitted) <= created and not errors


@pytest.mark.e2e
async def test_a_place_order_timeout_on_the_live_feed_leaves_the_session_working() -> None:
    """The order outlives its caller's timeout (entry latency 300 ms): it still arrives, and the feed and
    timeline carry on."""
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())
    venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": 20, "seed": 4})
    try:
        async with await host.open("bitmart_paper_trade", {}, {**venue.options, "entry_latency_ms": 300,
                                                               "balance": "USDT=100000,BTC=1"}) as conn:
            events: list[Any] = []
            errors: list[StreamError] = []

            async def collect() -> None:
                try:
                    async for ev in conn.user_stream():
                        events.append(ev)
                except StreamError as exc:
                    errors.append(exc)

            collector = asyncio.create_task(collect())
            book = await conn.order_book(BTC, 5).__anext__()
            far = (book.bids[0][0] / 2).quantize(Decimal("0.01"))
            warm = await conn.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), far))
            assert warm.state is OrderState.OPEN
            late = OrderRequest(BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), far, client_order_id="late1")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(conn.place_order(late), 0.02)
            for _ in range(200):
                if any(isinstance(e, OrderEvent) and e.order.client_order_id == "late1" for e in events):
                    break
                await asyncio.sleep(0.01)
            assert (await conn.query_order(BTC, "late1")).state is OrderState.OPEN
            assert [e.kind for e in events if isinstance(e, OrderEvent) and e.order.client_order_id == "late1"] == [
                OrderEventKind.CREATED]
            cancelled = await asyncio.wait_for(conn.cancel_order(BTC, "late1"), 5)
            assert cancelled.state is OrderState.CANCELED
            again = await asyncio.wait_for(conn.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"),
                                                                         far)), 5)
            assert again.state is OrderState.OPEN
            await asyncio.sleep(0.05)
            collector.cancel()
            assert not errors
    finally:
        await venue.close()

"""End to end: bitmart_paper_trade on the BitMart sandbox's public streams, over real loopback sockets."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import Any

import pytest

from host_spec import Host, OrderEvent, OrderEventKind, OrderRequest, OrderState, OrderType, PostOnlyRejected, Side, TradingPair

pytestmark = pytest.mark.e2e
PAIR = TradingPair("BTC", "USDT")


async def _admin(venue: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """The sandbox's loopback admin API, over a real socket."""
    import aiohttp

    sb = venue.sandbox
    async with aiohttp.ClientSession() as http:
        async with http.request(method, sb.admin_url + path, json=body, headers={"X-Admin-Token": sb.admin_token}) as r:
            assert r.status == 200, await r.text()
            return await r.json()


async def test_paper_trade_on_the_sandbox() -> None:
    """A busy market (agent rate 40) that is paused while we trade, so every outcome is known in advance."""
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())
    venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": 40, "seed": 3})
    try:
        async with await host.open("bitmart_paper_trade", {}, {**venue.options, "balance": "USDT=100000,BTC=1",
                                                               "maker_fee": "0.0006", "taker_fee": "0.0008"}) as conn:
            events: list[OrderEvent] = []

            async def collect() -> None:
                async for ev in conn.user_stream():
                    if isinstance(ev, OrderEvent):
                        events.append(ev)

            task = asyncio.create_task(collect())
            await conn.order_book(PAIR, 5).__anext__()  # the market is live
            assert (await _admin(venue, "POST", "/agents/pause"))["paused"] is True
            await asyncio.sleep(0.3)  # let what the agents did last reach us (depth flushes every 50 ms)
            book = await conn.order_book(PAIR, 5).__anext__()
            bid, ask = book.bids[0][0], book.asks[0][0]
            maker = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, Decimal("0.001"), bid))
            assert maker.state is OrderState.OPEN and maker.filled_amount == 0
            with pytest.raises(PostOnlyRejected):
                await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, Decimal("0.001"), ask + 100))
            taker = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal("0.002"), ask + 100))
            assert taker.state is OrderState.FILLED and taker.filled_amount == Decimal("0.002")
            fills = [f for f in await conn.fills(PAIR) if f.client_order_id == taker.client_order_id]
            assert fills and all(not f.is_maker and f.fee_asset == "BTC" for f in fills)
            assert sum(f.fee for f in fills) == Decimal("0.002") * Decimal("0.0008")
            # nobody has traded since the pause: the resting bid is exactly as it was placed
            resting = await conn.query_order(PAIR, maker.client_order_id)
            assert resting.state is OrderState.OPEN and resting.filled_amount == 0

            # the venue's own account sells the whole bid level and 0.002 more at our price: the level trades
            # away (the queue ahead of us), then the rest shows as an ask at our price, which fills us as maker
            level = next(lv for lv in (await _admin(venue, "GET", "/book?symbol=BTC_USDT"))["bids"]
                         if Decimal(lv["price"]) == bid)
            async with await host.open("bitmart", venue.credentials, venue.options) as live:
                await live.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT, Decimal(level["size"]) + Decimal("0.002"),
                                                    bid))
                for _ in range(200):  # bounded wait for the public streams to carry it to us
                    resting = await conn.query_order(PAIR, maker.client_order_id)
                    if resting.state.is_done:
                        break
                    await asyncio.sleep(0.02)
            assert resting.state is OrderState.FILLED and resting.filled_amount == Decimal("0.001")
            made = [f for f in await conn.fills(PAIR) if f.client_order_id == maker.client_order_id]
            assert all(f.is_maker and f.price == bid for f in made)
            assert sum(f.fee for f in made) == Decimal("0.001") * Decimal("0.0006")

            far = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal("0.001"), bid - 100))
            cancelled = await conn.cancel_order(PAIR, far.client_order_id)
            assert cancelled.state is OrderState.CANCELED and cancelled.filled_amount == 0
            balances = await conn.balances()
            assert balances["USDT"].frozen == 0 and balances["BTC"].total > 1
            await asyncio.sleep(0.05)
            task.cancel()
            kinds = [e.kind for e in events]
            assert kinds.count(OrderEventKind.CREATED) == 4 and OrderEventKind.FAILED in kinds
            assert events[-1].order.client_order_id == far.client_order_id and kinds[-1] is OrderEventKind.CANCELLED
    finally:
        await venue.close()

"""End to end: bitmart_paper_trade on the BitMart sandbox's public streams, over real loopback sockets."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal

import pytest

from host_spec import Host, OrderEvent, OrderRequest, OrderState, OrderType, PostOnlyRejected, Side, TradingPair

pytestmark = pytest.mark.e2e
PAIR = TradingPair("BTC", "USDT")


async def test_paper_trade_on_the_sandbox() -> None:
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
            book = await conn.order_book(PAIR, 5).__anext__()
            bid, ask = book.bids[0][0], book.asks[0][0]
            maker = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, Decimal("0.001"), bid))
            assert maker.state is OrderState.OPEN
            with pytest.raises(PostOnlyRejected):
                await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, Decimal("0.001"), ask + 100))
            taker = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal("0.002"), ask + 100))
            assert taker.filled_amount > 0
            fills = [f for f in await conn.fills(PAIR) if f.client_order_id == taker.client_order_id]
            assert fills and not fills[0].is_maker and fills[0].fee_asset == "BTC"  # (the resting bid may fill first)
            for _ in range(100):  # a busy sandbox fills (or at least moves) the resting bid within seconds
                if (await conn.query_order(PAIR, maker.client_order_id)).filled_amount > 0:
                    break
                await asyncio.sleep(0.05)
            cancelled = await conn.cancel_order(PAIR, maker.client_order_id)
            assert cancelled.state in (OrderState.CANCELED, OrderState.FILLED)
            balances = await conn.balances()
            assert balances["USDT"].frozen == 0 and balances["BTC"].total > 1
            await asyncio.sleep(0.05)
            task.cancel()
            kinds = [e.kind.value for e in events]
            assert kinds.count("created") == 3 and "failed" in kinds
    finally:
        await venue.close()

"""Chaos on the futures venue: lost responses, 503s and private-socket drops while placing many orders that
trade against busy agents. Checked against the venue's own order list and fills: no order lost, none placed
twice, every order in the venue's state, every fill the venue made seen exactly once, one terminal event each.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from decimal import Decimal as D

import pytest

from host_spec import (
    NetworkError, OrderEventKind as K, OrderRequest, OrderState, OrderType, PositionAction, PositionMode,
    SessionConfig, Side,
)

from bitmart_plugin.perp.connector import BitmartPerpSession
from bitmart_plugin.venue import start_local_venue

from .e2e import BTC

pytestmark = pytest.mark.e2e
N_ORDERS = 40


def venue_state(o) -> OrderState:
    if o.is_open:
        return OrderState.PARTIALLY_FILLED if o.filled_size else OrderState.OPEN
    return OrderState.FILLED if o.filled_size == o.size else OrderState.CANCELED


def touch(fut) -> tuple[D, D]:
    """Best bid and ask (the agents may have emptied a side for a moment: then a tick band around the other)."""
    bids, asks = fut.depth("BTCUSDT", 1)
    last = fut.engine.last_price["BTCUSDT"]
    bid = bids[0][0] if bids else (asks[0][0] if asks else last) - D(12)
    ask = asks[0][0] if asks else bid + D(24)
    return bid, ask


async def test_chaos_no_order_lost_or_doubled_and_fills_exactly_once() -> None:
    venue = await start_local_venue({"seed": 11, "pairs": 3, "agent_rate": 300})
    sb = venue.sandbox
    fut = sb.state.futures
    session = BitmartPerpSession.from_config(SessionConfig("bitmart_perpetual", venue.credentials, venue.options))
    session.resolve_delays = (0.05, 0.1, 0.2, 0.4)
    session.settle_s = 0.3
    events: list = []

    async def consume() -> None:
        async for ev in session.user_stream():
            events.append(ev)

    rng = random.Random(5)
    errors: Counter[str] = Counter()
    task = None
    try:
        await session.set_position_mode(PositionMode.HEDGE)
        await session.fee_rates(BTC)
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.5)
        faults = sb.state.faults
        for batch in range(N_ORDERS // 10):
            faults.set("lose_response", 3)
            faults.set("http_5xx", 1)
            if batch % 2 == 1:
                faults.set("drop_ws", "private")
            bid, ask = touch(fut)
            reqs = []
            for _ in range(10):
                side = rng.choice([Side.BUY, Side.SELL])
                ticks = D(rng.randint(-20, 10)) * D("1.2")  # < 0: crosses the touch (taker)
                price = (bid - ticks) if side is Side.BUY else (ask + ticks)
                reqs.append(OrderRequest(BTC, side, OrderType.LIMIT, D("0.001") * rng.randint(1, 5), price,
                                         position_action=PositionAction.OPEN))
            results = await asyncio.gather(*(session.place_order(r) for r in reqs), return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    errors[type(r).__name__] += 1
                    assert isinstance(r, NetworkError), r
            await asyncio.sleep(0.2)
        faults.set("clear", 1)
        await asyncio.sleep(0.5)
        sb.agents_paused = True
        await session.cancel_all_orders(None)
        for _ in range(200):
            if not session.tracker.active():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)

        acct = sb.credentials.account_id
        truth = fut.orders_of(acct)
        ours = {o.client_order_id: o for o in session.tracker.orders()}
        per_cid = Counter(o.client_order_id for o in truth)
        doubled = sum(1 for n in per_cid.values() if n > 1)
        lost = [o.client_order_id for o in truth if o.client_order_id not in ours]
        wrong = [o.client_order_id for o in truth if ours[o.client_order_id].state is not venue_state(o)]
        not_placed = [c for c in ours if c not in per_cid]
        venue_ids = {f.trade_id for f in fut.fills_of(acct)}
        fill_ids = Counter(e.fill.trade_id for e in events if getattr(e, "fill", None) is not None)
        print(f"\nperp chaos: requested={N_ORDERS} placed_at_venue={len(truth)} not_placed={len(not_placed)} "
              f"lost={len(lost)} doubled={doubled} wrong_state={len(wrong)} errors={dict(errors)} "
              f"fills_made={len(venue_ids)} fills_seen={sum(fill_ids.values())} faults={faults.fired} "
              f"reconciles={session.reconciles}")
        for o in (o for o in truth if o.client_order_id in wrong):
            print("wrong:", ours[o.client_order_id], "venue:", o.state, o.size, o.filled_size)
        assert doubled == 0 and lost == [] and wrong == []
        assert all(ours[c].state is OrderState.FAILED for c in not_placed)
        assert len(truth) + len(not_placed) == N_ORDERS
        assert set(fill_ids) == venue_ids and all(n == 1 for n in fill_ids.values())
        assert faults.fired.get("lose_response", 0) >= 6 and faults.fired.get("drop_ws", 0) >= 1
        for cid in ours:
            kinds = [e.kind for e in events if getattr(e, "order", None) is not None and e.order.client_order_id == cid]
            terminal = [k for k in kinds if k in (K.FILLED, K.CANCELED, K.FAILED)]
            assert len(terminal) == 1 and kinds[-1] == terminal[0], (cid, kinds)
            assert kinds.count(K.CREATED) <= 1
    finally:
        if task is not None:
            task.cancel()
        await session.close()
        await venue.close()

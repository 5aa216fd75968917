"""Chaos on the futures venue: lost responses, 503s and private-socket drops while placing many orders that
trade against busy agents. Checked against the venue's own order list and fills: no order lost, none placed
twice, every order in the venue's state, every fill the venue made seen exactly once, one terminal event each.
"""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from host_spec import OrderRequest, OrderState, OrderType, PositionAction, PositionMode, SessionConfig, Side

from bitmart_plugin.perp.connector import BitmartPerpSession
from bitmart_plugin.venue import start_local_venue

from ..chaos import Chaos
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
    rng = random.Random(5)

    def request() -> OrderRequest:
        bid, ask = touch(fut)
        side = rng.choice([Side.BUY, Side.SELL])
        ticks = D(rng.randint(-20, 10)) * D("1.2")  # < 0: crosses the touch (taker)
        price = (bid - ticks) if side is Side.BUY else (ask + ticks)
        return OrderRequest(BTC, side, OrderType.LIMIT, D("0.001") * rng.randint(1, 5), price,
                            position_action=PositionAction.OPEN)

    chaos = Chaos(session, sb)
    try:
        await session.set_position_mode(PositionMode.HEDGE)
        await session.fee_rates(BTC)
        await chaos.run(N_ORDERS, request)
        acct = sb.credentials.account_id
        truth = [(o.client_order_id, venue_state(o)) for o in fut.orders_of(acct)]
        chaos.check(N_ORDERS, truth, (f.trade_id for f in fut.fills_of(acct)))
    finally:
        await chaos.stop()
        await session.close()
        await venue.close()

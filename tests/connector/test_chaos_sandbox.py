"""Chaos: lost responses, 5xx and private-socket drops while placing many orders.

Checked against the sandbox's own order list and fills: no order lost, none placed twice, every fill
the sandbox made appears exactly once in our events.
"""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from host_spec import OrderRequest, OrderState, OrderType, SessionConfig, Side

from bitmart_plugin.spot.connector import BitmartSpotSession
from bitmart_plugin.venue import start_local_venue

from .chaos import Chaos
from .conftest import BTC_USDT

pytestmark = pytest.mark.e2e
N_ORDERS = 60
STATE = {"new": OrderState.OPEN, "partially_filled": OrderState.PARTIALLY_FILLED, "filled": OrderState.FILLED,
         "canceled": OrderState.CANCELED, "partially_canceled": OrderState.CANCELED}


async def test_chaos_no_order_lost_or_doubled_and_fills_exactly_once() -> None:
    venue = await start_local_venue({"seed": 11, "pairs": 3, "agent_rate": 300})
    sb = venue.sandbox
    session = BitmartSpotSession.from_config(SessionConfig("bitmart", venue.credentials, venue.options))
    session.resolve_delays = (0.05, 0.1, 0.2, 0.4)
    session.settle_s = 0.3
    rng = random.Random(5)

    def request() -> OrderRequest:
        bids, asks = sb.exchange.depth("BTC_USDT", 1)
        side = rng.choice([Side.BUY, Side.SELL])
        ticks = D(rng.randint(-15, 8))  # USDT away from our side's best: < -spread crosses (taker)
        price = (bids[0][0] - ticks) if side is Side.BUY else (asks[0][0] + ticks)
        return OrderRequest(BTC_USDT, side, OrderType.LIMIT, D("0.001") * rng.randint(1, 5), price)

    chaos = Chaos(session, sb)
    try:
        await session.trading_rules()
        await chaos.run(N_ORDERS, request)
        truth = [(o.client_order_id, STATE[o.state]) for o in sb.exchange.all_orders() if o.account_id == "default"]
        chaos.check(N_ORDERS, truth, (f.trade_id for f in sb.exchange.fills("default", limit=100_000)))
    finally:
        await chaos.stop()
        await session.close()
        await venue.close()


async def test_lost_submit_answer_then_5xx_and_429_resolves_to_the_placed_order(session, venue) -> None:
    """The first resolution query meets 5xx then 429 on every one of its retries: giving up there is wrong."""
    sb = venue.sandbox
    await session.trading_rules()
    bids, _ = sb.exchange.depth("BTC_USDT", 1)
    faults = sb.state.faults
    faults.set("after_loss_5xx", 2)
    faults.set("after_loss_429", 2)  # with the two 503s: one query's four attempts all fail
    faults.set("lose_response", 1)
    order = await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), bids[0][0] - 50))
    assert faults.fired == {"lose_response": 1, "http_5xx": 2, "burst_429": 2}
    truth = [o for o in sb.exchange.all_orders() if o.account_id == "default"]
    assert [o.client_order_id for o in truth] == [order.client_order_id]
    assert order.state is OrderState.OPEN and order.exchange_order_id == str(truth[0].order_id)
    assert session.rest.calls.count("/spot/v2/submit_order") == 1
    assert session.rest.calls.count("/spot/v4/query/client-order") >= 5


async def test_fault_429_carries_the_exhausted_window_headers(venue) -> None:
    """A 429 fault looks like BitMart's own: code 30013 and the endpoint's window, one past its limit."""
    import aiohttp

    venue.sandbox.state.faults.set("burst_429", 1)
    url = venue.options["rest_url"] + "/spot/quotation/v3/ticker?symbol=BTC_USDT"
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        assert (r.status, (await r.json())["code"]) == (429, 30013)
        got = {k: r.headers.get(f"X-BM-RateLimit-{k}") for k in ("Remaining", "Limit", "Reset", "Mode")}
    assert got == {"Remaining": "16", "Limit": "15", "Reset": "2", "Mode": "IP"}


async def test_lost_cancel_answer_then_5xx_and_429_reports_the_cancelled_order(session, venue) -> None:
    """The cancel was carried out but its answer lost, and the venue then answers 5xx/429 for a while: the
    result is the CANCELED order, not a RateLimited that says "not cancelled, retry"."""
    sb = venue.sandbox
    await session.trading_rules()
    bids, _ = sb.exchange.depth("BTC_USDT", 1)
    order = await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), bids[0][0] - 50))
    faults = sb.state.faults
    faults.set("after_loss_5xx", 2)
    faults.set("after_loss_429", 2)
    faults.set("lose_response", 1)
    after = await session.cancel_order(BTC_USDT, order.client_order_id)
    assert faults.fired == {"lose_response": 1, "http_5xx": 2, "burst_429": 2}
    truth = [o for o in sb.exchange.all_orders() if o.account_id == "default"]
    assert [o.state for o in truth] == ["canceled"]
    assert after.state is OrderState.CANCELED and after.client_order_id == order.client_order_id

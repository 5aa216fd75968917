"""Lost answers to futures order requests, resolved by asking the venue, never by sending again.

The sandbox's faults act on the futures order paths as on spot ones: `lose_response` executes the request and
closes the connection unanswered, `http_5xx` answers 503 before anything is executed, `after_loss_*` arm a
storm of 503s and 429s after each lost answer. Each test checks the venue's own order list: one order per
client id, in the state the connector reports, and the submit sent once.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from host_spec import NetworkError, OrderRequest, OrderState, OrderType, PositionAction, PositionMode, Side

from .e2e import BTC, account_id, fut_venue, futures, market, perp

pytestmark = pytest.mark.e2e
__all__ = ["fut_venue", "perp"]  # fixtures
SUBMIT = "/contract/private/submit-order"


@pytest.fixture
async def ready(perp, fut_venue):
    """The session with listing, position mode and fee rates loaded, so the next request is the order's own."""
    perp.resolve_delays = (0.05, 0.1, 0.2, 0.4)
    await perp.set_position_mode(PositionMode.HEDGE)
    await perp.fee_rates(BTC)
    return perp


def resting(venue) -> OrderRequest:
    bids, _ = futures(venue).depth("BTCUSDT", 1)
    return OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.010"), bids[0][0] - 100,
                        position_action=PositionAction.OPEN)


def venue_orders(venue) -> list:
    return futures(venue).orders_of(account_id(venue))


@pytest.mark.parametrize("storm", [0, 2], ids=["lost", "lost-then-503s-and-429s"])
async def test_lost_submit_answer_resolves_to_the_placed_order(ready, fut_venue, storm) -> None:
    faults = fut_venue.sandbox.state.faults
    faults.set("after_loss_5xx", storm)
    faults.set("after_loss_429", storm)
    faults.set("lose_response", 1)
    order = await ready.place_order(resting(fut_venue))
    assert faults.fired.get("lose_response") == 1
    assert faults.fired.get("http_5xx", 0) == faults.fired.get("burst_429", 0) == storm
    [truth] = venue_orders(fut_venue)
    assert (order.client_order_id, order.exchange_order_id, order.state) == \
        (truth.client_order_id, truth.order_id, OrderState.OPEN)
    assert ready.rest.calls.count(SUBMIT) == 1


async def test_lost_answer_of_a_filled_market_order_is_found_in_the_order_history(ready, fut_venue) -> None:
    fut_venue.sandbox.state.faults.set("lose_response", 1)
    order = await ready.place_order(market(Side.BUY, "0.010", PositionAction.OPEN))
    [truth] = venue_orders(fut_venue)
    assert order.client_order_id == truth.client_order_id and order.state is OrderState.FILLED
    assert order.filled_amount == D("0.010") and ready.rest.calls.count(SUBMIT) == 1
    assert "/contract/private/order-history" in ready.rest.calls


async def test_a_submit_refused_before_execution_is_reported_not_placed(ready, fut_venue) -> None:
    fut_venue.sandbox.state.faults.set("http_5xx", 1)  # 503 before the venue looks at the order
    with pytest.raises(NetworkError, match="was not placed.*safe to send again"):
        await ready.place_order(resting(fut_venue))
    assert venue_orders(fut_venue) == []
    [order] = ready.tracker.orders()
    assert order.state is OrderState.FAILED and ready.rest.calls.count(SUBMIT) == 1


async def test_lost_cancel_answer_reports_the_cancelled_order(ready, fut_venue) -> None:
    order = await ready.place_order(resting(fut_venue))
    faults = fut_venue.sandbox.state.faults
    faults.set("after_loss_5xx", 1)
    faults.set("lose_response", 1)
    after = await ready.cancel_order(BTC, order.client_order_id)
    assert after.state is OrderState.CANCELED and faults.fired.get("lose_response") == 1
    assert [o.is_open for o in venue_orders(fut_venue)] == [False]

"""Partial fills and a liquidation, seen through the perpetual user stream over the real futures sockets;
positions and the USDT balance equal the venue's own (the FuturesVenue) after each step.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import (
    MarginMode, OrderEventKind, OrderRequest, OrderType, PositionAction, PositionEvent, PositionMode, PositionSide,
    Side,
)

from .e2e import BTC, account_id, filled, fut_venue, futures, market, our_positions, perp, true_positions, true_usdt
from .test_user_stream_e2e_sandbox import Recorder, position

pytestmark = pytest.mark.e2e
__all__ = ["fut_venue", "perp"]  # fixtures
MAKER = "partial-maker"


def _top_of_book(venue: Any) -> tuple[D, D]:
    book = futures(venue).engine.books["BTCUSDT"]
    bid, ask = book.bids.best_price(), book.asks.best_price()
    assert bid is not None and ask is not None and ask - bid > D("0.2"), (bid, ask)
    return bid, ask


async def _same_as_venue(perp: Any, venue: Any) -> None:
    assert our_positions(await perp.positions(BTC)) == true_positions(venue)
    assert (await perp.balances())["USDT"] == true_usdt(venue)


async def test_a_resting_order_fills_in_parts_and_each_part_moves_the_position(perp, fut_venue) -> None:
    venue = futures(fut_venue)
    venue.fund(MAKER, D("1000000"))
    await perp.set_position_mode(PositionMode.HEDGE)
    rec = Recorder(perp)
    try:
        bid, _ = _top_of_book(fut_venue)
        price = bid + D("0.1")  # inside the spread: our bid becomes the best and only the maker trades with it
        order = await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.010"), price,
                                                    position_action=PositionAction.OPEN))
        await rec.until(lambda e: getattr(e, "order", None) is not None
                        and e.order.client_order_id == order.client_order_id)
        venue.submit_order(MAKER, "BTCUSDT", 4, 4, type="market")  # sells 4 contracts (0.004 BTC) into our bid
        part = await rec.until(lambda e: getattr(e, "kind", None) is OrderEventKind.PARTIALLY_FILLED
                               and e.order.client_order_id == order.client_order_id)
        assert part.fill.amount == D("0.004") and part.fill.price == price and part.fill.is_maker
        await rec.until(position(PositionSide.LONG, "0.004"))
        await _same_as_venue(perp, fut_venue)

        venue.submit_order(MAKER, "BTCUSDT", 4, 6, type="market")  # the remaining 6 contracts
        done = await rec.until(lambda e: getattr(e, "kind", None) is OrderEventKind.FILLED
                               and e.order.client_order_id == order.client_order_id)
        assert done.order.filled_amount == D("0.010")
        await rec.until(position(PositionSide.LONG, "0.010"))
        fills = [e.fill for e in rec.of(order.client_order_id) if e.fill is not None]
        assert [f.amount for f in fills] == [D("0.004"), D("0.006")]
        assert {f.trade_id for f in fills} == {f.trade_id for f in venue.fills_of(account_id(fut_venue))}
        await _same_as_venue(perp, fut_venue)
    finally:
        await rec.stop()


async def test_a_liquidation_is_reported_with_the_positions_final_state(perp, fut_venue) -> None:
    venue = futures(fut_venue)
    await perp.set_position_mode(PositionMode.HEDGE)
    await perp.set_leverage(BTC, D(50), MarginMode.ISOLATED)
    rec = Recorder(perp)
    try:
        await filled(perp, market(Side.BUY, "0.010", PositionAction.OPEN))
        opened = await rec.until(position(PositionSide.LONG, "0.010"))
        assert opened.position.margin_mode is MarginMode.ISOLATED and opened.position.leverage == D(50)
        [ours] = await perp.positions(BTC)
        margin_before = ours.margin
        wallet_before = true_usdt(fut_venue)

        mark, gone = venue.move_to_liquidation(account_id(fut_venue), "BTCUSDT")
        assert gone and mark <= ours.liquidation_price + D("0.1")

        final = await rec.until(position(PositionSide.LONG, "0"))
        assert isinstance(final, PositionEvent) and final.position.pair == BTC
        assert await perp.positions(BTC) == [] and true_positions(fut_venue) == set()
        await _same_as_venue(perp, fut_venue)
        # isolated: the whole position margin is lost, nothing else moves
        assert true_usdt(fut_venue).available == wallet_before.available
        assert wallet_before.frozen - true_usdt(fut_venue).frozen == margin_before
    finally:
        await rec.stop()

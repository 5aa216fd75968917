"""The perpetual user stream over the real futures sockets: order events with fills (fees charged positive),
position events (amount 0 on close), balance events, funding payments as FundingEvents, and REST
reconciliation that recovers what a stalled private socket never delivered, each event exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import (
    BalanceEvent, FundingEvent, OrderEvent, OrderEventKind, PositionAction, PositionEvent, PositionMode, PositionSide,
    Side,
)

from .e2e import BTC, account_id, filled, fut_venue, futures, market, perp, true_usdt

pytestmark = pytest.mark.e2e
__all__ = ["fut_venue", "perp"]  # fixtures
OPEN, CLOSE = PositionAction.OPEN, PositionAction.CLOSE


class Recorder:
    """Collects a session's user stream; `until(pred)` waits (bounded) for an event that satisfies it."""

    def __init__(self, session: Any) -> None:
        self.events: list[Any] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run(session))

    async def _run(self, session: Any) -> None:
        async for ev in session.user_stream():
            self.events.append(ev)
            self._changed.set()

    async def until(self, pred: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        async def wait() -> Any:
            while True:
                found = [e for e in self.events if pred(e)]
                if found:
                    return found[-1]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(wait(), timeout)

    def of(self, cid: str) -> list[OrderEvent]:
        return [e for e in self.events if isinstance(e, OrderEvent) and e.order.client_order_id == cid]

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def position(side: PositionSide, amount: str) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, PositionEvent) and e.position.side is side and e.position.amount == D(amount)


async def test_orders_fills_positions_balances_and_funding(perp, fut_venue) -> None:
    perp.tick_s = 0.2  # poll funding payments often (the default is a minute)
    await perp.set_position_mode(PositionMode.HEDGE)
    rec = Recorder(perp)
    try:
        await rec.until(lambda e: isinstance(e, BalanceEvent))  # the first reconciliation ran: logged in
        order = await filled(perp, market(Side.BUY, "0.010", OPEN))
        await rec.until(lambda e: isinstance(e, OrderEvent) and e.order.client_order_id == order.client_order_id
                        and e.kind is OrderEventKind.FILLED)
        opened = await rec.until(position(PositionSide.LONG, "0.010"))
        kinds = [e.kind for e in rec.of(order.client_order_id)]
        assert kinds[0] is OrderEventKind.CREATED and kinds[-1] is OrderEventKind.FILLED and kinds.count(
            OrderEventKind.FILLED) == 1
        fills = [e.fill for e in rec.of(order.client_order_id) if e.fill is not None]
        truth = {f.trade_id: f for f in futures(fut_venue).fills_of(account_id(fut_venue))}
        assert sorted(f.trade_id for f in fills) == sorted(truth)  # each venue fill once
        assert all(f.fee == truth[f.trade_id].fee > 0 and f.fee_asset == "USDT" for f in fills)
        assert sum(f.amount for f in fills) == D("0.010")
        assert opened.position.entry_price == (await perp.positions(BTC))[0].entry_price
        await rec.until(lambda e: isinstance(e, BalanceEvent) and e.asset == "USDT"
                        and (e.available, e.frozen) == (true_usdt(fut_venue).available, true_usdt(fut_venue).frozen))

        venue = futures(fut_venue)
        venue.set_funding_rate("BTCUSDT", D("0.001"))
        venue.settle_funding(venue.clock.now_ms(), "BTCUSDT", force=True)
        [row] = venue.ledger_of(account_id(fut_venue), 3)
        paid = await rec.until(lambda e: isinstance(e, FundingEvent))
        assert paid.payment.pair == BTC and paid.payment.amount == row.amount < 0  # a long pays a positive rate
        assert paid.payment.rate == D("0.001") and paid.payment.asset == "USDT"
        assert await perp.funding_payments(BTC, None) == [paid.payment]

        await filled(perp, market(Side.SELL, "0.010", CLOSE))
        await rec.until(position(PositionSide.LONG, "0"))
        assert sum(isinstance(e, FundingEvent) for e in rec.events) == 1
    finally:
        await rec.stop()


async def test_reconciliation_recovers_what_a_stalled_socket_never_sent(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    rec = Recorder(perp)
    faults = fut_venue.sandbox.state.faults
    try:
        for _ in range(200):  # the start-up reconciliation and the one `settle_s` later are both done
            if perp.reconciles >= 2:
                break
            await asyncio.sleep(0.01)
        before = perp.reconciles
        faults.set("stall_ws", "private")  # pushes from now on are lost with the socket
        order = await perp.place_order(market(Side.BUY, "0.010", OPEN))  # filled at the venue, never asked about
        await rec.until(lambda e: isinstance(e, OrderEvent) and e.order.client_order_id == order.client_order_id)
        assert [e.kind for e in rec.of(order.client_order_id)] == [OrderEventKind.CREATED]
        assert [f.client_order_id for f in futures(fut_venue).fills_of(account_id(fut_venue))][0] == \
            order.client_order_id
        faults.set("drop_ws", "private")
        await rec.until(lambda e: isinstance(e, OrderEvent) and e.order.client_order_id == order.client_order_id
                        and e.kind is OrderEventKind.FILLED)
        await rec.until(position(PositionSide.LONG, "0.010"))
        assert perp.reconciles > before
        events = rec.of(order.client_order_id)
        assert [e.kind for e in events].count(OrderEventKind.FILLED) == 1
        venue_fills = {f.trade_id for f in futures(fut_venue).fills_of(account_id(fut_venue))}
        assert sorted(e.fill.trade_id for e in events if e.fill is not None) == sorted(venue_fills)
    finally:
        await rec.stop()

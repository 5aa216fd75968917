"""End to end through the Host on the fake perpetual venue's live data (`fakex_perp`, in memory, wall-clock stamps):
a leveraged long follows the book, pays funding at the venue's settlement times, survives a restart and closes
with exact PnL and fees; a long past its liquidation price is liquidated with a final PositionEvent."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from host_spec import (
    Connection,
    FundingEvent,
    Host,
    MarginMode,
    OrderRequest,
    OrderState,
    OrderType,
    PositionEvent,
    PositionSide,
    Side,
)
from tests.paper.perp_helpers import ID, OPTIONS, PAIR, marked_at, until, venue_of

D = Decimal
RATE = D("0.0001")  # fakex_perp's funding rate; its taker fee rate is 0.002


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())


def _collect(conn: Connection, into: list[Any]) -> asyncio.Task[None]:
    async def run() -> None:
        async for event in conn.user_stream():
            into.append(event)

    return asyncio.create_task(run())


async def test_a_leveraged_long_follows_the_book_pays_funding_survives_a_restart_and_closes_exactly(
        host: Host, tmp_path: Path) -> None:
    options = {**OPTIONS, "persist_path": str(tmp_path / "perp.db")}
    conn = await host.open(ID, {}, options)
    events: list[Any] = []
    collector = _collect(conn, events)
    try:
        setting = await conn.set_leverage(PAIR, D(5), MarginMode.ISOLATED)
        assert (setting.leverage, setting.margin_mode) == (D(5), MarginMode.ISOLATED)
        opened = await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, D("0.01")))
        assert (opened.state, opened.filled_amount, opened.average_price) == (OrderState.FILLED, D("0.01"), D(101))
        [long] = await conn.positions(PAIR)
        assert (long.side, long.amount, long.entry_price, long.leverage, long.margin_mode, long.margin) == (
            PositionSide.LONG, D("0.01"), D(101), D(5), MarginMode.ISOLATED, D("0.202"))
        assert long.liquidation_price == D(101) * (1 - D("0.2") + D("0.005")), "the default maintenance rate 0.005"

        (await venue_of(conn)).move(D(110), D(111))
        [moved] = await marked_at(conn, D("110.5"))
        assert moved.unrealized_pnl == (D("110.5") - D(101)) * D("0.01")
        seen_at = conn.session.venue_now()  # type: ignore[attr-defined]
        info = await conn.funding_info(PAIR)
        assert (info.rate, info.interval_s) == (RATE, 1), "funding info is the live connector's"

        def paid_at_new_mark() -> list[Any]:
            return [e.payment for e in events if isinstance(e, FundingEvent) and e.payment.timestamp_ms > seen_at]

        [payment, *_] = await until(paid_at_new_mark, "a funding settlement after the move")
        assert payment.amount == -D("0.01") * D("110.5") * RATE and payment.asset == "USDT" and payment.rate == RATE
        assert payment.timestamp_ms % 1000 == 0, "settled at the venue's announced settlement time"
        payments = await conn.funding_payments(PAIR)
        assert payment in payments and all(p.amount in (-D("0.01") * D("100.5") * RATE, payment.amount) for p in payments)
    finally:
        collector.cancel()
        await conn.close()

    session: Any = conn.session
    [stored] = [session.ledger.position(h) for h in session.ledger.held()]
    stored_payments = list(session.ledger.payments)
    assert stored.margin == D("0.202") + sum(p.amount for p in stored_payments), "isolated funding moves the margin"

    async with await host.open(ID, {}, options) as again:
        [restored] = await again.positions(PAIR)
        assert (restored.side, restored.amount, restored.entry_price, restored.leverage, restored.margin_mode,
                restored.margin) == (stored.side, stored.amount, stored.entry_price, stored.leverage,
                                     stored.margin_mode, stored.margin)
        assert (await again.funding_payments())[:len(stored_payments)] == stored_payments
        (await venue_of(again)).move(D(110), D(111))
        await marked_at(again, D("110.5"))
        closing = await again.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("0.01"), reduce_only=True))
        assert closing.state is OrderState.FILLED and await again.positions(PAIR) == []
        fills = await again.fills(PAIR)
        assert [(f.side, f.price, f.fee, f.realized_pnl) for f in fills] == [
            (Side.BUY, D(101), D("0.00202"), D(0)), (Side.SELL, D(110), D("0.0022"), D("0.09"))]
        funding = sum(p.amount for p in await again.funding_payments())
        usdt = (await again.balances())["USDT"]
        assert (usdt.available, usdt.frozen) == (D(1000) + D("0.09") - D("0.00422") + funding, 0)
        report = again.session.report()  # type: ignore[attr-defined]
        assert "realized 0.09  fees 0.00422" in report and "fills    2" in report


async def test_a_long_past_its_liquidation_price_is_liquidated_with_a_final_position_event(host: Host) -> None:
    async with await host.open(ID, {}, OPTIONS) as conn:
        events: list[Any] = []
        collector = _collect(conn, events)
        await conn.set_leverage(PAIR, D(50), MarginMode.ISOLATED)
        await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, D("0.01")))
        [long] = await conn.positions(PAIR)
        assert long.liquidation_price == D(101) * (1 - D("0.02") + D("0.005"))
        (await venue_of(conn)).move(D(98), D(99))

        def final() -> list[Any]:
            return [e.position for e in events if isinstance(e, PositionEvent) and e.position.amount == 0]

        [closed] = await until(final, "the liquidation")
        collector.cancel()
        assert (closed.side, closed.entry_price, closed.mark_price, closed.margin) == (PositionSide.LONG, D(101),
                                                                                       D("98.5"), 0)
        assert await conn.positions() == []
        usdt = (await conn.balances())["USDT"]
        assert (usdt.available, usdt.frozen) == (D(1000) - D("0.00202") - D("0.0202"), 0), "the margin is lost"
        assert "liquidated BTC-USDT LONG 0.01" in conn.session.report()  # type: ignore[attr-defined]

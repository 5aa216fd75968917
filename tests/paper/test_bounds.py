"""Fill bounds: the same orders and data under the back and front queue models, beside the session's own."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from host_spec import Host, OrderRequest, OrderState, OrderType, Side
from host_spec.paper.bounds import FillBounds

from tests.paper.helpers import BOOK, FEES, PAIR, RULE, D, engine, limit, trade, view


def test_bounds_bracket_the_model_when_cancellations_are_ambiguous() -> None:
    main = engine()  # proportional
    bounds = FillBounds("test_paper_trade", {PAIR: RULE}, lambda p: FEES, order_types=main.order_types, shadow=False)
    feed = [BOOK]
    for item in feed:
        main.on_view(item)
        bounds.on_view(item)
    request = limit(Side.BUY, "1", "98.00", cid="m1")
    main.submit(request, 1001)
    bounds.submit(request, "m1", 1001)
    main.arrive("m1", 1001)
    bounds.arrive("m1", 1001, None)
    for item in (view(1100, [("99.00", "1"), ("98.00", "6")], [("100.00", "1")]),  # 4 behind us
                 view(1200, [("99.00", "1"), ("98.00", "4")], [("100.00", "1")])):  # 2 cancelled: ahead or behind?
        main.on_view(item)
        bounds.on_view(item)
    t = trade(1300, "98.00", "1.5", Side.SELL)
    main.on_trade(t)
    bounds.on_trade(t)
    back, front = bounds.filled("m1")  # type: ignore[misc]
    assert back == 0 and front == D("1")  # back: 2 still ahead; front: none ahead, 1.5 fills all of 1
    assert back <= main.orders["m1"].order.filled_amount <= front
    bounds.cancel("m1", 1400)
    assert all(e.orders["m1"].order.state.is_done for e in bounds.engines)
    assert bounds.filled("unknown") is None


async def test_session_option_bounds_reports_the_range(plugin_path: Path) -> None:
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())
    async with await host.open("fakex_paper_trade", {}, {"balance": "USDT=1000,BTC=2", "reorder_ms": 0,
                                                          "bounds": "yes"}) as conn:
        maker = await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT_MAKER, D("0.2"), D(101)))
        for _ in range(400):
            if (await conn.query_order(PAIR, maker.client_order_id)).state is OrderState.FILLED:
                break
            await asyncio.sleep(0.005)
        session = conn.session
        back, front = session.fill_bounds(maker.client_order_id)  # type: ignore[attr-defined]
        assert back <= D("0.2") <= front
        report = session.report()  # type: ignore[attr-defined]
        assert "bounds   BTC-USDT: filled 0.2 (default queue model); pessimistic (back)" in report

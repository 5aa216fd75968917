"""Through the Host: every connector with a book stream gets `<id>_paper_trade`, which trades on its data."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from host_spec import (
    BalanceEvent,
    Connection,
    Host,
    InvalidOrder,
    OrderEvent,
    OrderRequest,
    OrderState,
    OrderType,
    Side,
    TradingPair,
)
from host_spec.testing import ConformanceSuite

PAIR = TradingPair("BTC", "USDT")


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())


@pytest.fixture
async def connection(host: Host) -> AsyncIterator[Connection]:
    conn = await host.open("fakex_paper_trade", {}, {"balance": "USDT=1000,BTC=2", "maker_fee": "0.001",
                                                     "taker_fee": "0.002", "reorder_ms": 0})
    try:
        yield conn
    finally:
        await conn.close()


class TestPaperConformance(ConformanceSuite):
    connector_id = "fakex_paper_trade"


def test_variant_is_listed_with_its_base(host: Host) -> None:
    info = host.connector("fakex_paper_trade")
    assert info.base_connector == "fakex" and info.credentials == () and info.connection_type == "simulated"
    assert info.order_types == host.connector("fakex").order_types
    assert {"trading", "order_book_stream", "user_stream", "trading_rules"} <= info.capabilities
    assert not any(c.id.endswith("_paper_trade_paper_trade") for c in host.connectors())
    assert host.order_types("fakex_paper_trade") == (OrderType.LIMIT, OrderType.LIMIT_MAKER)


async def test_paper_variant_trades_on_the_base_streams(connection: Connection) -> None:
    events: list[OrderEvent | BalanceEvent] = []

    async def collect() -> None:
        async for ev in connection.user_stream():
            events.append(ev)

    task = asyncio.create_task(collect())
    await asyncio.sleep(0)
    assert (await connection.balances())["USDT"].available == Decimal(1000)
    taker = await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal("1.5"), Decimal("101.5")))
    assert taker.filled_amount == Decimal("1.5") and taker.state is OrderState.FILLED
    assert taker.average_price == (Decimal(101) + Decimal("101.5") / 2) / Decimal("1.5")
    maker = await connection.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT_MAKER, Decimal("0.2"), Decimal(101)))
    assert maker.state is OrderState.OPEN
    for _ in range(400):  # fakex trades 0.1 at 101 on every tick: 1 displayed ahead, then ours
        if (await connection.query_order(PAIR, maker.client_order_id)).state is OrderState.FILLED:
            break
        await asyncio.sleep(0.005)
    final = await connection.query_order(PAIR, maker.client_order_id)
    assert final.state is OrderState.FILLED
    fills = await connection.fills(PAIR)
    assert [f.is_maker for f in fills] == [False, False, True, True]
    with pytest.raises(InvalidOrder):
        await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal("0.0001"), Decimal(100)))
    balances = await connection.balances()
    assert balances["BTC"].total == Decimal(2) + Decimal("1.5") * Decimal("0.998") - Decimal("0.2")
    await asyncio.sleep(0.02)
    task.cancel()
    kinds = [e.kind.value for e in events if isinstance(e, OrderEvent) and e.order.client_order_id == maker.client_order_id]
    assert kinds[0] == "created" and kinds[-1] == "filled" and len(kinds) == len(set(kinds)) + kinds.count("partially_filled") - (1 if "partially_filled" in kinds else 0)
    report = connection.session.report()  # type: ignore[attr-defined]
    assert "fills    4" in report and "pnl" in report

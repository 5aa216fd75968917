"""A paper session restored from its SQLite file: it runs on its own (no new order needed) and numbers on."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path

import pytest

from host_spec import Host, InsufficientBalance, OrderRequest, OrderState, OrderType, Side, TradingPair

PAIR = TradingPair("BTC", "USDT")


def _buy(amount: str, price: Decimal | str, cid: str | None = None) -> OrderRequest:
    return OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(amount), Decimal(price), client_order_id=cid)


@pytest.mark.e2e
async def test_a_restored_order_is_cancelled_without_placing_a_new_one(tmp_path: Path) -> None:
    """On the sandbox's live feed: the second session's first call is the cancel of the first session's order."""
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())
    venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": 0, "seed": 5})
    options = {**venue.options, "persist_path": str(tmp_path / "paper.db"), "balance": "USDT=100000,BTC=1"}
    try:
        async with await host.open("bitmart_paper_trade", {}, options) as conn:
            book = await conn.order_book(PAIR, 5).__anext__()
            far = (book.bids[0][0] / 2).quantize(Decimal("0.01"))  # nobody trades down there
            order = await conn.place_order(_buy("0.01", far))
            assert order.state is OrderState.OPEN
        async with await host.open("bitmart_paper_trade", {}, options) as conn:
            assert [o.client_order_id for o in await conn.open_orders(PAIR)] == [order.client_order_id]
            cancelled = await asyncio.wait_for(conn.cancel_order(PAIR, order.client_order_id), 10)
            assert cancelled.state is OrderState.CANCELED
            assert (await conn.balances())["USDT"].frozen == 0
    finally:
        await venue.close()


async def test_a_restored_resting_order_keeps_filling_without_a_new_order(plugin_path: Path, tmp_path: Path) -> None:
    """fakex trades 0.1 at 101 on every tick: a restored ask at 101 rejoins the queue and fills on its own."""
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())
    options = {"persist_path": str(tmp_path / "paper.db"), "balance": "USDT=1000,BTC=2", "reorder_ms": 0}
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        ask = await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT_MAKER, Decimal("0.2"), Decimal(110)))
        assert ask.state is OrderState.OPEN
    # move the stored order to 101 (the price fakex trades at) as if it had been placed there
    import sqlite3

    db = sqlite3.connect(tmp_path / "paper.db")
    db.execute("UPDATE orders SET body = replace(body, '\"price\": \"110\"', '\"price\": \"101\"')")
    db.commit()
    db.close()
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        for _ in range(400):
            state = (await conn.query_order(PAIR, ask.client_order_id)).state
            if state is OrderState.FILLED:
                break
            await asyncio.sleep(0.005)
        assert state is OrderState.FILLED


async def test_auto_numbered_ids_continue_after_every_id_used_failed_submits_included(plugin_path: Path,
                                                                                   tmp_path: Path) -> None:
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())
    options = {"persist_path": str(tmp_path / "paper.db"), "balance": "USDT=1000,BTC=2", "reorder_ms": 0}
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        first = await conn.place_order(_buy("0.1", "90"))
        with pytest.raises(InsufficientBalance):
            await conn.place_order(_buy("100", "90"))  # took an id, then failed
        third = await conn.place_order(_buy("0.1", "90"))
        assert (first.client_order_id, third.client_order_id) == ("paper00000001", "paper00000003")
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        with pytest.raises(InsufficientBalance):
            await conn.place_order(_buy("100", "90"))  # a failure is the last thing this session does
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        mine = await conn.place_order(_buy("0.1", "90", cid="paper00000007"))  # a caller may pick such an id
    async with await host.open("fakex_paper_trade", {}, options) as conn:
        fourth = await conn.place_order(_buy("0.1", "90"))
        assert fourth.client_order_id == "paper00000008"
        assert fourth.exchange_order_id not in {first.exchange_order_id, third.exchange_order_id, mine.exchange_order_id}

"""Public futures streams end to end over real sockets against the real sandbox (its FuturesVenue is the oracle).

The book equals the venue's true book (converted to base units) after many agent updates and after each
injected fault (version gap, duplicate, delayed pushes, a dropped socket, a stalled one); a quiet book is
probed, not dropped; trades carry the right taker side and every trade of a push; funding joins the
fundingRate push with the ticker's mark and index into the venue's numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from host_spec import FundingInfo, InvalidPair, OrderBookView, Side, TradingPair
from bitmart_plugin.perp.streams import PerpStreams
from bitmart_plugin.perp.symbols import Contract, Contracts
from bitmart_plugin.sandbox.futures.config import FuturesConfig
from tests.connector.perp_ws_fixture import BTC, FAST, SYM, futures_sandbox, next_item, until

pytestmark = pytest.mark.e2e

FAULTS: list[tuple[str, Any]] = [
    ("none", None),
    ("depth_gap", f"{SYM}:3"),
    ("depth_dup", f"{SYM}:3"),
    ("push_delay_ms", 150),
    ("drop_ws", "public"),
    ("stall_ws", "public"),
]
KEEPALIVE = {"ping_interval": 0.3, "ping_max": 1.0, "pong_timeout": 0.5}


def true_book(sb: Any, contract: Contract, depth: int) -> tuple[list[tuple[Decimal, Decimal]], ...]:
    """The venue's top `depth` levels with sizes in base units (the venue counts contracts)."""
    bids, asks = sb.state.futures.depth(contract.symbol, depth)
    return tuple([(p, contract.to_base(v)) for p, v in side] for side in (bids, asks))


def matches(view: OrderBookView | None, sb: Any, contract: Contract, depth: int = 20) -> bool:
    bids, asks = true_book(sb, contract, depth)
    return view is not None and list(view.bids) == bids and list(view.asks) == asks


async def settle(sb: Any, latest: dict[str, OrderBookView]) -> None:
    """Pause the agents and wait until the view stops moving (the last 100 ms flush has arrived)."""
    sb.agents_paused = True
    last = -2
    while True:
        await asyncio.sleep(0.4)
        seq = latest["v"].sequence if "v" in latest else -1
        if seq == last:
            return
        last = seq


async def test_book_matches_venue_through_faults() -> None:
    async with futures_sandbox(agents=True, agent_rate=300.0) as (sb, contracts):
        streams = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: contracts,
                              **KEEPALIVE, **FAST)
        contract = contracts.by_symbol(SYM)
        assert contract.contract_size == Decimal("0.001")  # so a size left in contracts could not match
        latest: dict[str, OrderBookView] = {}

        async def consume() -> None:
            async for view in streams.order_book(BTC, depth=20):
                latest["v"] = view

        task = asyncio.create_task(consume())
        report, levels = [], 0
        try:
            for name, value in FAULTS:
                sb.agents_paused = False
                if value is not None:
                    sb.state.faults.set(name, value)
                await asyncio.sleep(1.0)  # the agents trade and the fault acts
                sb.state.faults.set("clear", 1)
                await settle(sb, latest)
                await until(lambda: matches(latest.get("v"), sb, contract), timeout=5.0,
                            what=f"the book after {name}")  # raises (failing the test) if it never converges
                view = latest["v"]
                report.append(f"{name}: ok v{view.sequence} {len(view.bids)}x{len(view.asks)} levels")
                levels += len(view.bids) + len(view.asks)
            feed = streams.public.books[SYM]
            conns = sum(c.connects for c in streams.public.pool.connections)
            print(f"\nperp e2e fired={dict(sb.state.faults.fired)} feed={feed.stats} connects={conns}\n  "
                  + "\n  ".join(report))
            assert feed.stats["applied"] >= 30  # many agent updates went through the sequenced path
            assert feed.stats["gaps"] >= 1 and feed.stats["requests"] >= 1  # the gap was resynced with `request`
            assert feed.stats["stale"] >= 1  # the duplicates were discarded
            assert conns >= 3  # the dropped and the stalled socket both came back
            assert levels >= 10  # the books compared were not all empty (the agents keep thin books, now and then empty)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await streams.close()


async def test_quiet_book_is_probed_not_dropped() -> None:
    """The futures venue sends nothing on a quiet book (no heartbeat): the feed asks for a snapshot and keeps the
    book, which is still the venue's when an order finally moves it."""
    async with futures_sandbox() as (sb, contracts):
        venue, contract = sb.state.futures, contracts.by_symbol(SYM)
        px = venue.marks.index[SYM].quantize(Decimal(1))
        venue.submit_order("maker", SYM, 1, 5, price=str(px - 10))
        venue.submit_order("maker", SYM, 4, 7, price=str(px + 10))
        streams = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: contracts,
                              stale_after=0.3, tick=0.05, **FAST)
        books = streams.order_book(BTC, 10)
        try:
            first = await next_item(books)
            assert matches(first, sb, contract, 10)
            feed = streams.public.books[SYM]
            await until(lambda: feed.stats["probes"] >= 3 and feed.stats["heartbeats"] >= 3, what="three probes answered")
            assert feed.stats["stale_books"] == 0 and feed.stats["snapshots"] == 1
            assert feed.view(10) == feed.book.view(BTC, None, 10) and not feed.awaiting  # never dropped
            venue.submit_order("maker", SYM, 1, 2, price=str(px - 5))
            moved = await next_item(books, lambda v: v.sequence > first.sequence)
            assert matches(moved, sb, contract, 10) and moved.bids[0] == (px - 5, contract.to_base(2))
        finally:
            await streams.close()


async def test_trades_taker_side_and_every_trade_of_a_push() -> None:
    async with futures_sandbox() as (sb, contracts):
        venue, contract = sb.state.futures, contracts.by_symbol(SYM)
        me = sb.credentials.account_id
        px = venue.marks.index[SYM].quantize(Decimal(1))
        streams = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: contracts, **FAST)
        trades = streams.trades(BTC)
        try:
            await until(lambda: bool(streams.public.pool.connections) and streams.public.pool.connections[0].connected.is_set()
                        and not streams.public.pool.connections[0]._pending, what="the trade subscription")  # noqa: SLF001
            venue.submit_order("maker", SYM, 4, 2, price=str(px))  # maker sells 2 at px
            venue.submit_order("maker", SYM, 4, 3, price=str(px + 1))  # and 3 at px + 1
            venue.submit_order(me, SYM, 1, 5, price=str(px + 1))  # we buy 5: one sweep, two trades
            got = [await next_item(trades), await next_item(trades)]
            assert [(t.price, t.amount, t.taker_side) for t in got] == [
                (px, contract.to_base(2), Side.BUY), (px + 1, contract.to_base(3), Side.BUY)]  # oldest first
            venue.submit_order("maker", SYM, 1, 4, price=str(px - 1))  # maker bids 4
            venue.submit_order(me, SYM, 3, 4, price=str(px - 1))  # we sell 4 into it (closing our long)
            sold = await next_item(trades)
            assert (sold.price, sold.amount, sold.taker_side) == (px - 1, contract.to_base(4), Side.SELL)
            assert sold.pair == BTC and sold.trade_id
        finally:
            await streams.close()


async def test_funding_info_from_the_streams() -> None:
    rate = Decimal("0.000125")
    async with futures_sandbox(futures=FuturesConfig(fixed_funding_rate=rate), futures_tick_s=3600) as (sb, contracts):
        venue, contract = sb.state.futures, contracts.by_symbol(SYM)
        streams = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: contracts, **FAST)
        try:
            info: FundingInfo = await next_item(streams.funding(BTC))
            assert info == FundingInfo(BTC, rate, venue.funding.next_time[SYM], contract.funding_interval_s,
                                       venue.marks.mark[SYM], venue.marks.index[SYM], predicted_rate=rate,
                                       timestamp_ms=info.timestamp_ms)
            assert info.timestamp_ms > 0 and streams.funding_info(BTC) == info
            ticker = await next_item(streams.tickers(BTC))  # the latest ticker at once, then ~1/s
            assert (ticker.mark_price, ticker.index_price) == (venue.marks.mark[SYM], venue.marks.index[SYM])
            assert ticker.ticker.pair == BTC
        finally:
            await streams.close()


async def test_a_refused_topic_fails_only_its_consumer() -> None:
    """A contract we list but the venue does not: its trade stream fails with InvalidPair, BTC's book goes on."""
    async with futures_sandbox() as (sb, contracts):
        btc, pair = contracts.by_symbol(SYM), TradingPair("NOPE", "USDT")
        nope = replace(btc, symbol="NOPEUSDT", pair=pair, rule=replace(btc.rule, pair=pair))
        listing = Contracts([*(contracts.by_symbol(s) for s in ("BTCUSDT", "ETHUSDT")), nope])
        streams = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: listing, **FAST)
        try:
            books = streams.order_book(BTC, 5)
            with pytest.raises(InvalidPair, match="NOPEUSDT"):
                await next_item(streams.trades(nope.pair))
            assert (await next_item(books)).pair == BTC
            with pytest.raises(InvalidPair, match="DOGE-USDT"):
                streams.trades(TradingPair("DOGE", "USDT"))  # not in the listing: refused before any request
        finally:
            await streams.close()

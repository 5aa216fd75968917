"""For the perpetual paper tests: a ready engine and synthetic books (pure: no clock, no I/O), and helpers for
sessions on the fake perpetual venue (`fakex_perp`) through the Host."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from host_spec import (
    Connection,
    FeeRates,
    LeverageSetting,
    MarginMode,
    OrderBookView,
    OrderRequest,
    OrderType,
    PositionAction,
    PositionMode,
    Side,
    TradingPair,
    TradingRule,
)
from host_spec.paper.balances import Wallet
from host_spec.paper.perp.engine import PerpEngine
from host_spec.paper.perp.ledger import PerpLedger

D = Decimal
PAIR = TradingPair("BTC", "USDT")
RULE = TradingRule(PAIR, D("0.01"), D("0.001"), D("0.001"), max_size=D(100), contract_size=D("0.001"),
                   min_leverage=D(1), max_leverage=D(100), maintenance_margin_rate=D("0.005"))
FEES = FeeRates(D("0.0002"), D("0.0006"))
TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)
ID = "fakex_perp_paper_trade"
#: fakex_perp's live data drives the session; its funding clock is shortened to 1 s
OPTIONS = {"reorder_ms": 0, "balance": "USDT=1000", "funding_interval_s": 1, "funding_poll_s": 0.3}


def engine(cash: str = "1000", leverage: str = "10", margin: MarginMode = MarginMode.ISOLATED,
           mode: PositionMode = PositionMode.ONE_WAY, mmr: str = "0.005") -> PerpEngine:
    ledger = PerpLedger(Wallet({"USDT": D(cash)}, "test_paper_trade"),
                        lambda pair: LeverageSetting(pair, D(leverage), margin), lambda pair: D(mmr), mode,
                        "test_paper_trade")
    return PerpEngine("test_paper_trade", {PAIR: RULE}, lambda pair: FEES, ledger, order_types=TYPES)


def book(ts: int, bid: str, ask: str, size: str = "5", step: str = "1") -> OrderBookView:
    """Three levels a side, `step` apart, `size` each."""
    b, a, s, k = D(bid), D(ask), D(size), D(step)
    return OrderBookView(PAIR, ts, ts, tuple((b - k * i, s) for i in range(3)), tuple((a + k * i, s) for i in range(3)))


def market(side: Side, amount: str, action: PositionAction | None = None, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(PAIR, side, OrderType.MARKET, D(amount), position_action=action, reduce_only=reduce_only)


def limit(side: Side, amount: str, price: str, action: PositionAction | None = None, reduce_only: bool = False,
          kind: OrderType = OrderType.LIMIT) -> OrderRequest:
    return OrderRequest(PAIR, side, kind, D(amount), D(price), position_action=action, reduce_only=reduce_only)


def place(e: PerpEngine, request: OrderRequest, ts: int) -> tuple[str, list]:
    """Submit and arrive at once (no latency)."""
    order, events = e.submit(request, ts)
    return order.client_order_id, events + e.arrive(order.client_order_id, ts)


def net(e: PerpEngine) -> Decimal:
    """The signed net of every position on PAIR."""
    return sum((e.ledger.position(h).signed_amount for h in e.ledger.held(PAIR)), D(0))


async def until(check: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; the timeout only guards a hang."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = check()
        if asyncio.iscoroutine(got):
            got = await got
        if got:
            return got
        assert asyncio.get_running_loop().time() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.01)


async def venue_of(conn: Connection) -> Any:
    """The live fake venue behind a paper session (to move its book)."""
    return (await conn.session.base()).session  # type: ignore[attr-defined]


async def marked_at(conn: Connection, mark: Decimal) -> Any:
    """Wait until the session's positions on PAIR are marked at `mark`; returns them."""
    async def seen() -> Any:
        positions = await conn.positions(PAIR)
        return positions if positions and positions[0].mark_price == mark else None

    return await until(seen, f"the mark at {mark}")

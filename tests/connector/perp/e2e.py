"""Shared pieces of the perpetual connector's end-to-end tests: a real sandbox, a session on its funded
account, and the venue's own state (the FuturesVenue, the oracle) in host units to compare against.

The sandbox's futures clock is slowed to an hour (`futures_tick_s`) so marks, and with them the cross
account numbers, hold still while a test compares; funding is settled by forcing it on the venue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from host_spec import (
    Balance, MarginMode, OrderRequest, OrderState, OrderType, PositionAction, PositionSide, SessionConfig, Side,
    TradingPair,
)

from bitmart_plugin.perp.connector import BitmartPerpSession

BTC = TradingPair("BTC", "USDT")
QUIET = {"seed": 7, "pairs": 3, "agent_rate": 0, "futures_tick_s": 3600}


@pytest.fixture
async def fut_venue() -> AsyncIterator[Any]:
    """A quiet sandbox (futures agents quote but never step; the futures clock does not tick)."""
    from bitmart_plugin.venue import start_local_venue

    v = await start_local_venue(QUIET)
    try:
        yield v
    finally:
        await v.close()


@pytest.fixture
async def perp(fut_venue: Any) -> AsyncIterator[BitmartPerpSession]:
    """A BitmartPerpSession on the sandbox's funded account, from the venue's options as a host passes them."""
    s = BitmartPerpSession.from_config(SessionConfig("bitmart_perpetual", fut_venue.credentials, fut_venue.options))
    s.settle_s = 0.3
    try:
        yield s
    finally:
        await s.close()


def futures(venue: Any) -> Any:
    """The sandbox's FuturesVenue."""
    return venue.sandbox.state.futures


def account_id(venue: Any) -> str:
    return str(venue.sandbox.credentials.account_id)


def true_positions(venue: Any, pair: TradingPair = BTC) -> set[tuple[Any, ...]]:
    """The venue's positions on `pair` as (side, base amount, margin mode, leverage, margin, entry price)."""
    out = set()
    for p in futures(venue).accounts.of(account_id(venue), f"{pair.base}{pair.quote}"):
        if p.hold_volume:
            side = PositionSide.LONG if p.direction == "long" else PositionSide.SHORT
            out.add((side, p.hold_volume * p.contract_size, MarginMode(p.open_type), Decimal(p.leverage), p.margin,
                     p.entry_price.quantize(Decimal("1E-8"))))
    return out


def our_positions(positions: list[Any]) -> set[tuple[Any, ...]]:
    return {(p.side, p.amount, p.margin_mode, p.leverage, p.margin, p.entry_price.quantize(Decimal("1E-8")))
            for p in positions}


def true_usdt(venue: Any) -> Balance:
    """The USDT futures wallet as the host's Balance: frozen = position margins + order reservations."""
    a = futures(venue).account(account_id(venue))
    return Balance("USDT", a.available_balance, a.position_deposit + a.frozen_balance)


async def filled(session: BitmartPerpSession, request: OrderRequest) -> Any:
    """Place a marketable order and ask until it is finished (the sandbox fills it inside the submit)."""
    order = await session.place_order(request)
    for _ in range(50):
        if order.state.is_done:
            break
        await asyncio.sleep(0.02)
        order = await session.query_order(request.pair, order.client_order_id)
    assert order.state is OrderState.FILLED, order
    return order


def market(side: Side, amount: str, action: PositionAction | None = None, *, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(BTC, side, OrderType.MARKET, Decimal(amount), position_action=action, reduce_only=reduce_only)

"""Shared fixtures of the connector tests (append-only: the streams helper may add its own below)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from host_spec import SessionConfig, TradingPair, TradingRule

BTC_USDT = TradingPair("BTC", "USDT")


@pytest.fixture
def btc_rules() -> dict[TradingPair, TradingRule]:
    """Rules like BitMart's BTC_USDT: tick 0.01, step 0.00001, min notional 5 USDT."""
    rule = TradingRule(BTC_USDT, Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"), Decimal("100000000"),
                       Decimal("5"), Decimal("5"))
    eth = TradingRule(TradingPair("ETH", "USDT"), Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001"))
    return {BTC_USDT: rule, eth.pair: eth}


@pytest.fixture
async def venue() -> AsyncIterator[object]:
    """A quiet in-process sandbox (seed 7, 5 pairs, no agents) through the plugin's venue bridge."""
    from bitmart_plugin.venue import start_local_venue

    v = await start_local_venue({"seed": 7, "pairs": 5, "agent_rate": 0})
    try:
        yield v
    finally:
        await v.close()


@pytest.fixture
async def session(venue: object) -> AsyncIterator[object]:
    """A BitmartSpotSession on the sandbox's funded account."""
    from bitmart_plugin.spot.connector import BitmartSpotSession

    s = BitmartSpotSession.from_config(SessionConfig("bitmart", venue.credentials, venue.options))  # type: ignore[attr-defined]
    s.settle_s = 0.3
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(params=["C", "python"])
def book_loops(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a book test through the book's C hot loop (host_spec/_levels.c) and through its Python loop."""
    from host_spec import orderbook

    if request.param == "python":
        monkeypatch.setattr(orderbook, "_store", None)
    elif orderbook._store is None:
        pytest.skip("host_spec/_levels.c is not built here (see tests/connector/test_book_store.py)")
    return str(request.param)

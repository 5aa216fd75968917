"""The conformance kit (base and perpetual checks) against `bitmart_perpetual` on a live sandbox, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from host_spec import Connection, Host, PositionMode
from host_spec.testing import ConformanceSuite
from host_spec.testing_perp import PerpetualSuite

from ..test_conformance_bitmart import busy_venue, host

pytestmark = pytest.mark.e2e
__all__ = ["busy_venue", "host"]  # fixtures: the spot kit's sandbox, whose futures agents trade as well


async def _open(host: Host, venue: Any, mode: PositionMode) -> AsyncIterator[Connection]:
    market = venue.sandbox.state.futures.market
    for _ in range(500):  # the agents have traded on the futures book: there is a candle to backfill
        if market.candles("BTCUSDT", 1, 0, 2**40):
            break
        await asyncio.sleep(0.02)
    async with await host.open("bitmart_perpetual", venue.credentials, venue.options) as conn:
        assert await conn.set_position_mode(mode) is mode
        yield conn


class TestBitmartPerpetualConformance(ConformanceSuite):
    """Every check, in one-way mode: the base kit's orders carry no position action, which one-way orders need."""

    connector_id = "bitmart_perpetual"

    @pytest.fixture
    async def connection(self, host: Host, busy_venue: object) -> AsyncIterator[Connection]:
        async for conn in _open(host, busy_venue, PositionMode.ONE_WAY):
            yield conn


class TestBitmartPerpetualHedgeMode(PerpetualSuite):
    """The perpetual checks again in hedge mode (the venue's default), where the round trip opens and closes
    the long with position actions."""

    @pytest.fixture
    async def connection(self, host: Host, busy_venue: object) -> AsyncIterator[Connection]:
        async for conn in _open(host, busy_venue, PositionMode.HEDGE):
            yield conn


class TestBitmartPerpetualPaperConformance(ConformanceSuite):
    """The paper variant host_spec builds on this connector's public data: the whole kit, as for spot's."""

    connector_id = "bitmart_perpetual_paper_trade"

    @pytest.fixture
    async def connection(self, host: Host, busy_venue: Any) -> AsyncIterator[Connection]:
        options = {**busy_venue.options, "balance": "USDT=100000", "position_mode": "one_way"}
        async with await host.open("bitmart_perpetual_paper_trade", {}, options) as conn:
            yield conn

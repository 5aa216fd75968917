"""The conformance kit against the real BitMart connector and its paper variant, on a live sandbox."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from host_spec import Connection, Host
from host_spec.testing import ConformanceSuite

pytestmark = pytest.mark.e2e


@pytest.fixture
def host() -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())


@pytest.fixture
async def busy_venue(host: Host) -> AsyncIterator[object]:
    """A sandbox whose agents trade, so the trades stream and candles have something to show."""
    async with await host.start_sandbox("bitmart", {"seed": 5, "pairs": 3, "agent_rate": 20}) as venue:
        yield venue


class TestBitmartConformance(ConformanceSuite):
    connector_id = "bitmart"

    @pytest.fixture
    async def connection(self, host: Host, busy_venue: object) -> AsyncIterator[Connection]:
        async with await host.open("bitmart", busy_venue.credentials, busy_venue.options) as conn:  # type: ignore[attr-defined]
            yield conn


class TestBitmartPaperConformance(ConformanceSuite):
    connector_id = "bitmart_paper_trade"

    @pytest.fixture
    async def connection(self, host: Host, busy_venue: object) -> AsyncIterator[Connection]:
        options = {**busy_venue.options, "balance": "USDT=100000,BTC=2"}  # type: ignore[attr-defined]
        async with await host.open("bitmart_paper_trade", {}, options) as conn:
            yield conn

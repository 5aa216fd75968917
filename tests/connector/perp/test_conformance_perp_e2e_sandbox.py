"""The conformance kit (base and perpetual checks) against `bitmart_perpetual` on a live sandbox, over real sockets."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from host_spec import Connection, Host, PositionMode
from host_spec.testing import ConformanceSuite
from host_spec.testing_perp import PerpetualSuite

pytestmark = pytest.mark.e2e


@pytest.fixture
def host() -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())


@pytest.fixture
async def busy_venue(host: Host) -> AsyncIterator[object]:
    """A sandbox whose agents trade on the futures books too, so the trades stream has something to show."""
    async with await host.start_sandbox("bitmart_perpetual", {"seed": 5, "pairs": 3, "agent_rate": 20}) as venue:
        yield venue


async def _open(host: Host, venue: object, mode: PositionMode) -> AsyncIterator[Connection]:
    async with await host.open("bitmart_perpetual", venue.credentials, venue.options) as conn:  # type: ignore[attr-defined]
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

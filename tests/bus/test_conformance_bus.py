"""The conformance kit against `bitmart_bus`: a sandbox published to a real NATS server, read back through the Host API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from host_spec import Connection, Host, TradingPair
from host_spec.bus.client import connect
from host_spec.bus.publisher import Publisher
from host_spec.testing import ConformanceSuite
from tests.bus.conftest import NatsServer

pytestmark = pytest.mark.e2e


@pytest.fixture
async def published(host: Host, nats_server: NatsServer) -> AsyncIterator[str]:
    """A trading sandbox whose BTC-USDT is published to the NATS server; yields the server's URL."""
    async with await host.start_sandbox("bitmart", {"seed": 5, "pairs": 3, "agent_rate": 20}) as venue:
        async with await host.open("bitmart", {}, venue.options) as conn:
            nc = await connect(nats_server.url, "conformance publisher")
            task = asyncio.create_task(Publisher(conn, nc, [TradingPair("BTC", "USDT")]).run())
            try:
                yield nats_server.url
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await nc.close()


class TestBitmartBusConformance(ConformanceSuite):
    connector_id = "bitmart_bus"

    @pytest.fixture
    async def connection(self, host: Host, published: str) -> AsyncIterator[Connection]:
        async with await host.open("bitmart_bus", {}, {"nats_url": published}) as conn:
            yield conn


async def test_a_pair_the_rules_do_not_list_is_invalid(host: Host, published: Any) -> None:
    from host_spec import InvalidPair

    async with await host.open("bitmart_bus", {}, {"nats_url": published}) as conn:
        with pytest.raises(InvalidPair, match="NOPE-USDT"):
            await conn.order_book(TradingPair("NOPE", "USDT")).__anext__()

"""The NATS server restarts under a publisher and readers: both reconnect and the readers' books end on the venue's;
with memory storage the publisher creates the lost stream and bucket again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from host_spec import Host
from host_spec.bus.client import StreamSettings
from tests.bus.conftest import PAIRS, NatsServer, assert_on_venue, follow
from tests.bus.helpers import publishing

pytestmark = pytest.mark.e2e


async def test_readers_and_publisher_carry_on_after_a_nats_restart(nats_server: NatsServer, sandbox: Any, host: Host) -> None:
    async with publishing(host, sandbox, nats_server.url, PAIRS) as publisher:
        reader, latest = await follow(host, nats_server.url, PAIRS)
        await asyncio.sleep(0.8)
        await asyncio.to_thread(nats_server.restart, 2.5)  # longer than a publish may wait: some fail
        await latest.moved(latest.marks(PAIRS))  # the readers get books again
        await asyncio.sleep(0.8)
        await assert_on_venue(sandbox, latest, PAIRS)
        assert publisher.stats["failed"] > 0, publisher.stats
        await latest.stop()
        await reader.close()


async def test_with_memory_storage_the_publisher_creates_the_stream_again_after_a_restart(
    nats_server: NatsServer, sandbox: Any, host: Host
) -> None:
    async with publishing(host, sandbox, nats_server.url, PAIRS, settings=StreamSettings(storage="memory")) as publisher:
        async with await host.open("bitmart_bus", {}, {"nats_url": nats_server.url}) as before:
            await before.order_book(PAIRS[0], 5).__anext__()
        await asyncio.to_thread(nats_server.restart)  # the memory stream and bucket are gone
        while publisher.stats["failed"] == 0:
            await asyncio.sleep(0.05)
        reader, latest = await follow(host, nats_server.url, PAIRS)
        await asyncio.sleep(0.5)
        await assert_on_venue(sandbox, latest, PAIRS)
        await latest.stop()
        await reader.close()

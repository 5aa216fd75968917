"""A publisher running in the test's own event loop (the kill tests run `host-spec publish` processes instead)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from host_spec import Host, TradingPair
from host_spec.bus.client import connect
from host_spec.bus.publisher import Publisher
from tests.bus.conftest import DEPTH, venue_options


@contextlib.asynccontextmanager
async def publishing(host: Host, sb: Any, url: str, pairs: list[TradingPair], **kw: Any) -> AsyncIterator[Publisher]:
    """`bitmart` on the sandbox, published to `url` until the block ends."""
    async with await host.open("bitmart", {}, venue_options(sb)) as conn:
        nc = await connect(url, "test publisher")
        publisher = Publisher(conn, nc, pairs, depth=kw.pop("depth", DEPTH), **kw)
        task = asyncio.create_task(publisher.run())
        try:
            yield publisher
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await nc.close()


async def collect(stream: Any, into: list[Any]) -> None:
    async for item in stream:
        into.append(item)

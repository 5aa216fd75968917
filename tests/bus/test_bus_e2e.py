"""Publish -> NATS JetStream -> `bitmart_bus`: the books equal the sandbox's true books, trades equal the direct ones."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from host_spec import Host, PublicTrade
from host_spec.bus.client import connect
from tests.bus.conftest import PAIRS, Latest, NatsServer, diverged, settle, venue_options
from tests.bus.helpers import collect, publishing

pytestmark = pytest.mark.e2e


def _suffix(short: list[PublicTrade], long: list[PublicTrade]) -> bool:
    return bool(short) and long[len(long) - len(short):] == short


async def test_books_and_trades_equal_the_venue_and_a_late_joiner_catches_up(
    nats_server: NatsServer, sandbox: Any, host: Host
) -> None:
    url = nats_server.url
    sandbox.agents_paused = True
    readers, tasks = [], []
    try:
        async with publishing(host, sandbox, url, PAIRS):
            reader = await host.open("bitmart_bus", {}, {"nats_url": url})
            direct = await host.open("bitmart", {}, venue_options(sandbox))
            readers += [reader, direct]
            early = Latest()
            for pair in PAIRS:
                early.follow(reader, pair)
            bus_trades: list[PublicTrade] = []
            direct_trades: list[PublicTrade] = []
            tasks += [asyncio.create_task(collect(reader.trades(PAIRS[0]), bus_trades)),
                      asyncio.create_task(collect(direct.trades(PAIRS[0]), direct_trades))]
            await early.first(PAIRS)
            sandbox.agents_paused = False
            await asyncio.sleep(1.5)
            late_reader = await host.open("bitmart_bus", {}, {"nats_url": url})
            readers.append(late_reader)
            late = Latest()
            for pair in PAIRS:
                late.follow(late_reader, pair)
            await late.first(PAIRS)
            await asyncio.sleep(1.0)
            await settle(sandbox, [early, late], PAIRS)
            assert diverged(sandbox, early, PAIRS) == []
            assert diverged(sandbox, late, PAIRS) == []
            for seqs in early.sequences.values():
                assert len(seqs) > 10 and seqs == sorted(set(seqs)), "one increasing sequence per pair"
            short, long = sorted([bus_trades, direct_trades], key=len)
            assert _suffix(short, long), (len(bus_trades), len(direct_trades))
            # every reader stream of a pair is a consumer: nats-server 2.15 allows a stream 1000 unless it says more
            nc = await connect(url, "inspector")
            info = await nc.jetstream().stream_info("HS_BITMART")
            await nc.close()
            assert info.config.max_consumers >= 100_000, info.config
            await early.stop()
            await late.stop()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conn in readers:
            await conn.close()

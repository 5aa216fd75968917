"""A task cancelled while the thing it waits for lands must end cancelled, on every supported Python.

Python 3.11's `asyncio.wait_for` returns the inner result and drops a cancellation that arrives in
the same loop iteration as that result (fixed in 3.12). A `follow` task of the candles feed could run on
after its cancel that way (the likely cause of a rare hang in a live test's teardown). The code waits with
`asyncio.timeout` instead; these tests cancel at each of the first loop iterations after the result
lands, and the source guard keeps `asyncio.wait_for` out.
"""

from __future__ import annotations

import asyncio
import pathlib
import re
from typing import Any

import pytest

from bitmart_plugin.candles.feed import BitmartCandlesFeed
from bitmart_plugin.candles.intervals import Interval
from bitmart_plugin.candles.ws import KlineSubscription

ROOT = pathlib.Path(__file__).resolve().parents[2]


async def _ends_cancelled(task: asyncio.Task[Any]) -> bool:
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    if not done:
        task.cancel()  # tidy up the runaway
        await asyncio.gather(task, return_exceptions=True)
        return False
    return task.cancelled()


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_kline_subscription_get_never_drops_a_cancel(turns: int) -> None:
    sub = KlineSubscription("spot/kline1m:BTC_USDT", Interval("1m", 1, "1m", 60), lambda s: None)
    got: list[Any] = []

    async def consume() -> None:
        while True:
            got.append(await sub.get(30))

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)  # it waits in get()
    sub.put("first")
    for _ in range(turns):
        await asyncio.sleep(0)
    assert await _ends_cancelled(task), f"the consumer ran on after its cancel ({turns} turns after the push)"


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_wait_connected_never_drops_a_cancel(turns: int) -> None:
    async def fetch(params: Any) -> Any:
        raise AssertionError("not used")

    feed = BitmartCandlesFeed(fetch=fetch, connect_wait_s=30)

    class Sub:
        connected = asyncio.Event()

    async def follow() -> None:
        await feed._wait_connected(Sub)
        await asyncio.sleep(3600)  # stands for the backfill and the live loop

    task = asyncio.create_task(follow())
    await asyncio.sleep(0)
    Sub.connected.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    assert await _ends_cancelled(task), f"follow ran on after its cancel ({turns} turns after connecting)"


def test_no_asyncio_wait_for_in_the_packages() -> None:
    """`asyncio.wait_for` drops cancellations on 3.11: wait with `asyncio.timeout` (nats-py's own calls go
    through host_spec.bus.client.call)."""
    pattern = re.compile(r"^[^#]*\bwait_for\(")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for package in ("host_spec", "bitmart_plugin")
                 for path in sorted((ROOT / package).rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.match(line)]
    assert offenders == []

"""host_spec.cancel_and_wait: stops tasks whatever they raise, and never swallows the caller's own cancel."""

from __future__ import annotations

import asyncio

import pytest

from host_spec import cancel_and_wait


async def test_cancels_and_waits_whatever_the_tasks_raise() -> None:
    async def forever() -> None:
        await asyncio.sleep(3600)

    async def fails() -> None:
        raise RuntimeError("boom")

    a, b = asyncio.create_task(forever()), asyncio.create_task(fails())
    await asyncio.sleep(0)
    await cancel_and_wait([a, None, b])
    assert a.cancelled() and b.done() and isinstance(b.exception(), RuntimeError)
    await cancel_and_wait([])


async def test_a_cancel_of_the_caller_while_it_waits_is_not_swallowed() -> None:
    cleaning = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cleaning.set()
            await asyncio.sleep(0.2)  # a cleanup that takes a while (closing a socket)
            raise

    child = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    after: list[str] = []

    async def closer() -> None:
        await cancel_and_wait([child])
        after.append("ran on")

    outer = asyncio.create_task(closer())
    await cleaning.wait()
    outer.cancel()  # the closer is cancelled while it waits for the child
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert after == []
    await asyncio.wait([child])
    assert child.cancelled()

"""The replay server itself: a script mismatch or a broken handler fails the test that used it."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from tests.connector.ws_replay import LoopbackServer, ScriptMismatch

SCRIPT = [{"dir": "send", "frame": "text", "data": {"op": "subscribe", "args": ["spot/trade:BTC_USDT"]}}]


async def _send(url: str, frame: dict[str, object]) -> None:
    async with connect(url) as ws:
        await ws.send(json.dumps(frame))
        await ws.wait_closed()


async def test_a_frame_the_script_does_not_expect_fails_on_exit() -> None:
    with pytest.raises(ScriptMismatch, match="ETH_USDT"):
        async with LoopbackServer([SCRIPT]) as srv:
            await _send(srv.url, {"op": "subscribe", "args": ["spot/trade:ETH_USDT"]})


async def test_the_expected_frame_passes() -> None:
    async with LoopbackServer([SCRIPT]) as srv:
        async with connect(srv.url) as ws:
            await ws.send(json.dumps({"op": "subscribe", "args": ["spot/trade:BTC_USDT"]}))
            await srv.wait_for(lambda: len(srv.received[0]) == 1)
    assert not srv.errors


async def test_an_exception_in_a_handler_fails_on_exit() -> None:
    async def broken(server: LoopbackServer, index: int, conn: object, text: str) -> None:
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError, match="handler bug"):
        async with LoopbackServer(on_message=broken) as srv:
            await _send(srv.url, {"op": "subscribe", "args": ["spot/trade:BTC_USDT"]})

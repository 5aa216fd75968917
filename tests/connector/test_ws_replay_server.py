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


FUTURES = [{"dir": "send", "frame": "text", "data": {"action": "access", "args": ["<key>", "<ts>", "<sign>", "<device>"]}},
           {"dir": "send", "frame": "text", "data": {"action": "subscribe", "args": ["futures/order"]}}]


async def test_futures_dialect_login_args_free_topics_checked_and_ping_answered() -> None:
    async with LoopbackServer([FUTURES]) as srv:
        async with connect(srv.url) as ws:
            await ws.send(json.dumps({"action": "access", "args": ["k", "1", "sig", "web"]}))  # any login args
            await ws.send('{"action":"ping"}')
            assert await ws.recv() == '{"group":"System","data":"pong"}'
            await ws.send(json.dumps({"action": "subscribe", "args": ["futures/order"]}))
            await srv.wait_for(lambda: srv.sent_ops(0, "subscribe") == [["futures/order"]])
    with pytest.raises(ScriptMismatch, match="futures/position"):
        async with LoopbackServer([FUTURES]) as srv, connect(srv.url) as ws:
            await ws.send(json.dumps({"action": "access", "args": []}))
            await ws.send(json.dumps({"action": "subscribe", "args": ["futures/position"]}))
            await ws.wait_closed()

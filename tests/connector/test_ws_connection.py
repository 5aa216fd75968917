"""WsConnection against a loopback server: inflate, ping/pong, watchdog, reconnect + resubscribe, rate limit, errors."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from host_spec import AuthError, ConnectorError, InvalidPair, StreamError
from bitmart_plugin.ws.connection import WsConnection, batch_topics, error_from_event, inflate
from tests.connector.ws_replay import LoopbackServer, deflate

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "open_timeout": 2.0}


def test_inflate_known_vector() -> None:
    assert inflate(bytes.fromhex("ab562a494cca4955b2522a2ec82fd12fc94cce4e2d52aa0500")) == b'{"table":"spot/ticker"}'


def test_batches_respect_count_and_bytes() -> None:
    topics = [f"spot/depth/increase100:SYM{i:03d}_USDT" for i in range(95)]
    batches = batch_topics(topics)
    assert [len(b) for b in batches] == [20, 20, 20, 20, 15]
    long = [f"spot/trade:{'X' * 500}{i}_USDT" for i in range(20)]
    for batch in batch_topics(long):
        assert len(json.dumps(batch)) <= 4096
    assert sum(len(b) for b in batch_topics(long)) == 20


def test_error_mapping() -> None:
    auth = error_from_event({"event": "login", "errorCode": "91002", "errorMessage": "API KEY not found"})
    assert isinstance(auth, AuthError) and "MEMO" in str(auth) and auth.code == "91002"
    assert isinstance(error_from_event({"event": "subscribe", "errorCode": "92001", "errorMessage": "Invalid symbol param"}), InvalidPair)
    other = error_from_event({"event": "subscribe", "errorCode": "90004", "errorMessage": "Invalid channel param"})
    assert type(other) is StreamError and other.code == "90004"


async def test_binary_inflated_text_passed_pong_swallowed() -> None:
    got: list[bytes | str] = []
    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, lambda p, c: got.append(p), **FAST)
        conn.start()
        await srv.wait_for(lambda: len(srv.conns) == 1)
        await srv.push(0, {"table": "spot/ticker", "data": []})
        await srv.push(0, "pong", binary=False)
        await srv.push(0, "hello", binary=False)
        await srv.conns[0].send(b"\x00\x01 not deflate")
        await srv.push(0, {"table": "x", "data": [1]})
        await srv.wait_for(lambda: len(got) == 3)
        assert got == [b'{"table":"spot/ticker","data":[]}', "hello", b'{"table":"x","data":[1]}']
        await conn.close()


async def test_ping_cadence_and_pong_keeps_connection() -> None:
    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, lambda p, c: None, ping_interval=0.1, ping_max=0.15, pong_timeout=0.3, **FAST)
        conn.start()
        await asyncio.sleep(0.75)
        assert 4 <= conn.pings_sent <= 9, conn.pings_sent
        assert srv.pongs == conn.pings_sent and len(srv.conns) == 1
        await conn.close()


async def test_ping_even_when_data_flows() -> None:
    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, lambda p, c: None, ping_interval=10, ping_max=0.2, pong_timeout=1, **FAST)
        conn.start()
        await srv.wait_for(lambda: len(srv.conns) == 1)
        for _ in range(10):
            await srv.push(0, {"table": "t", "data": []})
            await asyncio.sleep(0.05)
        assert conn.pings_sent >= 1
        await conn.close()


async def test_no_pong_triggers_reconnect() -> None:
    async with LoopbackServer(auto_pong=False) as srv:
        conn = WsConnection(srv.url, lambda p, c: None, ping_interval=0.05, ping_max=0.05, pong_timeout=0.15, **FAST)
        conn.start()
        # the server sees the second socket before the client has read its handshake answer: wait for the client
        await srv.wait_for(lambda: len(srv.conns) >= 2 and conn.connects >= 2, timeout=3)
        await conn.close()


async def test_reconnect_resubscribes_in_batches() -> None:
    flags: list[bool] = []
    async with LoopbackServer(auto_ack=True) as srv:
        conn = WsConnection(srv.url, lambda p, c: None, on_connected=lambda c, again: flags.append(again), **FAST)
        topics = [f"spot/trade:S{i}_USDT" for i in range(45)]
        conn.subscribe(topics)
        conn.start()
        await srv.wait_for(lambda: len(srv.conns) == 1 and len(srv.sent_ops(0, "subscribe")) == 3)
        await srv.drop(0)
        await srv.wait_for(lambda: len(srv.conns) == 2 and len(srv.sent_ops(1, "subscribe")) == 3)
        batches = srv.sent_ops(1, "subscribe")
        assert [len(b) for b in batches] == [20, 20, 5]
        assert sorted(t for b in batches for t in b) == sorted(topics)
        assert flags == [False, True]
        conn.unsubscribe(topics[:2])
        await srv.wait_for(lambda: srv.sent_ops(1, "unsubscribe") == [topics[:2]])
        await conn.close()


async def test_send_rate_limit() -> None:
    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, lambda p, c: None, send_limit=5, send_window=0.4, **FAST)
        conn.start()
        await conn.connected.wait()
        t0 = time.monotonic()
        for i in range(10):
            conn.request(f"spot/depth/increase100:S{i}_USDT")
        await srv.wait_for(lambda: len(srv.sent_ops(0, "request")) == 10)
        assert time.monotonic() - t0 >= 0.35
        await conn.close()


async def test_subscribe_error_reported_with_pending_topics() -> None:
    errors: list[tuple[ConnectorError, tuple[str, ...]]] = []

    async def reject(srv: LoopbackServer, i: int, ws: object, text: str) -> None:
        await ws.send(json.dumps({"event": "subscribe", "errorCode": "92001", "errorMessage": "Invalid symbol param"}))  # type: ignore[attr-defined]

    async with LoopbackServer(on_message=reject) as srv:
        conn = WsConnection(srv.url, lambda p, c: None, on_error=lambda e, t: errors.append((e, t)), **FAST)
        conn.subscribe(["spot/trade:NOPE_USDT"])
        conn.start()
        await srv.wait_for(lambda: bool(errors))
        assert isinstance(errors[0][0], InvalidPair) and errors[0][1] == ("spot/trade:NOPE_USDT",)
        await conn.close()


async def test_handler_exception_does_not_kill_loop() -> None:
    seen: list[object] = []

    def handler(p: bytes | str, c: WsConnection) -> None:
        seen.append(p)
        raise RuntimeError("boom")

    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, handler, **FAST)
        conn.start()
        await srv.wait_for(lambda: len(srv.conns) == 1)
        await srv.conns[0].send(deflate(b"{}"))
        await srv.conns[0].send(deflate(b"{}"))
        await srv.wait_for(lambda: len(seen) == 2)
        assert len(srv.conns) == 1
        await conn.close()


@pytest.mark.parametrize("port_url", ["ws://127.0.0.1:9/api"])
async def test_unreachable_keeps_retrying_without_crashing(port_url: str) -> None:
    conn = WsConnection(port_url, lambda p, c: None, **FAST)
    conn.start()
    await asyncio.sleep(0.2)
    assert conn.connects == 0 and not conn.connected.is_set()
    await conn.close()

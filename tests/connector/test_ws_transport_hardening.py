"""The transport under hostile or flaky venues: deflate bombs, accept-then-drop loops, connection refusals."""

from __future__ import annotations

import asyncio
import logging
import random
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host_spec import ConnectorError
from bitmart_plugin.ws.connection import (
    INFLATE_ERRORS,
    INFLATE_LIB,
    MAX_INFLATED_BYTES,
    ConnectLimiter,
    FrameTooLarge,
    WsConnection,
    inflate,
    raw_inflate,
)
from tests.connector.ws_replay import LoopbackServer, deflate

BOMB = deflate(b"\0" * (64 << 20))  # 64 MiB of zeros in about 64 KiB
CLOSE_AT_ONCE = [{"dir": "close"}]


def test_a_deflate_bomb_is_refused_without_inflating_it_whole() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FrameTooLarge):
            inflate(BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_INFLATED_BYTES * 5 // 4, peak  # the cap, a chunk and a little slack
    assert inflate(deflate(b'{"table":"x"}')) == b'{"table":"x"}'


async def test_a_bomb_on_the_socket_is_dropped_with_a_warning_and_the_stream_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[bytes | str] = []
    async with LoopbackServer() as srv:
        conn = WsConnection(srv.url, lambda p, c: got.append(p), backoff_base=0.01)
        conn.start()
        await srv.wait_for(lambda: len(srv.conns) == 1)
        with caplog.at_level(logging.WARNING, logger="bitmart_plugin.ws.connection"):
            await srv.conns[0].send(BOMB)
            await srv.push(0, {"table": "after"})
            await srv.wait_for(lambda: len(got) == 1)
        assert got == [b'{"table":"after"}'] and conn.oversized_frames == 1 and len(srv.conns) == 1
        assert any("dropped a frame" in r.getMessage() for r in caplog.records)
        await conn.close()


async def test_backoff_grows_across_accept_then_drop_cycles() -> None:
    """A venue that accepts and drops at once must not be hammered: an accept alone does not reset the backoff."""
    async with LoopbackServer([CLOSE_AT_ONCE]) as srv:
        conn = WsConnection(srv.url, lambda p, c: None, backoff_base=0.05, backoff_cap=2.0)
        conn.start()
        await asyncio.sleep(2.0)
        await conn.close()
    # 0.05 s doubling from 0.025-0.05 s: at most ~7 attempts in 2 s (a backoff reset on accept allows 40+)
    assert 2 <= len(srv.conns) <= 10, len(srv.conns)


async def test_connection_attempts_never_exceed_the_limiter() -> None:
    async with LoopbackServer([CLOSE_AT_ONCE]) as srv:
        limiter = ConnectLimiter(3, 1.5)
        conn = WsConnection(srv.url, lambda p, c: None, backoff_base=0.001, backoff_cap=0.002, connect_limiter=limiter)
        conn.start()
        await asyncio.sleep(1.2)
        await conn.close()
    assert len(srv.conns) == 3


async def test_reconnecting_too_frequently_is_waited_out_and_no_consumer_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusal = {"event": "", "errorMessage": "reconnecting too frequently", "errorCode": "94001"}
    errors: list[tuple[ConnectorError, tuple[str, ...]]] = []
    scripts = [[{"dir": "recv", "frame": "text", "data": refusal}, {"dir": "close"}], []]
    async with LoopbackServer(scripts, auto_ack=True) as srv:
        conn = WsConnection(srv.url, lambda p, c: None, on_error=lambda e, t: errors.append((e, t)),
                            backoff_base=0.01, refusal_wait=0.3)
        conn.subscribe(["spot/trade:BTC_USDT"])
        with caplog.at_level(logging.WARNING, logger="bitmart_plugin.ws.connection"):
            conn.start()
            await srv.wait_for(lambda: len(srv.conns) == 2 and bool(srv.sent_ops(1, "subscribe")), timeout=5)
        await conn.close()
    assert errors == []
    assert any("refused the connection" in r.getMessage() for r in caplog.records)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), body=st.binary(max_size=2000), junk=st.binary(max_size=40))
def test_the_fast_inflate_reads_every_frame_as_zlib_does(seed: int, body: bytes, junk: bytes) -> None:
    """ISA-L (when installed) in place of zlib: the same bytes out, or both refuse (damaged or foreign frames)."""
    rnd = random.Random(seed)
    frame = bytearray(deflate(body))
    for _ in range(rnd.randint(0, 3)):
        at = rnd.randrange(len(frame))
        frame[at] = rnd.randrange(256)
    for data in (bytes(frame), bytes(frame[: rnd.randrange(len(frame) + 1)]), junk, deflate(body) + junk):
        try:
            want: bytes | None = zlib.decompress(data, -15)
        except zlib.error:
            want = None
        try:
            got: bytes | None = raw_inflate(data, -15)
        except INFLATE_ERRORS:
            got = None
        assert got == want, (INFLATE_LIB, data)

"""The inline frame path (bitmart_plugin/ws/inline.py) against websockets' own parser.

The same server byte stream, cut at arbitrary offsets, goes through a connection reading frame headers
itself and through one that leaves every frame to websockets; what reaches the sink, what websockets
sees, what the client writes back (pongs, close) and the final state must be the same.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitmart_plugin.ws.inline import inline_connection_class

MAX_SIZE = 70_000


def server_frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, masked: bool = False) -> bytes:
    """One server -> client frame, as a server writes it (or a malformed variant of it)."""
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = bytes([first, mask_bit | n])
    elif n < 65536:
        head = bytes([first, mask_bit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack("!Q", n)
    return head + (b"\0\0\0\0" if masked else b"") + payload


def client_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Decode what the client wrote (masked frames) into (opcode, payload)."""
    out, pos = [], 0
    while pos < len(data):
        first, second = data[pos], data[pos + 1]
        n, pos = second & 0x7F, pos + 2
        if n == 126:
            n, pos = struct.unpack("!H", data[pos:pos + 2])[0], pos + 2
        elif n == 127:
            n, pos = struct.unpack("!Q", data[pos:pos + 8])[0], pos + 8
        mask, pos = data[pos:pos + 4], pos + 4
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[pos:pos + n]))
        out.append((first & 0x0F, payload))
        pos += n
    return out


class Capture(asyncio.Transport):
    """A transport that keeps what the connection writes (nothing goes anywhere)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def resume_reading(self) -> None:
        pass


def _connection(fast: bool) -> tuple[Any, list[tuple[Any, ...]], Capture]:
    from websockets.client import ClientProtocol
    from websockets.datastructures import Headers
    from websockets.http11 import Response
    from websockets.protocol import State
    from websockets.uri import parse_uri

    seen: list[tuple[Any, ...]] = []
    base = inline_connection_class()

    class Recording(base):  # type: ignore[misc, valid-type]
        def process_event(self, event: Any) -> None:
            if not (self.sink is not None and event.fin and int(event.opcode) in (1, 2)):
                seen.append(("websockets", int(event.opcode), event.fin, bytes(event.data)))
            super().process_event(event)

    protocol = ClientProtocol(parse_uri("ws://127.0.0.1:1/"), state=State.OPEN, max_size=MAX_SIZE)
    conn = Recording(protocol, ping_interval=None, close_timeout=None)
    conn.response = Response(101, "Switching Protocols", Headers())  # as after a handshake
    transport = Capture()
    conn.connection_made(transport)

    def sink(binary: bool, data: bytes) -> None:
        seen.append(("sink", binary, bytes(data)))

    if fast:
        conn.attach(sink)
        assert conn._fast
    else:
        conn._done = True  # websockets parses every frame; data frames still reach the sink
        conn.attach(sink)
        assert not conn._fast
    return conn, seen, transport


SIZES = [0, 1, 2, 125, 126, 127, 300, 65535, 65536, MAX_SIZE + 1]

data_frame = st.builds(lambda op, n, b: server_frame(op, bytes([b]) * n),
                       st.sampled_from([1, 2]), st.sampled_from(SIZES), st.integers(0x20, 0x7E))
ping = st.builds(lambda n: server_frame(0x9, b"p" * n), st.integers(0, 125))
pong = st.builds(lambda n: server_frame(0xA, b"q" * n), st.integers(0, 125))
fragmented = st.builds(lambda n: server_frame(2, b"a" * n, fin=False) + server_frame(0x9, b"mid")
                       + server_frame(0, b"b" * n), st.sampled_from([0, 5, 130]))
malformed = st.sampled_from([server_frame(2, b"x", rsv=0x40), server_frame(2, b"x" * 3, masked=True),
                             server_frame(0x3, b"reserved opcode"), server_frame(0x9, b"p", fin=False)])
close = st.builds(lambda code: server_frame(0x8, struct.pack("!H", code) + b"bye"), st.sampled_from([1000, 1001]))
frame = st.one_of(data_frame, data_frame, data_frame, ping, pong, fragmented, malformed)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    frames = draw(st.lists(frame, min_size=1, max_size=10))
    if draw(st.booleans()):
        frames.append(draw(close))
        frames.append(draw(data_frame))  # after a close: discarded by both
    stream = b"".join(frames)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    return stream, cuts


def _feed(fast: bool, stream: bytes, cuts: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[int, bytes]], Any]:
    conn, seen, transport = _connection(fast)
    start = 0
    for cut in [*cuts, len(stream)]:
        if cut > start:
            conn.data_received(stream[start:cut])
            start = cut
    return seen, client_frames(bytes(transport.written)), conn.protocol.state


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_the_inline_path_sees_and_answers_exactly_what_websockets_does(case: tuple[bytes, list[int]]) -> None:
    stream, cuts = case

    async def both() -> None:
        assert _feed(True, stream, cuts) == _feed(False, stream, cuts)

    asyncio.run(both())


@pytest.mark.asyncio
async def test_data_frames_cut_anywhere_reach_the_sink_whole_and_in_order() -> None:
    frames = [server_frame(2, bytes([i % 251]) * n) for i, n in enumerate([0, 1, 125, 126, 400, 65535, 65536, 3])]
    stream = b"".join(frames)
    for step in (1, 2, 3, 7, 129, 4096):
        conn, seen, _ = _connection(True)
        for pos in range(0, len(stream), step):
            conn.data_received(stream[pos:pos + step])
        assert [len(item[2]) for item in seen] == [0, 1, 125, 126, 400, 65535, 65536, 3]
        assert conn._fast


@pytest.mark.asyncio
async def test_pings_are_answered_and_the_path_stays_inline_until_a_close_or_a_fragment() -> None:
    conn, seen, transport = _connection(True)
    conn.data_received(server_frame(2, b"one") + server_frame(0x9, b"hi") + server_frame(1, b"two"))
    assert client_frames(bytes(transport.written)) == [(0xA, b"hi")]
    assert conn._fast
    assert [s[0] for s in seen] == ["sink", "websockets", "sink"]
    conn.data_received(server_frame(2, b"a", fin=False) + server_frame(0, b"b"))
    assert not conn._fast and conn._done  # websockets assembles fragments from here on, for good
    conn.data_received(server_frame(2, b"three"))
    assert seen[-1] == ("sink", True, b"three")  # through websockets' parser now


@pytest.mark.asyncio
async def test_a_quiet_socket_goes_inline_at_once_on_a_real_connection() -> None:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    payloads = [bytes([i % 256]) * (i % 700) for i in range(3000)]
    blob = b"".join(server_frame(2, p) for p in payloads)
    got: list[bytes] = []
    done = asyncio.Event()

    async def handler(ws: Any) -> None:
        await ws.recv()  # the client's "go"
        for pos in range(0, len(blob), 9973):  # odd-sized writes: frames cut everywhere
            ws.transport.write(blob[pos:pos + 9973])
            if pos % 7 == 0:
                await asyncio.sleep(0)
        pong = await ws.ping(b"alive")
        await asyncio.wait_for(pong, 5)
        await done.wait()

    def sink(binary: bool, data: bytes) -> None:
        got.append(bytes(data))
        if len(got) == len(payloads):
            done.set()

    async with serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", compression=None, ping_interval=None,
                           create_connection=inline_connection_class()) as ws:
            ws.attach(sink)
            assert ws._fast
            await ws.send("go")
            await asyncio.wait_for(done.wait(), 20)
            assert got == payloads
            assert ws._fast

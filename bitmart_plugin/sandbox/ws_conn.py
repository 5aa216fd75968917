"""WebSocket transport pieces: a connection's ordered outgoing queue (writer task, faults applied there) and the topic registry."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from typing import Any, Iterable, Union

from aiohttp import web

from .faults import FaultState

log = logging.getLogger(__name__)
MAX_QUEUE = 50_000


class FrameList:
    """A pre-built sequence of binary frames sent back to back (firehose)."""

    __slots__ = ("frames",)

    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames


Item = Union[str, bytes, FrameList]
HIGH_WATER = 1 << 20  # bytes buffered for a socket before its writer waits


def frame_head(n: int, opcode: int) -> bytes:
    """The header of a final, unmasked (server -> client) WebSocket frame of `n` payload bytes (RFC 6455 §5.2)."""
    if n < 126:
        return bytes((0x80 | opcode, n))
    if n < 65536:
        return bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    return bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")


def ws_frame(payload: bytes, opcode: int) -> bytes:
    """One final, unmasked (server -> client) WebSocket frame (RFC 6455 §5.2)."""
    return frame_head(len(payload), opcode) + payload


class _BinaryHeads(dict[int, bytes]):
    """Binary frame headers by payload length, made on first use (pushes come in a few hundred lengths;
    longer ones, snapshots, are made each time, so the table stays small)."""

    KEPT_BELOW = 4096

    def __missing__(self, n: int) -> bytes:
        head = frame_head(n, 0x2)
        if n < self.KEPT_BELOW:
            self[n] = head
        return head


class Conn:
    """Outgoing side of a socket: text (acks, errors, pong) and binary (deflated pushes) in order."""

    def __init__(self, ws: web.WebSocketResponse, kind: str, faults: FaultState,
                 transport: asyncio.Transport | None = None) -> None:
        self.ws = ws
        # with the request's transport, queued frames go out framed here, many per write (see _write_run)
        self._transport = transport
        self.kind = kind
        self.faults = faults
        self.topics: set[str] = set()
        self.account_id: str | None = None
        self.stalled = False
        self.sent = 0
        self._q: deque[Item] = deque()
        self._heads = _BinaryHeads()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set while nothing is queued or being written
        self._idle.set()
        self._task = asyncio.get_running_loop().create_task(self._writer())

    def send(self, item: Item) -> None:
        """Queue a frame (str = text frame, bytes = binary frame)."""
        if self.ws.closed:
            return
        q = self._q
        if len(q) >= MAX_QUEUE:  # slow consumer: drop it like an exchange would
            q.clear()
            asyncio.get_running_loop().create_task(self.ws.close())
            return
        q.append(item)
        if len(q) == 1:  # it was empty: the writer may be waiting (with more queued, it is awake already)
            self._idle.clear()
            self._wake.set()

    async def _writer(self) -> None:
        ws = self.ws
        try:
            while not ws.closed:
                if not self._q:
                    self._idle.set()
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                if self.stalled:
                    self._q.popleft()
                    continue
                delay = self.faults.push_delay_ms
                if delay <= 0 and self._transport is not None and self._q[0].__class__ is not FrameList:
                    await self._write_run(self._transport)
                    continue
                item = self._q.popleft()
                if delay > 0:
                    await asyncio.sleep(delay / 1000)
                if isinstance(item, str):
                    await ws.send_str(item)
                elif isinstance(item, bytes):
                    await ws.send_bytes(item)
                else:
                    for frame in item.frames:
                        if ws.closed or self.stalled:
                            break
                        await ws.send_bytes(frame)
                        self.sent += 1
                    continue
                self.sent += 1
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            pass
        except Exception:  # pragma: no cover - defensive
            log.exception("websocket writer failed")
        finally:
            self._idle.set()

    async def _write_run(self, transport: asyncio.Transport) -> None:
        """Frame every queued text/binary item up to the next FrameList and write them in one go.

        At 1,000 pairs a socket gets ~60 pushes per depth tick; one write instead of one `send_bytes`
        (a coroutine, a frame header, a syscall) each. The frames are the ones aiohttp would write
        (unmasked, uncompressed); aiohttp's own control frames (pong, close) are whole writes too.
        """
        q, out, heads, n = self._q, [], self._heads, 0
        while q and q[0].__class__ is not FrameList:
            item = q.popleft()
            n += 1
            if item.__class__ is bytes:  # headers and payloads joined once below: no copy per frame
                out.append(heads[len(item)])  # type: ignore[arg-type]
                out.append(item)
            else:
                out.append(ws_frame(item.encode(), 0x1))  # type: ignore[union-attr]
        if self.ws.closed or transport.is_closing():
            return
        transport.write(b"".join(out))
        self.sent += n
        while transport.get_write_buffer_size() > HIGH_WATER and not transport.is_closing():
            await asyncio.sleep(0.005)  # the client reads slowly: wait for the kernel to take the data

    async def drained(self, timeout: float = 5.0) -> bool:
        """Wait until every frame queued so far was written (or dropped: stalled, closed); False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except asyncio.TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Close the socket and stop the writer."""
        self._task.cancel()
        if not self.ws.closed:
            await self.ws.close()

    def info(self) -> dict[str, Any]:
        """Admin view."""
        return {"kind": self.kind, "topics": sorted(self.topics), "account": self.account_id,
                "stalled": self.stalled, "sent": self.sent, "queued": len(self._q)}


class Topics:
    """topic -> subscribed connections."""

    def __init__(self) -> None:
        self.subs: dict[str, set[Conn]] = defaultdict(set)
        self.conns: set[Conn] = set()

    def get(self, topic: str) -> Iterable[Conn]:
        return self.subs.get(topic, ())

    def add(self, conn: Conn, topic: str) -> None:
        self.subs[topic].add(conn)
        conn.topics.add(topic)

    def remove(self, conn: Conn, topic: str) -> None:
        s = self.subs.get(topic)
        if s is not None:
            s.discard(conn)
            if not s:
                del self.subs[topic]
        conn.topics.discard(topic)

    def drop(self, conn: Conn) -> None:
        for t in list(conn.topics):
            self.remove(conn, t)
        self.conns.discard(conn)

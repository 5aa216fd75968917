"""One BitMart WebSocket connection: keepalive, raw-deflate inflate, reconnect, resubscribe, login.

The transport knows nothing of channels: topics are opaque strings it (re)subscribes, payloads are
handed to `on_payload` as inflated bytes (binary frames) or str (text frames other than pongs).
What the control frames look like is the connection's `Dialect` (`ws/dialect.py`: spot by default,
futures with `dialect=FUTURES`): acks and refusals are recognised here and surfaced as host_spec
errors, the keepalive ping is sent in the venue's form and its pong swallowed. `action_key="action"`
alone (the candles feed) writes futures requests in the spot dialect: text `ping` (the futures venue
answers it with `pong`), and futures acks and refusals reach `on_payload`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from host_spec import ConnectorError, cancel_and_wait

from bitmart_plugin.ws.dialect import SPOT, Dialect, error_from_event
from bitmart_plugin.ws.inline import inline_connection_class

__all__ = [
    "MAX_ARGS_BYTES", "MAX_INFLATED_BYTES", "MAX_TOPICS_PER_MESSAGE", "ConnectLimiter", "FrameTooLarge", "RateWindow",
    "WsConnection",
    "batch_topics", "error_from_event", "inflate",
]

log = logging.getLogger(__name__)

MAX_TOPICS_PER_MESSAGE = 20
MAX_ARGS_BYTES = 4096
_MAX_QUEUE = 4096  # frames websockets may buffer before pausing the socket (default 16: a pause per burst)
# The largest real BitMart frame (a 100-level depth snapshot of a long symbol) inflates to well under
# 64 KiB; 4 MiB leaves room for anything legitimate and bounds what a deflate bomb can cost.
MAX_INFLATED_BYTES = 4 << 20
_INFLATE_CHUNK = 1 << 16
# api §4.4: at most 30 connection attempts per minute per IP (we stay a little under it).
CONNECTS_PER_MINUTE = 25
Payload = bytes | str
LoginFactory = Callable[[], dict[str, object]]


try:  # ISA-L's inflate (python-isal) reads BitMart's small frames ~1.5x faster than zlib; zlib is the fallback
    from isal.isal_zlib import decompress as raw_inflate
    from isal.isal_zlib import error as _isal_error

    INFLATE_LIB = "isal"
    INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _isal_error)
except ImportError:  # pragma: no cover - exercised only where isal has no wheel
    raw_inflate = zlib.decompress
    INFLATE_LIB = "zlib"
    INFLATE_ERRORS = (zlib.error,)


class FrameTooLarge(ValueError):
    """A frame inflates past the cap (a deflate bomb, or a venue bug); it is dropped, not applied."""


def inflate(data: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """Inflate one raw-deflate (wbits -15) frame; FrameTooLarge past `limit` bytes (never holds much more).
    Errors: one of INFLATE_ERRORS when it is not raw deflate."""
    if len(data) <= limit // 1100:  # deflate expands at most ~1032:1: this cannot pass the limit
        return raw_inflate(data, -15)
    inflater = zlib.decompressobj(-15)
    out = bytearray()
    chunk = inflater.decompress(data, _INFLATE_CHUNK)
    while True:
        out += chunk
        if len(out) > limit:
            raise FrameTooLarge(f"a {len(data)}-byte frame inflates past {limit} bytes")
        if not inflater.unconsumed_tail:
            break
        chunk = inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK)
    out += inflater.flush()
    return bytes(out)


def batch_topics(topics: Iterable[str], per_message: int = MAX_TOPICS_PER_MESSAGE, max_bytes: int = MAX_ARGS_BYTES) -> list[list[str]]:
    """Split topics into batches of <= per_message whose JSON args stay <= max_bytes."""
    batches: list[list[str]] = []
    current: list[str] = []
    size = 2  # "[]"
    for topic in topics:
        cost = len(json.dumps(topic)) + (1 if current else 0)
        if current and (len(current) >= per_message or size + cost > max_bytes):
            batches.append(current)
            current, size = [], 2
            cost = len(json.dumps(topic))
        current.append(topic)
        size += cost
    if current:
        batches.append(current)
    return batches


class RateWindow:
    """At most `limit` events per sliding `window` seconds: `take()` without waiting, `acquire()` waiting."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._stamps: deque[float] = deque()

    def take(self, n: int = 1) -> bool:
        """Count `n` events now if they fit in the window; False (nothing counted) if they do not."""
        now = time.monotonic()
        stamps = self._stamps
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) + n > self.limit:
            return False
        stamps.extend([now] * n)
        return True

    async def acquire(self) -> None:
        """Wait until one more event fits, and count it."""
        while not self.take():
            await asyncio.sleep(self.window - (time.monotonic() - self._stamps[0]) + 0.001)


class ConnectLimiter(RateWindow):
    """Connection attempts allowed per sliding window; share one between the connections of one venue host."""

    def __init__(self, limit: int = CONNECTS_PER_MINUTE, window: float = 60.0) -> None:
        super().__init__(limit, window)


class WsConnection:
    """A self-healing connection carrying a set of topics. Start with `start()`, stop with `close()`.

    Reconnects back off exponentially (with jitter) across accept-then-drop cycles; the backoff resets
    only once a connection has stayed up `healthy_after` seconds. Attempts go through `connect_limiter`
    (BitMart allows 30 per minute per IP), and a venue refusal of the connection itself ("reconnecting
    too frequently", too many connections) waits `refusal_wait` seconds and carries on: no consumer is failed.
    """

    def __init__(
        self,
        url: str,
        on_payload: Callable[[Payload, WsConnection], None],
        *,
        on_error: Callable[[ConnectorError, tuple[str, ...]], None] | None = None,
        on_connected: Callable[[WsConnection, bool], None] | None = None,
        login: LoginFactory | None = None,
        ping_interval: float = 10.0,
        ping_max: float = 15.0,
        pong_timeout: float = 10.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 10.0,
        send_limit: int = 100,
        send_window: float = 10.0,
        open_timeout: float = 10.0,
        healthy_after: float = 30.0,
        refusal_wait: float = 15.0,
        connect_limiter: ConnectLimiter | None = None,
        max_inflated: int = MAX_INFLATED_BYTES,
        name: str = "ws",
        dialect: Dialect = SPOT,
        action_key: str | None = None,
    ) -> None:
        self.url = url
        self._dialect = dialect
        self._key = action_key or dialect.action_key  # spot writes {"op": "subscribe", ...}, futures {"action": ...}
        self.name = name
        self.topics: dict[str, None] = {}  # insertion-ordered set
        self._on_payload = on_payload
        self._on_error = on_error
        self._on_connected = on_connected
        self._login = login
        self._ping_interval, self._ping_max, self._pong_timeout = ping_interval, ping_max, pong_timeout
        self._backoff_base, self._backoff_cap = backoff_base, backoff_cap
        self._open_timeout = open_timeout
        self._healthy_after, self._refusal_wait = healthy_after, refusal_wait
        self._connects = connect_limiter or ConnectLimiter()
        self._max_inflated = max_inflated
        self._safe_len = max_inflated // 1100  # deflate expands at most ~1032:1: shorter frames cannot pass the cap
        self._refused = False
        self.oversized_frames = 0
        self._limiter = RateWindow(send_limit, send_window)
        self._outbox: asyncio.Queue[dict[str, object] | str] = asyncio.Queue()
        self._pending: set[str] = set()
        self._ws: Any = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._fatal: ConnectorError | None = None
        self.connects = 0
        self.pings_sent = 0
        self.last_recv = 0.0
        self._last_send = 0.0
        self.connected = asyncio.Event()

    # ---- public API ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"bitmart-{self.name}")

    def subscribe(self, topics: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(topics) if t not in self.topics]
        self.topics.update(dict.fromkeys(new))
        if new and self.connected.is_set():
            for batch in batch_topics(new):
                self._pending.update(batch)
                self._outbox.put_nowait({self._key: "subscribe", "args": batch})

    def unsubscribe(self, topics: Iterable[str]) -> None:
        gone = [t for t in dict.fromkeys(topics) if t in self.topics]
        for t in gone:
            del self.topics[t]
        self._pending.difference_update(gone)
        if gone and self.connected.is_set():
            for batch in batch_topics(gone):
                self._outbox.put_nowait({self._key: "unsubscribe", "args": batch})

    def acknowledged(self, topic: str) -> bool:
        """False while a subscription of `topic` sent on this socket awaits the venue's ack."""
        return topic not in self._pending

    def request(self, topic: str) -> None:
        """Ask for a one-shot snapshot (`request`), e.g. after a depth gap."""
        if self.connected.is_set():
            self._outbox.put_nowait({self._key: "request", "args": [topic]})

    def resubscribe(self, topic: str) -> None:
        """Unsubscribe and subscribe `topic` again: the venue sends a fresh snapshot (a resync of last resort)."""
        if topic in self.topics:
            self.unsubscribe([topic])
            self.subscribe([topic])

    def reconnect(self) -> None:
        """Drop the socket; the connection reconnects (with its backoff) and resubscribes every topic."""
        ws = self._ws
        if ws is not None and not self._closed:
            task = asyncio.get_running_loop().create_task(ws.close())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    def send_raw(self, message: dict[str, object] | str) -> None:
        self._outbox.put_nowait(message)

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        await cancel_and_wait([self._task])
        self.connected.clear()

    # ---- internals -------------------------------------------------------------------------------

    def _report(self, exc: ConnectorError, topics: tuple[str, ...] = ()) -> None:
        if self._on_error is not None:
            self._on_error(exc, topics)
        else:
            log.warning("%s: %s", self.name, exc)

    async def _run(self) -> None:
        from websockets.asyncio.client import connect

        inline = inline_connection_class()
        attempt = 0
        while not self._closed:
            await self._connects.acquire()
            up_since: float | None = None
            try:
                async with connect(
                    self.url, ping_interval=None, compression=None, max_size=2**23, max_queue=_MAX_QUEUE,
                    open_timeout=self._open_timeout, proxy=None, create_connection=inline,
                ) as ws:
                    self._ws = ws
                    up_since = time.monotonic()
                    await self._session(ws)
            except asyncio.CancelledError:
                raise
            except ConnectorError as exc:  # fatal (login refused): tell consumers and stop
                self._fatal = exc
                self._report(exc, tuple(self.topics))
                return
            except Exception as exc:  # noqa: BLE001 - any transport failure means reconnect
                if not self._closed:
                    log.warning("%s: connection lost (%s: %s)", self.name, type(exc).__name__, exc)
            finally:
                self._ws = None
                self.connected.clear()
            if self._closed:
                return
            if up_since is not None and time.monotonic() - up_since >= self._healthy_after:
                attempt = 0  # it was healthy for a while: start the backoff again from the bottom
            delay = min(self._backoff_cap, self._backoff_base * 2**attempt) * random.uniform(0.5, 1.0)
            if self._refused:
                self._refused = False
                delay = max(delay, self._refusal_wait)
            attempt = min(attempt + 1, 16)
            log.warning("%s: reconnecting in %.2f s (attempt %d)", self.name, delay, attempt)
            await asyncio.sleep(delay)

    async def _session(self, ws: Any) -> None:
        self.last_recv = self._last_send = time.monotonic()
        if self._login is not None:
            await self._do_login(ws)
        ws.attach(self._on_frame)  # from here frames are handled as they are parsed (see ws/inline.py)
        self._outbox = asyncio.Queue()
        self._pending = set()
        for batch in batch_topics(list(self.topics)):
            self._pending.update(batch)
            self._outbox.put_nowait({self._key: "subscribe", "args": batch})
        first = self.connects == 0
        self.connects += 1
        self.connected.set()
        if self._on_connected is not None:
            self._on_connected(self, not first)
        writer = asyncio.create_task(self._writer(ws))
        keeper = asyncio.create_task(self._keepalive(ws))
        try:
            await self._reader(ws)
        finally:
            await cancel_and_wait([writer, keeper])

    async def _send(self, ws: Any, message: dict[str, object] | str) -> None:
        await self._limiter.acquire()
        await ws.send(message if isinstance(message, str) else json.dumps(message, separators=(",", ":")))
        self._last_send = time.monotonic()

    async def _do_login(self, ws: Any) -> None:
        assert self._login is not None
        await self._send(ws, self._login())
        deadline = time.monotonic() + self._open_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer to login")
            async with asyncio.timeout(remaining):
                frame = await ws.recv()
            if isinstance(frame, bytes):
                continue
            self.last_recv = time.monotonic()
            event = self._event(frame)
            reply = self._dialect.reply(event) if event is not None else None
            if reply is None or reply.kind not in ("refused", "login"):
                continue
            if reply.kind == "refused":
                self._handle_event(frame)
                raise ConnectionError(f"refused before login: {reply.error}")
            if reply.error is not None:
                raise reply.error
            return

    async def _writer(self, ws: Any) -> None:
        while True:
            message = await self._outbox.get()
            await self._send(ws, message)

    async def _keepalive(self, ws: Any) -> None:
        """The dialect's ping after `ping_interval` s without a message (and at least every `ping_max` s)."""
        waiting_since: float | None = None
        while True:
            now = time.monotonic()
            if waiting_since is not None:
                if self.last_recv > waiting_since:
                    waiting_since = None
                elif now - waiting_since >= self._pong_timeout:
                    log.warning("%s: no pong within %.1fs; reconnecting", self.name, self._pong_timeout)
                    await ws.close()
                    return
            due = min(self.last_recv + self._ping_interval, self._last_send + self._ping_max)
            if waiting_since is None and now >= due:
                await self._send(ws, self._dialect.ping)
                self.pings_sent += 1
                waiting_since = time.monotonic()
                continue
            wake = (waiting_since + self._pong_timeout) if waiting_since is not None else due
            await asyncio.sleep(max(0.01, min(wake - now, self._ping_interval)))

    def _on_frame(self, binary: bool, data: bytes) -> None:
        """One complete frame straight from the protocol parser, in order; never raises."""
        self.last_recv = time.monotonic()
        if binary:
            if len(data) <= self._safe_len:  # the hot path
                try:
                    payload: Payload = raw_inflate(data, -15)
                except INFLATE_ERRORS:
                    log.warning("%s: skipped a binary frame that is not raw deflate (%d bytes)", self.name, len(data))
                    return
            else:
                inflated = self._inflate(data)
                if inflated is None:
                    return
                payload = inflated
        else:
            try:
                payload = data.decode()
            except UnicodeDecodeError:
                log.warning("%s: skipped a text frame that is not UTF-8 (%d bytes)", self.name, len(data))
                return
            if payload in self._dialect.pongs:
                return
        try:
            if not binary and self._dialect.maybe_control(payload) and self._handle_event(payload):  # type: ignore[arg-type]
                return
            self._on_payload(payload, self)
        except Exception:  # noqa: BLE001 - a bad frame must never kill the connection
            log.exception("%s: payload handler failed on a %d-byte frame; skipped", self.name, len(payload))

    def _inflate(self, data: bytes) -> bytes | None:
        """The inflated frame, or None (with a warning) when it is not raw deflate or inflates past the cap."""
        try:
            return inflate(data, self._max_inflated)
        except INFLATE_ERRORS:
            log.warning("%s: skipped a binary frame that is not raw deflate (%d bytes)", self.name, len(data))
        except FrameTooLarge as exc:
            self.oversized_frames += 1
            log.warning("%s: dropped a frame: %s", self.name, exc)
        return None

    async def _reader(self, ws: Any) -> None:
        on_payload = self._on_payload
        async for frame in ws:
            self.last_recv = time.monotonic()
            if isinstance(frame, bytes):
                data = self._inflate(frame)
                if data is None:
                    continue
                payload: Payload = data
            else:
                if frame in self._dialect.pongs:
                    continue
                if self._dialect.maybe_control(frame) and self._handle_event(frame):
                    continue
                payload = frame
            try:
                on_payload(payload, self)
            except Exception:  # noqa: BLE001 - a bad frame must never kill the loop
                log.exception("%s: payload handler failed on a %d-byte frame; skipped", self.name, len(payload))

    @staticmethod
    def _event(frame: str) -> dict[str, Any] | None:
        try:
            obj = json.loads(frame)
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None

    def _handle_event(self, frame: str) -> bool:
        """Acks and errors; True when the frame was consumed here."""
        event = self._event(frame)
        reply = self._dialect.reply(event) if event is not None else None
        if reply is None:
            return False
        if reply.kind == "refused":
            # about the connection, not a topic: the venue closes it; wait longer and carry on
            log.warning("%s: %s; reconnecting after %.0f s", self.name, reply.error, self._refusal_wait)
            self._refused = True
        elif reply.kind == "error" and reply.error is not None:
            if reply.topic is not None:  # futures name the refused topic
                culprits: tuple[str, ...] = (reply.topic,)
                self._pending.discard(reply.topic)
            else:  # spot does not: blame every topic not yet acknowledged
                culprits = tuple(sorted(self._pending))
                self._pending.clear()
            self._report(reply.error, culprits)
        elif reply.kind == "ack" and reply.topic is not None:
            self._pending.discard(reply.topic)
        return True

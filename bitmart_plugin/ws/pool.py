"""Spread topics over as many connections as needed so none carries more than `cap` topics.

Topics added or removed in one turn of the event loop go out together (20 a message, see
connection.batch_topics): following 1,000 pairs on sockets already up costs ~50 messages, not 1,000,
against BitMart's 100 messages per 10 s per connection (past it the venue closes the socket, 90007).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from host_spec import ConnectorError

from bitmart_plugin.ws.connection import ConnectLimiter, LoginFactory, Payload, WsConnection

__all__ = ["TopicPool"]


class TopicPool:
    """Lazily opens connections to `url`, at most `cap` topics each; closes a connection left empty."""

    def __init__(
        self,
        url: str,
        on_payload: Callable[[Payload, WsConnection], None],
        *,
        cap: int,
        on_error: Callable[[ConnectorError, tuple[str, ...]], None] | None = None,
        on_connected: Callable[[WsConnection, bool], None] | None = None,
        login: LoginFactory | None = None,
        name: str = "public",
        **conn_options: Any,
    ) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.url, self.cap, self.name = url, cap, name
        self._on_payload, self._on_error, self._on_connected = on_payload, on_error, on_connected
        self._login = login
        # every connection of the pool counts against the venue's per-IP connection-attempt limit together
        self._options = {"connect_limiter": ConnectLimiter(), **conn_options}
        self._by_topic: dict[str, WsConnection] = {}
        self.connections: list[WsConnection] = []
        self._closing: set[asyncio.Task[None]] = set()
        self._serial = 0
        self._adds: dict[WsConnection, list[str]] = {}  # queued in this turn of the loop, sent by _flush
        self._drops: dict[WsConnection, list[str]] = {}
        self._flush_handle: asyncio.Handle | None = None

    def connection_for(self, topic: str) -> WsConnection | None:
        return self._by_topic.get(topic)

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._by_topic)

    def add(self, topic: str) -> WsConnection:
        """Subscribe `topic` on a connection with room (opening one when all are full)."""
        conn = self._by_topic.get(topic)
        if conn is not None:
            return conn
        conn = next((c for c in self.connections if self._load(c) < self.cap), None)
        if conn is None:
            self._serial += 1
            conn = WsConnection(
                self.url,
                self._on_payload,
                on_error=self._on_error,
                on_connected=self._on_connected,
                login=self._login,
                name=f"{self.name}-{self._serial}",
                **self._options,
            )
            self.connections.append(conn)
            conn.start()
        self._adds.setdefault(conn, []).append(topic)
        self._by_topic[topic] = conn
        self._schedule()
        return conn

    def remove(self, topic: str) -> None:
        """Unsubscribe `topic`; a connection left with no topic is closed."""
        conn = self._by_topic.pop(topic, None)
        if conn is None:
            return
        queued = self._adds.get(conn)
        if queued is not None and topic in queued:
            queued.remove(topic)  # never sent: nothing to unsubscribe
        else:
            self._drops.setdefault(conn, []).append(topic)
        if len(conn.topics) - len(self._drops.get(conn, ())) + len(self._adds.get(conn, ())) > 0:
            self._schedule()
            return
        self._adds.pop(conn, None)  # nothing left on it: unsubscribe and close it now
        conn.unsubscribe(self._drops.pop(conn, ()))
        self.connections.remove(conn)
        task = asyncio.get_running_loop().create_task(conn.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _load(self, conn: WsConnection) -> int:
        return len(conn.topics) + len(self._adds.get(conn, ()))

    def _schedule(self) -> None:
        if self._flush_handle is None:
            try:
                self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)
            except RuntimeError:  # no loop (a synchronous caller): at once
                self._flush()

    def _flush(self) -> None:
        """Send what this turn queued, unsubscriptions first."""
        self._flush_handle = None
        adds, drops = self._adds, self._drops
        self._adds, self._drops = {}, {}
        for conn, topics in drops.items():
            conn.unsubscribe(topics)
        for conn, topics in adds.items():
            if topics:
                conn.subscribe(topics)

    def _carrying(self, topic: str) -> WsConnection | None:
        """The connection of `topic`, with anything queued sent first (a request must follow its subscription)."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush()
        return self._by_topic.get(topic)

    def request(self, topic: str) -> None:
        conn = self._carrying(topic)
        if conn is not None:
            conn.request(topic)

    def resubscribe(self, topic: str) -> None:
        conn = self._carrying(topic)
        if conn is not None:
            conn.resubscribe(topic)

    def reconnect(self, topic: str) -> None:
        """Reconnect the connection carrying `topic` (every topic on it resubscribes)."""
        conn = self._carrying(topic)
        if conn is not None:
            conn.reconnect()

    async def close(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._adds, self._drops = {}, {}
        conns, self.connections = self.connections, []
        self._by_topic.clear()
        await asyncio.gather(*(c.close() for c in conns), *self._closing, return_exceptions=True)

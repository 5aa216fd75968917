"""Spread topics over as many connections as needed so none carries more than `cap` topics."""

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
        conn = next((c for c in self.connections if len(c.topics) < self.cap), None)
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
        conn.subscribe([topic])
        self._by_topic[topic] = conn
        return conn

    def remove(self, topic: str) -> None:
        """Unsubscribe `topic`; a connection left with no topic is closed."""
        conn = self._by_topic.pop(topic, None)
        if conn is None:
            return
        conn.unsubscribe([topic])
        if not conn.topics:
            self.connections.remove(conn)
            task = asyncio.get_running_loop().create_task(conn.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def request(self, topic: str) -> None:
        conn = self._by_topic.get(topic)
        if conn is not None:
            conn.request(topic)

    def resubscribe(self, topic: str) -> None:
        conn = self._by_topic.get(topic)
        if conn is not None:
            conn.resubscribe(topic)

    def reconnect(self, topic: str) -> None:
        """Reconnect the connection carrying `topic` (every topic on it resubscribes)."""
        conn = self._by_topic.get(topic)
        if conn is not None:
            conn.reconnect()

    async def close(self) -> None:
        conns, self.connections = self.connections, []
        self._by_topic.clear()
        await asyncio.gather(*(c.close() for c in conns), *self._closing, return_exceptions=True)

"""A read timeout for request heads: a client must send its request line and headers within `timeout` s.

aiohttp's server waits for a request head for as long as a client cares to trickle it, so a few slow
clients hold connections and tasks forever. Like nginx's `client_header_timeout`, the timer runs from
the connection's opening, and on a kept-alive connection from the first byte of the next request,
until the blank line that ends the head. An idle kept-alive connection is left to aiohttp's
keep-alive timeout; an upgraded (WebSocket) connection has no head to wait for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

__all__ = ["HeadTimeoutHandler", "HeadTimeoutSite", "on_response_prepare"]

_HEAD_ENDS = (b"\r\n\r\n", b"\n\n")


class HeadTimeoutHandler(RequestHandler):
    """aiohttp's request handler, closing the connection when a request head is late."""

    __slots__ = ("_head_timeout", "_head_timer", "_head_tail", "_between_requests")

    def __init__(self, manager: Any, *, head_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._head_timeout = head_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_tail = b""
        self._between_requests = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._between_requests and data:
            self._between_requests = False
            self._arm()
        if self._head_timer is not None:
            seen = self._head_tail + data
            if any(end in seen for end in _HEAD_ENDS):
                self._disarm()
            else:
                self._head_tail = seen[-3:]
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def head_answered(self, upgraded: bool) -> None:
        """A response to a request starts: its head was complete; the next request arms the timer again."""
        self._disarm()
        self._between_requests = not upgraded

    def _arm(self) -> None:
        self._disarm()
        self._head_tail = b""
        self._head_timer = asyncio.get_running_loop().call_later(self._head_timeout, self._late)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _late(self) -> None:
        self._head_timer = None
        self.force_close()


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """`app.on_response_prepare` hook: tell the connection its request head was answered."""
    protocol = request.protocol
    if isinstance(protocol, HeadTimeoutHandler):
        protocol.head_answered(upgraded=response.status == 101)


class HeadTimeoutSite(web.BaseSite):
    """A TCP site whose connections are `HeadTimeoutHandler`s (aiohttp's TCPSite uses its own handler)."""

    __slots__ = ("_host", "_port", "_head_timeout")

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, head_timeout: float) -> None:
        super().__init__(runner)
        self._host, self._port, self._head_timeout = host, port, head_timeout

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    def _factory(self) -> Callable[[], HeadTimeoutHandler]:
        server, loop = self._runner.server, asyncio.get_running_loop()
        return lambda: HeadTimeoutHandler(server, loop=loop, head_timeout=self._head_timeout, access_log=None)

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._factory(), self._host, self._port, reuse_address=True)

    @property
    def port(self) -> int:
        """The bound port (after `start`)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

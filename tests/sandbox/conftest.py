"""Fixtures for the sandbox transport tests: a real server on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator, Awaitable

import aiohttp
import pytest

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.deflate import inflate
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.signing import sign


def make_config(**kw: Any) -> SandboxConfig:
    """Quiet, small sandbox for tests (no futures agents: the futures books start empty)."""
    base: dict[str, Any] = {"pairs": 4, "agent_rate": 0.0, "rate_limits": False, "futures_agents": False}
    base.update(kw)
    return SandboxConfig(**base)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config()) as sb:
        yield sb


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class Signer:
    """Builds SIGNED requests the way a correct client does."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.s = session

    def headers(self, body: str, *, key: str | None = None, secret: str | None = None,
                memo: str | None = None, ts: str | None = None) -> dict[str, str]:
        c = self.sb.credentials
        ts = ts if ts is not None else str(int(time.time() * 1000))
        return {"X-BM-KEY": key if key is not None else c.api_key, "X-BM-TIMESTAMP": ts,
                "X-BM-SIGN": sign(secret or c.secret_key, ts, memo if memo is not None else c.memo, body),
                "Content-Type": "application/json"}

    async def post(self, path: str, payload: Any, **kw: Any) -> tuple[int, dict[str, Any], Any]:
        body = payload if isinstance(payload, str) else json.dumps(payload)
        async with self.s.post(self.sb.rest_url + path, data=body.encode(), headers=self.headers(body, **kw)) as r:
            return r.status, dict(r.headers), await r.json(content_type=None)

    async def get(self, path: str, params: dict[str, str] | None = None, key: str | None = None
                  ) -> tuple[int, dict[str, Any], Any]:
        h = {"X-BM-KEY": key if key is not None else self.sb.credentials.api_key}
        async with self.s.get(self.sb.rest_url + path, params=params, headers=h) as r:
            return r.status, dict(r.headers), await r.json(content_type=None)


@pytest.fixture
def signer(sandbox: Sandbox, http: aiohttp.ClientSession) -> Signer:
    return Signer(sandbox, http)


async def admin(http: aiohttp.ClientSession, sb: Sandbox, method: str, path: str, body: object = None,
                token: str | None = None) -> tuple[int, Any]:
    """Call the admin API (``path`` under /admin) with the sandbox's token unless ``token`` is given."""
    h = {"X-Admin-Token": token if token is not None else sb.admin_token}
    async with http.request(method, sb.admin_url + path, json=body, headers=h) as r:
        return r.status, await r.json()


async def recv_json(ws: aiohttp.ClientWebSocketResponse, timeout: float = 3.0) -> Any:
    """Next message decoded: binary frames are inflated; 'pong' stays a string."""
    msg = await ws.receive(timeout=timeout)
    if msg.type == aiohttp.WSMsgType.BINARY:
        return json.loads(inflate(msg.data))
    if msg.type == aiohttp.WSMsgType.TEXT:
        return msg.data if msg.data == "pong" else json.loads(msg.data)
    return msg


async def recv_until(ws: aiohttp.ClientWebSocketResponse, pred: Any, timeout: float = 5.0) -> Any:
    """Receive until `pred(message)` is true."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching message")
        m = await recv_json(ws, left)
        if isinstance(m, aiohttp.WSMessage):
            raise ConnectionError(f"socket ended: {m}")
        if pred(m):
            return m


class NotSubscribed(Exception):
    """A client's watch did not reach the sandbox (a distinct type: no xfail's ``raises`` takes it)."""


async def started(sb: Sandbox, watch: Awaitable[Any], group: str) -> "asyncio.Future[Any]":
    """Start a client's watch and return once the sandbox holds a subscription whose topic starts with
    ``group`` on any of its sockets (at once when one was already there), so the market may move.

    A fixed pause for the subscription lost the race on a loaded CI machine (a futures position push went
    out before ccxt.pro had subscribed, and its watch timed out). A missing subscription raises
    NotSubscribed, so an xfail for a client's defect never swallows it.
    """
    task = asyncio.ensure_future(watch)
    hubs = [sb.public_ws, sb.private_ws]
    if sb.futures_ws is not None:
        hubs += [sb.futures_ws.public, sb.futures_ws.private]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not any(conns for hub in hubs if hub is not None for name, conns in hub.topics.subs.items()
                  if name.startswith(group)):
        if task.done() or loop.time() > deadline:
            task.cancel()
            raise NotSubscribed(f"the client did not subscribe to {group} within 5 s")
        await asyncio.sleep(0.01)
    return task

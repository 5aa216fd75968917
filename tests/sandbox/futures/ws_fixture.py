"""A real aiohttp server carrying the futures WS routes around a FuturesVenue and the spot State's keys,
plus a websockets client helper; the payload fixtures of ``bitmart_futures_payloads`` for shape checks."""
from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import websockets
from aiohttp import web

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.spot.exchange import Exchange
from bitmart_plugin.sandbox.futures.venue import FuturesVenue
from bitmart_plugin.sandbox.futures.ws_config import FuturesWsConfig
from bitmart_plugin.sandbox.futures.ws_routes import FuturesWs, futures_ws
from bitmart_plugin.sandbox.signing import ws_login_sign
from bitmart_plugin.sandbox.state import Credentials, State, derive_credentials

PAYLOADS = Path("/work/shared/data/bitmart_futures_payloads")
BTC = "BTCUSDT"


def fixture(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


class Server:
    """The running server: venue, credentials, endpoints and URLs."""

    def __init__(self, venue: FuturesVenue, cred: Credentials, ws: FuturesWs, port: int) -> None:
        self.venue = venue
        self.cred = cred
        self.ws = ws
        self.public_url = f"ws://127.0.0.1:{port}/futures/api?protocol=1.1"
        self.bare_url = f"ws://127.0.0.1:{port}/futures"
        self.private_url = f"ws://127.0.0.1:{port}/futures/user?protocol=1.1"

    def access(self, *, sign: str | None = None, key: str | None = None, ts: str | None = None) -> str:
        """A correct ``access`` request, any part replaceable."""
        c = self.cred
        ts = ts or str(int(time.time() * 1000))
        return json.dumps({"action": "access", "args": [key if key is not None else c.api_key, ts,
                                                         sign or ws_login_sign(c.secret_key, ts, c.memo), "web"]})


@asynccontextmanager
async def serve(**cfg: Any) -> AsyncIterator[Server]:
    """Futures WS on an ephemeral loopback port; ``cfg`` are FuturesWsConfig fields."""
    state = State(SandboxConfig(pairs=2), Exchange(seed=1, pairs=2))
    cred = derive_credentials(1)
    state.add_credentials(cred, None)
    venue = FuturesVenue(seed=7, contracts=6)
    for acct in (cred.account_id, "maker"):
        venue.fund(acct, Decimal(1_000_000))
    fws = futures_ws(venue, state, FuturesWsConfig(**cfg))
    app = web.Application()
    app.add_routes(fws.routes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Server(venue, cred, fws, port)
    finally:
        await runner.cleanup()


async def recv(ws: Any, timeout: float = 5.0) -> Any:
    """Next text frame as JSON (or the raw text when it is not JSON)."""
    raw = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(raw, str), "futures frames are text"
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def recv_until(ws: Any, pred: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    """Skip frames until one matches ``pred``."""
    async def loop() -> Any:
        while True:
            m = await recv(ws)
            if pred(m):
                return m
    return await asyncio.wait_for(loop(), timeout)


def group_is(group: str) -> Callable[[Any], bool]:
    return lambda m: isinstance(m, dict) and m.get("group") == group and "data" in m


def connect(url: str) -> Any:
    return websockets.connect(url, ping_interval=None, max_size=None)


def send(ws: Any, action: str, *args: str) -> Any:
    return ws.send(json.dumps({"action": action, "args": list(args)}))


def same_shape(got: dict[str, Any], ref: dict[str, Any]) -> None:
    """Same keys, and each value of the same JSON type as the capture (ints and strings not mixed)."""
    assert set(got) == set(ref), (sorted(got), sorted(ref))
    for k, v in ref.items():
        if v is None:
            continue
        assert type(got[k]) is type(v) or got[k] is None, (k, got[k], v)

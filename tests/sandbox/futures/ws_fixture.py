"""The real Sandbox (futures agents off) with its futures WS, a websockets client helper, and the payload
captures of ``bitmart_futures_payloads`` for shape checks."""
from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import websockets

from bitmart_plugin.sandbox.futures.venue import FuturesVenue
from bitmart_plugin.sandbox.futures.ws_config import FuturesWsConfig
from bitmart_plugin.sandbox.futures.ws_routes import FuturesWs
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.signing import ws_login_sign

from ..conftest import make_config

PAYLOADS = Path(__file__).resolve().parents[2] / "data" / "bitmart_futures_payloads"
BTC = "BTCUSDT"


def fixture(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


class Server:
    """The running sandbox seen from the futures WS: venue, credentials, endpoints and URLs."""

    def __init__(self, sb: Sandbox) -> None:
        assert sb.state.futures is not None and sb.futures_ws is not None
        self.sb = sb
        self.venue: FuturesVenue = sb.state.futures
        self.cred = sb.credentials
        self.ws: FuturesWs = sb.futures_ws
        self.public_url = sb.futures_ws_public_url
        self.bare_url = f"ws://127.0.0.1:{sb.port}/futures"
        self.private_url = sb.futures_ws_private_url

    def access(self, *, sign: str | None = None, key: str | None = None, ts: str | None = None) -> str:
        """A correct ``access`` request, any part replaceable."""
        c = self.cred
        ts = ts or str(int(time.time() * 1000))
        return json.dumps({"action": "access", "args": [key if key is not None else c.api_key, ts,
                                                         sign or ws_login_sign(c.secret_key, ts, c.memo), "web"]})


@asynccontextmanager
async def serve(**cfg: Any) -> AsyncIterator[Server]:
    """A quiet Sandbox (no agents, 6 contracts) whose futures WS uses ``cfg`` (FuturesWsConfig fields);
    a second futures account ``maker`` is funded to trade against the sandbox's key."""
    config = make_config(futures_agents=False, futures_contracts=6, futures_ws=FuturesWsConfig(**cfg))
    async with Sandbox(config) as sb:
        srv = Server(sb)
        srv.venue.fund("maker", Decimal(1_000_000))
        yield srv


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

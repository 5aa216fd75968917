"""Shared by the perp stream tests: a real Sandbox, its futures listing read over REST, and small waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from host_spec import TradingPair
from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import Contracts
from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.futures.ws_config import FuturesWsConfig
from bitmart_plugin.sandbox.server import Sandbox

BTC = TradingPair("BTC", "USDT")
SYM = "BTCUSDT"
PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "bitmart_futures_payloads"
FAST = {"backoff_base": 0.02, "backoff_cap": 0.2, "open_timeout": 3.0}


def capture(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


async def load_contracts(sb: Sandbox) -> Contracts:
    """The listing as the connector reads it: `GET /contract/public/details` on the sandbox's port."""
    async with aiohttp.ClientSession() as http, http.get(sb.futures_rest_url + "/contract/public/details") as r:
        body = await r.json()
    return contracts_from_details(body["data"])


@asynccontextmanager
async def futures_sandbox(*, agents: bool = False, agent_rate: float = 0.0, ws: dict[str, Any] | None = None,
                          **cfg: Any) -> AsyncIterator[tuple[Sandbox, Contracts]]:
    """A sandbox with 4 futures contracts (agents on or off) and its listing; account `maker` is funded."""
    config = SandboxConfig(pairs=3, agent_rate=agent_rate, rate_limits=False, futures_contracts=4,
                           futures_agents=agents, futures_ws=FuturesWsConfig(**(ws or {})), **cfg)
    async with Sandbox(config) as sb:
        assert sb.state.futures is not None
        sb.state.futures.fund("maker", Decimal(1_000_000))
        yield sb, await load_contracts(sb)


async def until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until `predicate()` holds (a bound on a hang, not a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        await asyncio.sleep(0.02)


async def next_item(stream: AsyncIterator[Any], predicate: Callable[[Any], bool] = lambda _: True,
                    timeout: float = 10.0) -> Any:
    """The next item of `stream` that satisfies `predicate`."""
    async def find() -> Any:
        async for item in stream:
            if predicate(item):
                return item
        raise AssertionError("stream ended")
    return await asyncio.wait_for(find(), timeout)

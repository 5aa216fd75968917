"""End-to-end: the connector's book equals the sandbox's true book once the market is quiet, through faults."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from host_spec import OrderBookView, TradingPair
from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.ws.streams import BitmartStreams

pytestmark = pytest.mark.e2e

BTC = TradingPair("BTC", "USDT")
FAULTS: list[tuple[str, Any]] = [
    ("none", None),
    ("depth_gap", "BTC_USDT:3"),
    ("depth_dup", "BTC_USDT:3"),
    ("push_delay_ms", 150),
    ("drop_ws", "public"),
    ("stall_ws", "public"),
]


async def _settle(sb: Any, latest: dict[str, OrderBookView], quiet_s: float = 0.6) -> None:
    sb.agents_paused = True
    await asyncio.sleep(quiet_s)
    last = -1
    for _ in range(40):  # until the view stops moving
        seq = latest["v"].sequence if "v" in latest else -1
        if seq == last:
            break
        last = seq
        await asyncio.sleep(0.1)


async def test_book_matches_sandbox_through_faults() -> None:
    cfg = SandboxConfig(pairs=3, agent_rate=300.0, rate_limits=False, depth_flush_ms=20)
    async with Sandbox(cfg) as sb:
        settings = BitmartSettings(ws_public_url=sb.ws_public_url, _env_file=None)  # type: ignore[call-arg]
        streams = BitmartStreams(settings, ping_interval=0.3, ping_max=1.0, pong_timeout=0.5, backoff_base=0.02, backoff_cap=0.2)
        latest: dict[str, OrderBookView] = {}

        async def consume() -> None:
            async for view in streams.order_book(BTC, depth=20):
                latest["v"] = view

        task = asyncio.create_task(consume())
        divergences, report = 0, []
        try:
            for name, value in FAULTS:
                sb.agents_paused = False
                if value is not None:
                    sb.state.faults.set(name, value)
                await asyncio.sleep(0.8)
                sb.state.faults.set("clear", 1)
                await _settle(sb, latest, quiet_s=1.2 if name in ("stall_ws", "push_delay_ms") else 0.6)
                bids, asks = sb.exchange.depth("BTC_USDT", 20)
                view = latest.get("v")
                ok = view is not None and list(view.bids) == list(bids) and list(view.asks) == list(asks)
                divergences += not ok
                report.append(f"{name}: {'ok' if ok else 'DIVERGED'} seq={view.sequence if view else None}")
            feed = streams.public.books["BTC_USDT"]
            conns = sum(c.connects for c in streams.public.pool.connections)
            print(f"\ne2e faults fired={dict(sb.state.faults.fired)} feed={feed.stats} connects={conns} "
                  f"divergences={divergences}\n  " + "\n  ".join(report))
            assert divergences == 0, report
            assert feed.stats["gaps"] >= 1 and feed.stats["stale"] >= 1 and conns >= 3
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await streams.close()

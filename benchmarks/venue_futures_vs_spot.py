"""The sandbox's futures venue beside its spot venue, in one run: REST requests/s and WebSocket frames/s.

One sandbox serves both venues on one port, so both are measured under the same process, load and
machine; the script prints each figure and the futures/spot ratio.

REST (agents off, rate limits off, N requests per case at a fixed concurrency, keep-alive):
  public depth     GET /spot/quotation/v3/books            vs GET /contract/public/depth
  keyed balance    GET /spot/v1/wallet                     vs GET /contract/private/assets-detail
  signed order     POST submit + POST cancel (one pair)    vs the same on /contract/private/*
WebSocket (agents on at --agent-rate): one public socket per venue subscribed to the incremental depth and
the trades of every trading symbol (both depth feeds batched per 100 ms); frames received per second over
--seconds, in total and per topic (the venues list different numbers of symbols).

Usage: .venv/bin/python benchmarks/venue_futures_vs_spot.py [--requests 3000] [--concurrency 16]
                                                           [--seconds 10] [--agent-rate 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bitmart_plugin.auth import rest_auth_headers
from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import ThreadHandle, run_sandbox_in_thread

Call = Callable[[aiohttp.ClientSession, int], Awaitable[None]]


async def _get(s: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> None:
    async with s.get(url, headers=headers) as r:
        body = await r.json(content_type=None)
        assert r.status == 200 and body["code"] == 1000, body


async def _post(s: aiohttp.ClientSession, url: str, body: dict[str, Any], cred: Any) -> dict[str, Any]:
    text = json.dumps(body)
    headers = rest_auth_headers(cred.api_key, cred.secret_key, cred.memo, text)
    headers["Content-Type"] = "application/json"
    async with s.post(url, data=text, headers=headers) as r:
        got = await r.json(content_type=None)
        assert r.status == 200 and got["code"] == 1000, got
        return got


def rest_cases(h: ThreadHandle) -> dict[str, tuple[Call, Call]]:
    """(spot call, futures call) per case; each call does one unit of work."""
    cred = h.credentials
    keyed = {"X-BM-KEY": cred.api_key}
    base = h.rest_url

    async def spot_depth(s: aiohttp.ClientSession, i: int) -> None:
        await _get(s, f"{base}/spot/quotation/v3/books?symbol=BTC_USDT&limit=50")

    async def fut_depth(s: aiohttp.ClientSession, i: int) -> None:
        await _get(s, f"{base}/contract/public/depth?symbol=BTCUSDT")

    async def spot_wallet(s: aiohttp.ClientSession, i: int) -> None:
        await _get(s, f"{base}/spot/v1/wallet", keyed)

    async def fut_assets(s: aiohttp.ClientSession, i: int) -> None:
        await _get(s, f"{base}/contract/private/assets-detail", keyed)

    async def spot_order(s: aiohttp.ClientSession, i: int) -> None:
        placed = await _post(s, f"{base}/spot/v2/submit_order", {
            "symbol": "BTC_USDT", "side": "buy", "type": "limit", "size": "0.001", "price": "30000"}, cred)
        await _post(s, f"{base}/spot/v3/cancel_order",
                    {"symbol": "BTC_USDT", "order_id": placed["data"]["order_id"]}, cred)

    async def fut_order(s: aiohttp.ClientSession, i: int) -> None:
        placed = await _post(s, f"{base}/contract/private/submit-order", {
            "symbol": "BTCUSDT", "side": 1, "type": "limit", "size": 1, "price": "30000", "mode": 1}, cred)
        await _post(s, f"{base}/contract/private/cancel-order",
                    {"symbol": "BTCUSDT", "order_id": str(placed["data"]["order_id"])}, cred)

    return {"public depth": (spot_depth, fut_depth), "keyed balance": (spot_wallet, fut_assets),
            "signed submit+cancel": (spot_order, fut_order)}


async def rate(call: Call, n: int, concurrency: int) -> float:
    """Units of work per second: ``n`` calls spread over ``concurrency`` workers on one keep-alive pool."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        await call(s, -1)  # warm the connection and any lazy venue state
        next_i = 0

        async def worker() -> None:
            nonlocal next_i
            while next_i < n:
                next_i += 1
                await call(s, next_i)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - t0)


async def frames_per_s(url: str, topics: list[str], op_key: str, seconds: float) -> tuple[float, int]:
    """Data frames/s on one socket subscribed to ``topics`` (spot frames are deflated, futures text)."""
    got = 0
    async with aiohttp.ClientSession() as s, s.ws_connect(url, max_msg_size=0) as ws:
        for i in range(0, len(topics), 20):
            await ws.send_str(json.dumps({op_key: "subscribe", "args": topics[i:i + 20]}))
        await asyncio.sleep(1.0)  # let subscriptions and first snapshots settle
        deadline = time.monotonic() + seconds
        t0 = time.perf_counter()
        while time.monotonic() < deadline:
            try:
                msg = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if msg.type == aiohttp.WSMsgType.BINARY:
                json.loads(zlib.decompressobj(-15).decompress(msg.data))
                got += 1
            elif msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                if isinstance(data, dict) and "data" in data and "group" in data:
                    got += 1
                elif isinstance(data, dict) and "table" in data:
                    got += 1
            else:
                break
        return got / (time.perf_counter() - t0), len(topics)


def ws_topics(h: ThreadHandle) -> tuple[list[str], list[str]]:
    spot = [r.symbol for r in h.exchange.symbol_list if r.trade_status == "trading" and r.quote == "USDT"]
    fut = [c.symbol for c in h.state.futures.contract_list if c.trading]
    return ([f"spot/depth/increase100:{s}" for s in spot] + [f"spot/trade:{s}" for s in spot],
            [f"futures/depthIncrease50:{s}@100ms" for s in fut] + [f"futures/trade:{s}" for s in fut])


def line(name: str, spot: float, fut: float, unit: str) -> str:
    return f"{name:<22} spot {spot:>9.0f} {unit}   futures {fut:>9.0f} {unit}   futures/spot {fut / spot:5.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--agent-rate", type=float, default=2000)
    a = ap.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    h = run_sandbox_in_thread(SandboxConfig(pairs=20, agent_rate=0, rate_limits=False, ws_connection_limits=False))
    try:
        for name, (spot_call, fut_call) in rest_cases(h).items():
            n = a.requests if "submit" not in name else a.requests // 2
            spot = asyncio.run(rate(spot_call, n, a.concurrency))
            fut = asyncio.run(rate(fut_call, n, a.concurrency))
            print(line(name, spot, fut, "req/s" if "submit" not in name else "pairs/s"))
    finally:
        h.stop()
    h = run_sandbox_in_thread(SandboxConfig(pairs=20, agent_rate=a.agent_rate, rate_limits=False,
                                            ws_connection_limits=False, ws_max_msgs_per_10s=10_000))
    try:
        spot_topics, fut_topics = ws_topics(h)
        spot, n_spot = asyncio.run(frames_per_s(h.ws_public_url, spot_topics, "op", a.seconds))
        fut, n_fut = asyncio.run(frames_per_s(h.futures_ws_public_url, fut_topics, "action", a.seconds))
        print(line(f"ws frames ({n_spot}/{n_fut} topics)", spot, fut, "fr/s "))
        print(line("ws frames per topic", spot / n_spot, fut / n_fut, "fr/s "))
    finally:
        h.stop()


if __name__ == "__main__":
    main()

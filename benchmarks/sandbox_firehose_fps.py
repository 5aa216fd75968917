"""Firehose WebSocket data frames/s (spot/depth/increase100:BTC_USDT, 20 levels per frame), loopback only.

Usage: .venv/bin/python benchmarks/sandbox_firehose_fps.py [--frames 50000] [--seconds 30] [--inflate]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import zlib

import aiohttp

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import run_sandbox_in_thread


async def run(url: str, frames: int, seconds: float, decode: bool) -> tuple[int, float]:
    got = 0
    async with aiohttp.ClientSession() as s, s.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/depth/increase100:BTC_USDT"]}))
        t0 = 0.0
        deadline = time.monotonic() + seconds
        while got < frames + 1 and time.monotonic() < deadline:
            msg = await ws.receive(timeout=10)
            if msg.type != aiohttp.WSMsgType.BINARY:
                continue
            if got == 0:
                t0 = time.perf_counter()
            if decode:
                json.loads(zlib.decompressobj(-15).decompress(msg.data))
            got += 1
        return got - 1, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=50_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--inflate", action="store_true", help="also inflate + parse each frame in the client")
    a = ap.parse_args()
    t = time.perf_counter()
    h = run_sandbox_in_thread(SandboxConfig(pairs=2, agent_rate=0, firehose=a.frames), timeout=120)
    print(f"pre-generated {a.frames} frames in {time.perf_counter() - t:.1f}s")
    try:
        n, dt = asyncio.run(run(h.ws_public_url, a.frames, a.seconds, a.inflate))
    finally:
        h.stop()
    print(f"{n} update frames in {dt:.2f}s: {n / dt:.0f} frames/s (inflate={a.inflate})")


if __name__ == "__main__":
    main()

"""REST requests/s of the sandbox on loopback (bounded: N requests or T seconds).

Usage: .venv/bin/python benchmarks/sandbox_rest_rps.py [--requests 5000] [--concurrency 16] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import run_sandbox_in_thread


async def run(url: str, n: int, conc: int, seconds: float) -> tuple[int, float]:
    done = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as s:
        async def worker() -> None:
            nonlocal done
            while done < n and time.monotonic() < deadline:
                done += 1
                async with s.get(url) as r:
                    await r.read()
                    assert r.status == 200
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        return done, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--path", default="/spot/quotation/v3/ticker?symbol=BTC_USDT")
    a = ap.parse_args()
    h = run_sandbox_in_thread(SandboxConfig(pairs=5, agent_rate=0, rate_limits=False))
    try:
        n, dt = asyncio.run(run(h.rest_url + a.path, a.requests, a.concurrency, a.seconds))
    finally:
        h.stop()
    print(f"{n} requests to {a.path} in {dt:.2f}s: {n / dt:.0f} req/s (concurrency {a.concurrency})")


if __name__ == "__main__":
    main()

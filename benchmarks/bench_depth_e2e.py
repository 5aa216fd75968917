"""End-to-end depth benchmark over a real loopback socket: sandbox firehose -> connector vs ccxt.pro.

The sandbox runs in a subprocess (`--firehose N`): each spot/depth/increase100:BTC_USDT subscriber
receives a snapshot and N raw-deflate updates as fast as the socket drains. We time, from the first
view, how long each client takes to reach the last version:
  connector: BitmartStreams.order_book(BTC-USDT, 20), consuming every view
  ccxt.pro : watch_order_book("BTC/USDT") in a loop until the book's timestamp is the last frame's
Run: .venv/bin/python benchmarks/bench_depth_e2e.py [--frames 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

T0_MS = 1_700_000_000_000  # the firehose's first ms_t (bitmart_plugin/sandbox/firehose.py)


async def run_connector(ready: dict[str, str], n: int) -> tuple[float, float]:
    from host_spec import TradingPair

    from bitmart_plugin.settings import BitmartSettings
    from bitmart_plugin.ws.streams import BitmartStreams

    streams = BitmartStreams(BitmartSettings(ws_public_url=ready["ws_public_url"], _env_file=None))  # type: ignore[call-arg]
    t0 = 0.0
    views = 0
    try:
        async for view in streams.order_book(TradingPair("BTC", "USDT"), 20):
            if views == 0:
                t0, c0 = time.perf_counter(), time.process_time()
            views += 1
            if view.sequence >= n + 1:
                break
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        stats = streams.public.books["BTC_USDT"].stats if "BTC_USDT" in streams.public.books else {}
        print(f"  connector: {views} views, stats={stats}")
        return n / elapsed, n / cpu
    finally:
        await streams.close()


async def run_ccxt(ready: dict[str, str], n: int) -> tuple[float, float]:
    import ccxt.pro

    ex = ccxt.pro.bitmart()
    ex.urls["api"]["spot"] = ready["rest_url"]
    ex.urls["api"]["swap"] = ready["rest_url"]
    ex.urls["api"]["ws"]["spot"] = {"public": ready["ws_public_url"], "private": ready["ws_private_url"]}
    try:
        await ex.load_markets()
        last_ts = T0_MS + n
        ob = await ex.watch_order_book("BTC/USDT")
        t0, c0 = time.perf_counter(), time.process_time()
        while ob["timestamp"] < last_ts:
            ob = await ex.watch_order_book("BTC/USDT")
        return n / (time.perf_counter() - t0), n / (time.process_time() - c0)
    finally:
        await ex.close()


def start_sandbox(n: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    code = "import sys; from bitmart_plugin.sandbox.server import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, "--pairs", "2", "--agent-rate", "0", "--firehose", str(n)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


async def main_async(n: int) -> None:
    proc, ready = start_sandbox(n)
    try:
        conn = await asyncio.wait_for(run_connector(ready, n), 300)
        ccxt = await asyncio.wait_for(run_ccxt(ready, n), 300)
    finally:
        proc.terminate()
        proc.wait(10)
    print("wall msg/s is capped by the sandbox's send rate (one process); client CPU msg/s is each client's own cost")
    print(f"connector : {conn[0]:>10,.0f} msg/s wall   {conn[1]:>10,.0f} msg/s per client CPU-second")
    print(f"ccxt.pro  : {ccxt[0]:>10,.0f} msg/s wall   {ccxt[1]:>10,.0f} msg/s per client CPU-second")
    print(f"connector/ccxt = {conn[0] / ccxt[0]:.2f}x wall, {conn[1] / ccxt[1]:.2f}x CPU  (target >= 3)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=50_000)
    asyncio.run(main_async(ap.parse_args().frames))


if __name__ == "__main__":
    main()

"""End-to-end depth benchmark over a real loopback socket: firehose -> connector vs ccxt.pro.

The firehose runs in its own process (`--serve`): it pre-encodes the sandbox's firehose stream
(bitmart_plugin.sandbox.spot.firehose: a spot/depth/increase100:BTC_USDT snapshot + N raw-deflate updates)
once, *including the WebSocket framing*, and on each depth subscription writes that blob to the socket
in one go, so the sender costs almost nothing and the clients are what is measured. The sandbox runs
too (REST only) because ccxt needs `load_markets`. Each client runs in a fresh process of its own and
reports, from its first book to the last version: wall msg/s and its own CPU-seconds per message.

  connector        : PublicStreams.order_book(BTC-USDT, 20), one view per update, every view consumed
  connector-latest : the same with conflate=True (every update applied; the consumer reads the newest)
  ccxt.pro         : watch_order_book("BTC/USDT") in a loop until the last frame's timestamp

With `--market perp` the same over the futures protocol (text frames, nothing deflated): the sender serves
bitmart_plugin.sandbox.futures.firehose's BTCUSDT history as futures/depthIncrease50 (the connector's channel)
and as futures/depth50 (one side per message: ccxt.pro's only swap book channel), the same book states; the
sandbox serves the futures REST (contract listing for both clients).

  connector        : bitmart_perpetual's order_book(BTC-USDT, 20) through the host (Host.open), every view consumed
  connector-latest : the same with the conflate_books option
  ccxt.pro         : watch_order_book("BTC/USDT:USDT") until the last frame's timestamp
Rates count book changes (the same for all); ccxt.pro reads ~2 messages per change.

Run: .venv/bin/python benchmarks/bench_depth_e2e.py [--frames 100000] [--market spot|perp] [--repeat 5]

On a shared machine single runs vary by a third; --repeat N interleaves N runs of each client and reports
each client's median run (by CPU per message), with every run's figure.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

T0_MS = 1_700_000_000_000  # the firehose's first ms_t (bitmart_plugin/sandbox/spot/firehose.py)
TOPIC = "spot/depth/increase100:BTC_USDT"
PERP_TOPIC = "futures/depthIncrease50:BTCUSDT"
CCXT_PERP_TOPIC = "futures/depth50:BTCUSDT"


# ---- the firehose process ---------------------------------------------------------------------------


def _ws_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One unmasked (server -> client) WebSocket frame (the sandbox's own framing)."""
    from bitmart_plugin.sandbox.ws_conn import ws_frame

    return ws_frame(payload, opcode)


def _blobs(market: str, n: int) -> dict[str, bytes]:
    """Topic (without a speed suffix) -> its whole stream, pre-framed."""
    if market == "spot":
        from bitmart_plugin.sandbox.spot.firehose import firehose_frames

        return {TOPIC: b"".join(_ws_frame(f) for f in firehose_frames(n))}
    from bitmart_plugin.sandbox.futures.firehose import futures_depth_frames

    inc, sides = futures_depth_frames(n)
    return {PERP_TOPIC: b"".join(_ws_frame(f.encode(), 0x1) for f in inc),
            CCXT_PERP_TOPIC: b"".join(_ws_frame(f.encode(), 0x1) for f in sides)}


def _ack(req: dict[str, object], topic: str) -> str:
    """Spot `{"event","topic"}`; futures `{"action","group","success","request"}`."""
    if "op" in req:
        return json.dumps({"event": req["op"], "topic": topic})
    return json.dumps({"action": req.get("action"), "group": topic, "success": True,
                       "request": {"action": req.get("action"), "args": [topic]}})


async def serve(n: int, market: str) -> None:
    from websockets.asyncio.server import serve as ws_serve

    blobs = _blobs(market, n)

    from websockets.exceptions import ConnectionClosed

    async def handler(ws: object) -> None:
        try:
            await _answer(ws)
        except ConnectionClosed:
            pass  # the client read what it needed and left

    async def _answer(ws: object) -> None:
        async for message in ws:  # type: ignore[attr-defined]
            if message == "ping" or message == '{"action":"ping"}':
                await ws.send("pong" if message == "ping" else '{"group":"System","data":"pong"}')  # type: ignore[attr-defined]
                continue
            try:
                req = json.loads(message)
            except ValueError:
                continue
            op = req.get("op", req.get("action"))
            for topic in req.get("args", []):
                await ws.send(_ack(req, topic))  # type: ignore[attr-defined]
                blob = blobs.get(topic.partition("@")[0])
                if op == "subscribe" and blob is not None:
                    ws.transport.write(blob)  # type: ignore[attr-defined]  # the whole stream, pre-framed

    async with ws_serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"ws": f"ws://127.0.0.1:{port}/api?protocol=1.1"}), flush=True)
        await asyncio.Event().wait()


# ---- the clients (each in its own process) ------------------------------------------------------------


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def client_connector(ws_url: str, n: int, conflate: bool) -> dict[str, float]:
    from host_spec import TradingPair

    from bitmart_plugin.ws.public import PublicStreams

    streams = PublicStreams(ws_url)
    try:
        result = await _read_books(streams.order_book(TradingPair("BTC", "USDT"), 20, conflate=conflate), n)
        stats = streams.books["BTC_USDT"].stats
        return {**result, "applied": stats["applied"], "gaps": stats["gaps"]}
    finally:
        await streams.close()


async def _read_books(views: AsyncIterator[Any], n: int) -> dict[str, float]:
    """Consume views until the last version; from the first book on: changes, wall s, CPU s, views read."""
    count = 0
    t0 = c0 = 0.0
    async for view in views:
        if count == 0:
            t0, c0, first = time.perf_counter(), _cpu(), view.sequence
        count += 1
        if view.sequence >= n + 1:
            break
    return {"msgs": n + 1 - first, "wall": time.perf_counter() - t0, "cpu": _cpu() - c0, "views": count}


async def client_ccxt(ws_url: str, rest_url: str, n: int, market: str) -> dict[str, float]:
    import ccxt.pro

    symbol, kind = ("BTC/USDT", "spot") if market == "spot" else ("BTC/USDT:USDT", "swap")
    ex = ccxt.pro.bitmart()
    ex.urls["api"]["spot"] = rest_url
    ex.urls["api"]["swap"] = rest_url
    ex.urls["api"]["ws"][kind] = {"public": ws_url, "private": ws_url}
    try:
        await ex.load_markets()
        last_ts = T0_MS + n
        ob = await ex.watch_order_book(symbol)
        t0, c0, first, views = time.perf_counter(), _cpu(), ob["timestamp"], 1
        while ob["timestamp"] < last_ts:
            ob = await ex.watch_order_book(symbol)
            views += 1
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        return {"msgs": (last_ts - first), "wall": wall, "cpu": cpu, "views": views}
    finally:
        await ex.close()


async def client_perp_connector(ws_url: str, rest_url: str, n: int, conflate: bool) -> dict[str, float]:
    from host_spec import Host, TradingPair

    host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart"}, warn=io.StringIO())
    options = {"futures_rest_url": rest_url, "futures_ws_public_url": ws_url, "conflate_books": conflate}
    async with await host.open("bitmart_perpetual", {}, options) as conn:
        result = await _read_books(conn.order_book(TradingPair("BTC", "USDT"), 20), n)
        stats = conn.session._streams().public.books["BTCUSDT"].stats  # type: ignore[attr-defined]
    return {**result, "applied": stats["applied"], "gaps": stats["gaps"]}


def _client(a: argparse.Namespace) -> dict[str, float]:
    latest = a.client == "connector-latest"
    if a.client == "ccxt":
        return asyncio.run(client_ccxt(a.ws, a.rest, a.frames, a.market))
    if a.market == "perp":
        return asyncio.run(client_perp_connector(a.ws, a.rest, a.frames, latest))
    return asyncio.run(client_connector(a.ws, a.frames, latest))


def run_client(kind: str, ws_url: str, rest_url: str, n: int, market: str) -> dict[str, float]:
    args = [sys.executable, __file__, "--client", kind, "--ws", ws_url, "--rest", rest_url, "--frames", str(n),
            "--market", market]
    out = subprocess.run(args, capture_output=True, text=True, timeout=170, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{kind} client failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _spawn(args: list[str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--client", choices=["connector", "connector-latest", "ccxt"], help=argparse.SUPPRESS)
    ap.add_argument("--ws", help=argparse.SUPPRESS)
    ap.add_argument("--rest", help=argparse.SUPPRESS)
    ap.add_argument("--market", choices=["spot", "perp"], default="spot")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the three clients this many times, interleaved; report each one's median run")
    a = ap.parse_args()
    if a.serve:
        asyncio.run(serve(a.frames, a.market))
        return
    if a.client:
        print(json.dumps(_client(a)))
        return

    sandbox_code = "import sys; from bitmart_plugin.sandbox.server import main; sys.exit(main(sys.argv[1:]))"
    sandbox, ready = _spawn(["-c", sandbox_code, "--pairs", "2", "--agent-rate", "0"])
    hose, hose_ready = _spawn([__file__, "--serve", "--frames", str(a.frames), "--market", a.market])
    runs: dict[str, list[dict[str, float]]] = {"connector": [], "connector-latest": [], "ccxt": []}
    try:
        for _ in range(a.repeat):
            for kind, done in runs.items():
                done.append(run_client(kind, hose_ready["ws"], ready["rest_url"], a.frames, a.market))
    finally:
        for proc in (hose, sandbox):
            proc.terminate()
            proc.wait(10)
    if a.market == "perp":
        print(f"{a.frames} futures book changes (10 levels each, 50-level book, text frames) from a pre-framed sender "
              f"process: the connector reads futures/depthIncrease50, ccxt.pro futures/depth50 (both sides of the "
              f"top 50 per change); client in its own process; msg = one book change")
    else:
        print(f"{a.frames} depth frames (20 levels, 100-level book) from a pre-framed sender process; client in its own process")
    results = {kind: sorted(done, key=lambda r: r["cpu"] / r["msgs"])[len(done) // 2] for kind, done in runs.items()}
    if a.repeat > 1:
        print(f"median of {a.repeat} interleaved runs per client (by CPU per message); "
              f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
        for kind, done in runs.items():
            print(f"  {kind:17s} runs: " + ", ".join(f"{r['cpu'] / r['msgs'] * 1e6:.1f}" for r in done) + " us CPU/msg")
    rate = {}
    for kind, r in results.items():
        rate[kind] = r["msgs"] / r["wall"]
        extra = f"  applied={r['applied']} gaps={r['gaps']}" if "applied" in r else ""
        print(f"{kind:17s}: {rate[kind]:>9,.0f} msg/s wall  {r['cpu'] / r['msgs'] * 1e6:6.1f} us CPU/msg  "
              f"{r['views']:>7,} books read{extra}")
    cpu = {k: r["cpu"] / r["msgs"] for k, r in results.items()}
    target = "  (target >= 3)" if a.market == "spot" else ""
    for kind in ("connector", "connector-latest"):
        print(f"{kind}/ccxt = {rate[kind] / rate['ccxt']:.2f}x wall, {cpu['ccxt'] / cpu[kind]:.2f}x CPU/msg{target}")


if __name__ == "__main__":
    main()

"""Where the sandbox's time goes at many pairs (not a test): agents, matching, events, candles, depth batches, pushes.

Every pair's depth and trades are subscribed by in-process subscribers (no sockets: see scale_books.py for the
real thing), the agents are stepped 20 times a second at `--rate` actions/s (the futures agents at their own
rate), and the run is profiled with cProfile; `--cpu` skips the profiler and prints the CPU share a core needs
and what the subscribers got (versions and trades per pair a second).

Run: .venv/bin/python benchmarks/sandbox_scale_profile.py --pairs 1000 --rate 14000 [--cpu]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from typing import Any, Callable

from bitmart_plugin.sandbox.agent_timer import futures_rate
from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.spot.depth_feed import TABLE

Key = tuple[str, int, str]


class Subscriber:
    """Counts what it is sent (the sandbox's Conn interface, minus a socket)."""

    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.account_id = None
        self.frames = 0

    def send(self, item: Any) -> None:
        self.frames += 1


def _in(file: str, name: str) -> Callable[[Key], bool]:
    return lambda k: k[0].endswith(file) and k[2] == name


ROWS: list[tuple[str, list[Callable[[Key], bool]]]] = [
    ("spot agents: decisions + matching + events", [_in("spot/agents.py", "step")]),
    ("  exchange: validation, matching, settlement", [_in("spot/exchange.py", "submit_order"),
                                                       _in("spot/exchange.py", "submit_agent_order"),
                                                       _in("spot/exchange.py", "cancel_order")]),
    ("  events to listeners (build + dispatch)", [_in("spot/engine.py", "emit"), _in("spot/engine.py", "_order_event"),
                                                  _in("spot/engine.py", "_balance")]),
    ("  candles", [_in("core/candles.py", "add_trade"), _in("core/candles.py", "record")]),
    ("  agent order pruning", [_in("spot/exchange.py", "_prune_agent_orders")]),
    ("futures agents", [_in("futures/agents.py", "step")]),
    ("depth batches: diff, format, JSON, deflate", [_in("spot/depth_feed.py", "_flush_feed")]),
    ("  JSON encoding (all pushes)", [lambda k: k[0].endswith("json/__init__.py") and k[2] == "dumps",
                                      lambda k: "orjson.dumps" in k[2]]),
    ("  deflate (all pushes)", [_in("sandbox/deflate.py", "compress"), lambda k: "isal_zlib.compress" in k[2]]),
    ("trade pushes", [_in("spot/ws_public.py", "_flush_trades")]),
    ("ticker/depthN/kline period", [_in("spot/ws_public.py", "periodic")]),
    ("public listener", [_in("spot/ws_public.py", "on_level"), _in("spot/ws_public.py", "on_trade")]),
    ("private listener", [_in("spot/ws_private.py", "on_event")]),
]


async def run(a: argparse.Namespace) -> None:
    sb = Sandbox(SandboxConfig(pairs=a.pairs, agent_rate=0, rate_limits=False))
    await sb.start()
    try:
        ex, ws, sub = sb.exchange, sb.public_ws, Subscriber()
        assert ws is not None
        t = time.process_time()
        for r in ex.symbol_list:
            ws.topics.add(sub, f"{TABLE}:{r.symbol}")  # type: ignore[arg-type]
            ws.topics.add(sub, f"spot/trade:{r.symbol}")  # type: ignore[arg-type]
            ws.depth.snapshot(r.symbol)
        build = time.process_time() - t
        fut = futures_rate(sb.config, a.rate)
        versions0 = sum(f.version for f in ws.depth.feeds.values())
        frames0, trades0 = sub.frames, sum(len(md.trades) for md in ex.engine.market.values())
        prof = cProfile.Profile()
        c0, w0 = time.process_time(), time.perf_counter()
        if not a.cpu:
            prof.enable()
        for _ in range(int(a.seconds * 20)):
            ex.step_agents(int(a.rate // 20))
            if sb.futures_agents is not None:
                sb.futures_agents.step(int(fut // 20))
            await asyncio.sleep(0.05)
        prof.disable()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        tradable = sum(1 for r in ex.symbol_list if r.trading)
        versions = (sum(f.version for f in ws.depth.feeds.values()) - versions0) / a.seconds / tradable
        trades = (sum(len(md.trades) for md in ex.engine.market.values()) - trades0) / a.seconds / tradable
        print(f"{a.pairs} pairs ({tradable} tradable), {a.rate:g} spot agent actions/s, futures {fut:.0f}/s, "
              f"{a.seconds:g} s: build + subscribe {build:.2f} s CPU")
        print(f"  per tradable pair a second: {versions:.1f} depth versions, {trades:.2f} trades; "
              f"{(sub.frames - frames0) / a.seconds:,.0f} pushes/s in all")
        if a.cpu:
            print(f"  CPU {cpu:.2f} s in {wall:.2f} s: {100 * cpu / a.seconds:.0f}% of a core at this rate")
            return
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        busy = sum(v[3] for k, v in stats.items() if k[2] == "_run_once") - sum(
            v[2] for k, v in stats.items() if "epoll" in k[2])
        print(f"  profiled busy time {busy:.2f} s (cProfile slows it down), shares:")
        for name, preds in ROWS:
            v = sum(st[3] for k, st in stats.items() if any(p(k) for p in preds))
            print(f"  {name:46s} {v:6.2f} s {100 * v / max(busy, 1e-9):5.1f}%")
        if a.dump:
            prof.dump_stats(a.dump)
    finally:
        await sb.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=14000, help="spot agent actions per second")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--cpu", action="store_true", help="no profiler: CPU share and what the subscribers got")
    ap.add_argument("--dump", metavar="FILE", help="also write the cProfile stats to FILE (pstats format)")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()

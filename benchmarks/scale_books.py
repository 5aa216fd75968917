"""Scale benchmark (not a test): follow every sandbox pair's order book at once through the public Host API.

The sandbox runs as its own process (`bitmart_plugin.sandbox.server`, the code behind `host-spec sandbox`;
run directly so the benchmark does not record itself as the default venue), optionally under cProfile.
Each client runs in a fresh process of its own, one after the other against the same sandbox:

  connector : Host.discover() -> open("bitmart") -> one `order_book(pair, 20)` consumer per tradable pair
              (the connector spreads the topics over as many sockets as the per-connection cap needs);
              with --trades also one `trades(pair)` consumer per pair
  ccxt.pro  : (--peer) one `watch_order_book(symbol)` loop per pair on the same pairs

For each it prints pairs with a book, the time until every pair had one, views/s (total and per pair),
the delay from the venue's timestamp (the push's ms_t) to the consumer p50/p99 over the measured window,
its CPU share, CPU-us per view and RSS; and the sandbox's own CPU share over the same window.

Run: .venv/bin/python benchmarks/scale_books.py --pairs 1000 --seconds 30 --agent-rate 20000 [--peer]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import signal
import subprocess
import sys
import time
from typing import Any

SANDBOX = [sys.executable, "-m", "bitmart_plugin.sandbox.server"]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _proc_cpu(pid: int) -> float:
    """user+system CPU seconds of another process (and its reaped children)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class LoopWatch:
    """How late a 5 ms timer fires (the event loop's lag) and how long the collector's passes take."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.gc: dict[int, list[float]] = {}
        self._t0 = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.gc.setdefault(info["generation"], []).append(time.perf_counter() - self._t0)

    async def run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags.append(time.perf_counter() - t - 0.005)

    def summary(self) -> dict[str, Any]:
        return {"lag_p50": 1000 * _pct(self.lags, 0.5), "lag_p99": 1000 * _pct(self.lags, 0.99),
                "lag_max": 1000 * _pct(self.lags, 1.0),
                "gc": {g: (len(v), 1000 * sum(v), 1000 * max(v)) for g, v in sorted(self.gc.items())}}


class Tally:
    """What the consumers saw: first-book times, views and delays inside the measured window."""

    def __init__(self, n_pairs: int) -> None:
        self.n_pairs = n_pairs
        self.t_start = time.monotonic()
        self.first: dict[str, float] = {}
        self.measuring = False
        self.views = 0
        self.trades = 0
        self.delays: list[float] = []
        self.errors: dict[str, int] = {}

    def view(self, key: str, ts_ms: int) -> None:
        if key not in self.first:
            self.first[key] = time.monotonic() - self.t_start
        if self.measuring:
            self.views += 1
            self.delays.append(time.time() * 1000 - ts_ms)

    def error(self, exc: BaseException) -> None:
        text = f"{type(exc).__name__}: {str(exc)[:120]}"
        self.errors[text] = self.errors.get(text, 0) + 1

    async def run(self, seconds: float, settle_max: float) -> dict[str, Any]:
        """Wait until every pair has a book (at most `settle_max` s), then measure for `seconds`."""
        while len(self.first) < self.n_pairs and time.monotonic() - self.t_start < settle_max:
            await asyncio.sleep(0.05)
        all_books = max(self.first.values()) if len(self.first) == self.n_pairs else None
        self.measuring = True
        print("measuring", flush=True)
        watch = LoopWatch()
        watcher = asyncio.create_task(watch.run())
        t0, c0 = time.monotonic(), _cpu()
        await asyncio.sleep(seconds)
        wall, cpu = time.monotonic() - t0, _cpu() - c0
        self.measuring = False
        watcher.cancel()
        gc.callbacks.remove(watch._on_gc)
        return {**watch.summary(), "pairs": self.n_pairs, "with_book": len(self.first), "all_books_s": all_books,
                "views": self.views, "trades": self.trades, "wall": wall, "cpu": cpu, "rss_mb": _rss_mb(),
                "p50": _pct(self.delays, 0.50), "p99": _pct(self.delays, 0.99), "max": _pct(self.delays, 1.0),
                "errors": self.errors}


async def client_connector(ready: dict[str, str], seconds: float, settle_max: float, trades: bool, limit: int) -> dict[str, Any]:
    from host_spec import Host

    host = Host.discover()
    options = {"rest_url": ready["rest_url"], "ws_public_url": ready["ws_public_url"], "ws_private_url": ready["ws_private_url"]}
    async with await host.open("bitmart", options=options) as conn:
        rules = await conn.trading_rules()
        pairs = [p for p, r in rules.items() if r.trading_enabled][:limit]
        tally = Tally(len(pairs))
        rss0 = _rss_mb()

        async def follow_book(pair: Any) -> None:
            key = str(pair)
            try:
                async for view in conn.order_book(pair, 20):
                    tally.view(key, view.timestamp_ms)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                tally.error(exc)

        async def follow_trades(pair: Any) -> None:
            try:
                async for _ in conn.trades(pair):
                    if tally.measuring:
                        tally.trades += 1
            except Exception as exc:  # noqa: BLE001
                tally.error(exc)

        tasks = [asyncio.create_task(follow_book(p)) for p in pairs]
        if trades:
            tasks += [asyncio.create_task(follow_trades(p)) for p in pairs]
        try:
            result = await tally.run(seconds, settle_max)
            public = conn.session._streams().public  # noqa: SLF001 - report only
            result["connections"] = len(public.pool.connections)
            totals: dict[str, int] = {}
            for feed in public.books.values():
                for k, v in feed.stats.items():
                    totals[k] = totals.get(k, 0) + v
            result["book_stats"] = {k: v for k, v in totals.items() if v}
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        result["rss_base_mb"] = rss0
        return result


async def client_ccxt(ready: dict[str, str], seconds: float, settle_max: float, limit: int) -> dict[str, Any]:
    import ccxt.pro

    ex = ccxt.pro.bitmart()
    ex.urls["api"]["spot"] = ready["rest_url"]
    ex.urls["api"]["swap"] = ready["rest_url"]
    ex.urls["api"]["ws"]["spot"] = {"public": ready["ws_public_url"], "private": ready["ws_private_url"]}
    try:
        markets = await ex.load_markets()
        symbols = [s for s, m in markets.items() if m.get("spot") and m.get("active", True)][:limit]
        tally = Tally(len(symbols))
        rss0 = _rss_mb()

        async def follow(symbol: str) -> None:
            try:
                while True:
                    ob = await ex.watch_order_book(symbol)
                    tally.view(symbol, ob["timestamp"] or 0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                tally.error(exc)

        tasks = [asyncio.create_task(follow(s)) for s in symbols]
        try:
            result = await tally.run(seconds, settle_max)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        result["rss_base_mb"] = rss0
        return result
    finally:
        await ex.close()


def run_client(kind: str, ready: dict[str, str], a: argparse.Namespace, sandbox_pid: int) -> dict[str, Any]:
    args = [sys.executable, __file__, "--client", kind, "--ready", json.dumps(ready), "--seconds", str(a.seconds),
            "--settle-max", str(a.settle_max), "--limit", str(a.limit)]
    if a.trades:
        args.append("--trades")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    # the client says when its measured window starts: the sandbox's CPU (and profile) cover that window
    line = proc.stdout.readline()
    s0, t0 = _proc_cpu(sandbox_pid), time.monotonic()
    if line.strip() == "measuring" and a.profile_sandbox and kind == "connector":
        os.kill(sandbox_pid, signal.SIGUSR1)
    else:
        line = ""
    out = proc.stdout.read()
    s1, t1 = _proc_cpu(sandbox_pid), time.monotonic()
    if proc.wait() != 0 or not out.strip():
        raise SystemExit(f"{kind} client failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["sandbox_cpu_share_run"] = (s1 - s0) / (t1 - t0)
    return result


def serve_profiled(path: str, argv: list[str]) -> None:
    """The sandbox under cProfile: SIGUSR1 starts a fresh profile (the measured window), SIGUSR2 writes it and exits.

    Signal handlers run between bytecodes, so this works even when the sandbox's event loop is saturated.
    """
    import cProfile
    import signal

    from bitmart_plugin.sandbox.server import main as sandbox_main

    prof = cProfile.Profile()

    def start(*_: object) -> None:
        prof.disable()
        prof.clear()
        prof.enable()

    def dump(*_: object) -> None:
        prof.disable()
        prof.dump_stats(path)
        os._exit(0)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, dump)
    sandbox_main(argv)


def start_sandbox(a: argparse.Namespace) -> tuple[subprocess.Popen[str], dict[str, str]]:
    cmd = list(SANDBOX)
    if a.profile_sandbox:
        cmd = [sys.executable, __file__, "--serve-profiled", a.profile_sandbox, "--"]
    cmd += ["--port", "0", "--pairs", str(a.pairs), "--agent-rate", str(a.agent_rate)]
    if a.workers:
        cmd += ["--workers", str(a.workers)]
    cmd += a.sandbox_arg
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(line)


def show(kind: str, r: dict[str, Any]) -> None:
    per_pair = r["views"] / r["wall"] / max(1, r["pairs"])
    first = f"{r['all_books_s']:.1f} s" if r["all_books_s"] is not None else "never (timeout)"
    print(f"{kind}: {r['with_book']}/{r['pairs']} pairs with a book; every pair by {first}")
    print(f"  views {r['views'] / r['wall']:,.0f}/s ({per_pair:.1f}/s per pair)"
          + (f", trades {r['trades'] / r['wall']:,.0f}/s ({r['trades'] / r['wall'] / max(1, r['pairs']):.2f}/s per pair)" if r["trades"] else ""))
    print(f"  delay venue ms_t -> consumer: p50 {r['p50']:.0f} ms, p99 {r['p99']:.0f} ms, max {r['max']:.0f} ms")
    cpu_us = r["cpu"] / r["views"] * 1e6 if r["views"] else float("nan")
    print(f"  client CPU {100 * r['cpu'] / r['wall']:.1f}% of one core ({cpu_us:.0f} us/view, "
          f"{1000 * r['cpu'] / r['wall'] / max(1, r['pairs']):.2f} ms CPU/s per pair); RSS {r['rss_mb']:.0f} MB "
          f"({1024 * (r['rss_mb'] - r['rss_base_mb']) / max(1, r['pairs']):.0f} KB per pair above the {r['rss_base_mb']:.0f} MB before following)"
          + (f"; {r['connections']} sockets" if "connections" in r else ""))
    if r.get("book_stats"):
        print(f"  book feeds: {r['book_stats']}")
    pauses = ", ".join(f"gen{g} {n}x max {mx:.0f} ms" for g, (n, _, mx) in r["gc"].items())
    print(f"  client loop lag p50 {r['lag_p50']:.1f} ms, p99 {r['lag_p99']:.1f} ms, max {r['lag_max']:.0f} ms; GC {pauses}")
    print(f"  sandbox CPU during this client: {100 * r['sandbox_cpu_share_run']:.0f}% of one core")
    for text, n in sorted(r["errors"].items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {n} x {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000, help="sandbox pairs (some are pre-trade: only tradable ones are followed)")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured window after every pair has a book")
    ap.add_argument("--settle-max", type=float, default=60.0, help="longest wait for every pair's first book")
    ap.add_argument("--agent-rate", type=float, default=20000.0)
    ap.add_argument("--workers", type=int, default=0, help="sandbox worker processes (0: its default)")
    ap.add_argument("--limit", type=int, default=1_000_000, help="follow at most this many pairs")
    ap.add_argument("--peer", action="store_true", help="also run ccxt.pro watch_order_book on the same pairs")
    ap.add_argument("--trades", action="store_true", help="the connector client also follows every pair's trades")
    ap.add_argument("--profile-sandbox", metavar="FILE", help="run the sandbox under cProfile, stats to FILE")
    ap.add_argument("--sandbox-arg", action="append", default=[], help="extra argument for the sandbox CLI")
    ap.add_argument("--serve-profiled", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("sandbox_argv", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--client", choices=["connector", "ccxt"], help=argparse.SUPPRESS)
    ap.add_argument("--ready", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve_profiled:
        serve_profiled(a.serve_profiled, a.sandbox_argv)
        return
    if a.client:
        ready = json.loads(a.ready)
        if a.client == "ccxt":
            result = asyncio.run(client_ccxt(ready, a.seconds, a.settle_max, a.limit))
        else:
            result = asyncio.run(client_connector(ready, a.seconds, a.settle_max, a.trades, a.limit))
        print(json.dumps(result))
        return

    sandbox, ready = start_sandbox(a)
    results: dict[str, dict[str, Any]] = {}
    try:
        results["connector"] = run_client("connector", ready, a, sandbox.pid)
        if a.peer:
            results["ccxt.pro"] = run_client("ccxt", ready, a, sandbox.pid)
    finally:
        if a.profile_sandbox:
            os.kill(sandbox.pid, signal.SIGUSR2)
        else:
            sandbox.terminate()
        try:
            sandbox.wait(60)
        except subprocess.TimeoutExpired:
            sandbox.kill()
            sandbox.wait()
    print(f"sandbox --pairs {a.pairs} --agent-rate {a.agent_rate:g}{f' --workers {a.workers}' if a.workers else ''}; "
          f"{a.seconds:g} s measured per client; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for kind, r in results.items():
        show(kind, r)
    if "ccxt.pro" in results:
        c, p = results["connector"], results["ccxt.pro"]
        print(f"connector/ccxt.pro: pairs with a book {c['with_book']}/{max(1, p['with_book'])} = "
              f"{c['with_book'] / max(1, p['with_book']):.1f}x; views/s {c['views'] / max(1, p['views']) * p['wall'] / c['wall']:.1f}x")


if __name__ == "__main__":
    main()

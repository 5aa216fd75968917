"""Scale benchmark (not a test): follow every sandbox pair's order book at once through the public Host API.

The sandbox runs as its own process: the code behind `host-spec sandbox` (bitmart_plugin.sandbox.server.main,
started directly so the run does not record itself as the default venue), wrapped to watch its event loop's
lag and its collector's pauses, optionally under cProfile. Each client runs in a fresh process of its own,
one after the other, against the same sandbox:

  connector : Host.discover() -> open("bitmart") -> one `order_book(pair, 20)` consumer per tradable pair
              (the connector spreads the topics over as many sockets as BitMart's 115-topic cap needs);
              with --trades also one `trades(pair)` consumer per pair
  ccxt.pro  : (--peer) one `watch_order_book(symbol)` loop per pair, on the same pairs

The window opens `--settle` s (2) after the last pair got its first book: the start's backlog (the last
snapshots and what queued behind them) is reported apart, as the p99 of that settle period.
For each client: pairs with a book, the time until every pair had one, views/s (and trades/s), the delay from
the venue's timestamp (the push's ms_t) to the consumer, p50/p99, the client's CPU share, CPU per view and per
pair, RSS per pair, its loop lag and GC pauses; and over the same window the sandbox's CPU share, agent
actions/s, loop lag and GC pauses. Per second of the window: the delay p99 and the CPU time the machine's
host took from it (steal, /proc/stat); on a shared VM the tails follow the steal, so the p99 over the calm
seconds (under 5% steal) is printed beside the whole window's. Once every pair has a book, each client calls
gc.freeze() (as a latency-minded host app would: full collections then walk only what was made since, not
the ~200,000 objects of its imports and markets); --no-freeze leaves them to the collector.

Run: .venv/bin/python benchmarks/scale_books.py --pairs 1000 --seconds 30 --agent-rate 14000 [--peer] [--trades]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any, Callable

from process_watch import CALM_STEAL, LoopWatch, StealSampler, cpu_seconds, pct, proc_cpu, rss_mb  # beside this script


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
        self.delay_at: list[float] = []  # when each delay was seen, seconds into the window
        self.t_window = 0.0
        self.settling = False
        self.settle_delays: list[float] = []  # the same, in the settle period before the window
        self.arrivals: list[float] = []  # ms_t -> frame arrival, a sample (connector client only)
        self.errors: dict[str, int] = {}

    def view(self, key: str, ts_ms: int) -> None:
        if key not in self.first:
            self.first[key] = time.monotonic() - self.t_start
        if self.measuring:
            self.views += 1
            self.delays.append(time.time() * 1000 - ts_ms)
            self.delay_at.append(time.monotonic() - self.t_window)
        elif self.settling:
            self.settle_delays.append(time.time() * 1000 - ts_ms)

    def error(self, exc: BaseException) -> None:
        text = f"{type(exc).__name__}: {str(exc)[:120]}"
        self.errors[text] = self.errors.get(text, 0) + 1

    async def run(self, seconds: float, settle_max: float, settle: float, freeze: bool) -> dict[str, Any]:
        """Wait until every pair has a book (at most `settle_max` s) and `settle` s more (the start's backlog:
        its delays are kept apart), then measure for `seconds`. `freeze`: once every pair has a book, move the
        heap made so far (modules, markets, books) out of the collector's sight, as a latency-minded host does."""
        while len(self.first) < self.n_pairs and time.monotonic() - self.t_start < settle_max:
            await asyncio.sleep(0.05)
        all_books = max(self.first.values()) if len(self.first) == self.n_pairs else None
        if freeze:
            gc.freeze()  # no collection: the generations' lists are moved as they are
        self.settling = True
        await asyncio.sleep(settle)
        self.settling = False
        self.t_window = time.monotonic()
        self.measuring = True
        print("measuring", flush=True)  # the parent starts the sandbox's window here
        watch = LoopWatch()
        watcher = asyncio.create_task(watch.run())
        steal = StealSampler(self.t_window)
        t0, c0 = time.monotonic(), cpu_seconds()
        await asyncio.sleep(seconds)
        wall, cpu = time.monotonic() - t0, cpu_seconds() - c0
        self.measuring = False
        steal.stop()
        watcher.cancel()
        watch.stop()
        return {**watch.summary(), "pairs": self.n_pairs, "with_book": len(self.first), "all_books_s": all_books,
                "views": self.views, "trades": self.trades, "wall": wall, "cpu": cpu, "rss_mb": rss_mb(),
                "p50": pct(self.delays, 0.50), "p99": pct(self.delays, 0.99), "max": pct(self.delays, 1.0),
                "settle": settle, "settle_p99": pct(self.settle_delays, 0.99), "frozen": gc.get_freeze_count(),
                "arrival_p50": pct(self.arrivals, 0.5), "arrival_p99": pct(self.arrivals, 0.99),
                **self._by_second(steal), "errors": self.errors}

    def _by_second(self, steal: "StealSampler") -> dict[str, Any]:
        """Per second of the window: the delay p99 and the share of CPU time the VM's host took (steal);
        and the p99 over the seconds with under CALM_STEAL of it (where the tail is, and why)."""
        per: dict[int, list[float]] = {}
        for at, d in zip(self.delay_at, self.delays):
            per.setdefault(int(at), []).append(d)
        seconds = range(len(steal.shares))
        calm = [k for k in seconds if k in per and (share := steal.shares[k]) is not None and share < CALM_STEAL]
        return {"p99_by_second": [pct(per.get(k, []), 0.99) for k in seconds] if per else [],
                "steal_by_second": list(steal.shares), "steal": steal.total(),
                "calm_seconds": len(calm), "p99_calm": pct([d for k in calm for d in per[k]], 0.99)}


def _watch_arrivals(tally: Tally) -> None:
    """Diagnostics: for one frame in 8, the delay from its ms_t to its arrival (before the book and the consumer)."""
    import orjson

    from bitmart_plugin.ws.public import PublicStreams

    inner = PublicStreams.on_payload
    count = 0

    def on_payload(self: Any, payload: Any, conn: Any = None) -> None:
        nonlocal count
        count += 1
        if tally.measuring and count % 8 == 0:
            try:
                tally.arrivals.append(time.time() * 1000 - orjson.loads(payload)["data"][0]["ms_t"])
            except (ValueError, KeyError, IndexError, TypeError):
                pass
        inner(self, payload, conn)

    PublicStreams.on_payload = on_payload  # type: ignore[method-assign]


async def _measure(tally: Tally, tasks: list[asyncio.Task[None]], a: argparse.Namespace, rss0: float,
                   diagnostics: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run the tally's window over the consumer tasks, then stop them."""
    try:
        result = await tally.run(a.seconds, a.settle_max, a.settle, not a.no_freeze)
        result.update(diagnostics())
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    result["rss_base_mb"] = rss0
    return result


async def client_connector(ready: dict[str, str], a: argparse.Namespace) -> dict[str, Any]:
    from host_spec import Host

    host = Host.discover()
    options = {k: ready[k] for k in ("rest_url", "ws_public_url", "ws_private_url")}
    async with await host.open("bitmart", options=options) as conn:
        rules = await conn.trading_rules()
        pairs = [p for p, r in rules.items() if r.trading_enabled][:a.limit]
        tally = Tally(len(pairs))
        if a.arrivals:
            _watch_arrivals(tally)
        rss0 = rss_mb()

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
        if a.trades:
            tasks += [asyncio.create_task(follow_trades(p)) for p in pairs]
        public = conn.session._streams().public  # noqa: SLF001 - diagnostics only

        def diagnostics() -> dict[str, Any]:
            totals: dict[str, int] = {}
            for feed in public.books.values():
                for k, v in feed.stats.items():
                    totals[k] = totals.get(k, 0) + v
            return {"connections": len(public.pool.connections), "book_stats": {k: v for k, v in totals.items() if v}}

        return await _measure(tally, tasks, a, rss0, diagnostics)


async def client_ccxt(ready: dict[str, str], a: argparse.Namespace) -> dict[str, Any]:
    import ccxt.pro

    ex = ccxt.pro.bitmart()
    ex.urls["api"]["spot"] = ready["rest_url"]
    ex.urls["api"]["swap"] = ready["rest_url"]
    ex.urls["api"]["ws"]["spot"] = {"public": ready["ws_public_url"], "private": ready["ws_private_url"]}
    try:
        markets = await ex.load_markets()
        symbols = [s for s, m in markets.items() if m.get("spot") and m.get("active", True)][:a.limit]
        tally = Tally(len(symbols))
        rss0 = rss_mb()

        async def follow(symbol: str) -> None:
            try:
                while True:
                    ob = await ex.watch_order_book(symbol)
                    tally.view(symbol, ob["timestamp"] or 0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                tally.error(exc)

        return await _measure(tally, [asyncio.create_task(follow(s)) for s in symbols], a, rss0, dict)
    finally:
        await ex.close()


# ---- the sandbox process ----------------------------------------------------------------------------------


def serve(stats_path: str, profile_path: str | None, argv: list[str]) -> None:
    """The sandbox CLI, watched: SIGUSR1 starts a window (and the profile), SIGUSR2 writes the window's stats."""
    import cProfile

    from bitmart_plugin.sandbox.server import main as sandbox_main

    watch = LoopWatch()
    prof = cProfile.Profile() if profile_path else None

    def start(*_: object) -> None:
        watch.reset()
        if prof is not None:
            prof.disable()
            prof.clear()
            prof.enable()

    def write(*_: object) -> None:
        with open(stats_path, "w") as f:
            json.dump(watch.summary(), f)

    def on_ready(_: object) -> None:
        asyncio.get_running_loop().create_task(watch.run())

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, write)
    sandbox_main(argv, on_ready=on_ready)
    if prof is not None and profile_path:
        prof.disable()
        prof.dump_stats(profile_path)


def start_sandbox(a: argparse.Namespace, stats_path: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    cmd = [sys.executable, __file__, "--serve", stats_path]
    if a.profile_sandbox:
        cmd += ["--profile-sandbox", a.profile_sandbox]
    cmd += ["--", "--port", "0", "--pairs", str(a.pairs), "--agent-rate", str(a.agent_rate), *a.sandbox_arg]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(line)


def _agent_actions(ready: dict[str, str]) -> tuple[int, int] | None:
    """The spot agent actions the sandbox's timer has performed and the spot depth versions it has made
    so far (its admin API; None: no answer)."""
    req = urllib.request.Request(ready["admin_url"] + "/agents", data=b"{}", method="POST",
                                 headers={"X-Admin-Token": ready["admin_token"], "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            view = json.load(resp)
    except (OSError, ValueError):  # a sandbox too busy to answer within 10 s
        return None
    return int(view.get("actions", 0)), int(view.get("depth_versions", 0))


def run_client(kind: str, ready: dict[str, str], a: argparse.Namespace, sandbox: subprocess.Popen[str],
               stats_path: str) -> dict[str, Any]:
    args = [sys.executable, __file__, "--client", kind, "--ready", json.dumps(ready), "--seconds", str(a.seconds),
            "--settle-max", str(a.settle_max), "--settle", str(a.settle), "--limit", str(a.limit), *(["--trades"] if a.trades else []),
            *(["--arrivals"] if a.arrivals else []), *(["--no-freeze"] if a.no_freeze else [])]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # "measuring": the sandbox's window starts with the client's
    os.kill(sandbox.pid, signal.SIGUSR1)
    s0, t0, a0 = proc_cpu(sandbox.pid), time.monotonic(), _agent_actions(ready)
    out = proc.stdout.read()
    s1, t1, a1 = proc_cpu(sandbox.pid), time.monotonic(), _agent_actions(ready)
    os.kill(sandbox.pid, signal.SIGUSR2)
    if proc.wait() != 0 or not out.strip():
        raise SystemExit(f"{kind} client failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["sandbox_cpu"] = (s1 - s0) / (t1 - t0)
    both = a0 is not None and a1 is not None
    result["sandbox_actions"] = (a1[0] - a0[0]) / (t1 - t0) if both else None  # type: ignore[index]
    result["sandbox_versions"] = (a1[1] - a0[1]) / (t1 - t0) if both else None  # type: ignore[index]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(stats_path) as f:
                result["sandbox_watch"] = json.load(f)
            os.unlink(stats_path)
            break
        except (OSError, ValueError):
            time.sleep(0.05)
    return result


def _pauses(gcs: dict[str, list[float]]) -> str:
    return ", ".join(f"gen{g} {int(n)}x {total:.0f} ms in all, max {mx:.0f} ms"
                     for g, (n, total, mx) in gcs.items()) or "none"


def show(kind: str, r: dict[str, Any]) -> None:
    n, wall = max(1, r["pairs"]), r["wall"]
    first = f"{r['all_books_s']:.1f} s" if r["all_books_s"] is not None else "never (timeout)"
    print(f"{kind}: {r['with_book']}/{r['pairs']} pairs with a book; every pair had one {first} after following began")
    trades = (f", trades {r['trades'] / wall:,.0f}/s ({r['trades'] / wall / n:.2f}/s per pair)" if r["trades"] else "")
    print(f"  views {r['views'] / wall:,.0f}/s ({r['views'] / wall / n:.1f}/s per pair){trades}")
    arrival = (f" (ms_t -> frame arrival, sampled: p50 {r['arrival_p50']:.0f} ms, p99 {r['arrival_p99']:.0f} ms)"
               if r.get("arrival_p50") == r.get("arrival_p50") else "")  # nan for ccxt.pro
    settle = (f"; in the {r['settle']:g} s before the window (the start's backlog) p99 {r['settle_p99']:.0f} ms"
              if r.get("settle") and r.get("settle_p99") == r.get("settle_p99") else "")
    print(f"  delay venue ms_t -> consumer: p50 {r['p50']:.0f} ms, p99 {r['p99']:.0f} ms, max {r['max']:.0f} ms{arrival}"
          f"{settle}")
    if r.get("p99_by_second"):
        print(f"  p99 by second of the window: {' '.join(f'{v:.0f}' for v in r['p99_by_second'])} ms")
    if r.get("steal") is not None:
        seconds = " ".join("-" if v is None else f"{100 * v:.0f}" for v in r["steal_by_second"])
        calm = (f"; p99 over the {r['calm_seconds']} seconds with under {100 * CALM_STEAL:.0f}% steal: "
                f"{r['p99_calm']:.0f} ms" if r["calm_seconds"] else
                "" if not r["p99_by_second"] else f"; no second had under {100 * CALM_STEAL:.0f}% steal")
        print(f"  CPU time the VM's host took from this machine (steal): {100 * r['steal']:.1f}% over the window, "
              f"by second: {seconds} %{calm}")
    cpu_us = r["cpu"] / r["views"] * 1e6 if r["views"] else float("nan")
    sockets = f"; {r['connections']} sockets" if "connections" in r else ""
    print(f"  client CPU {100 * r['cpu'] / wall:.1f}% of one core ({cpu_us:.0f} us/view, "
          f"{1000 * r['cpu'] / wall / n:.2f} ms CPU/s per pair); RSS {r['rss_mb']:.0f} MB, "
          f"{1024 * (r['rss_mb'] - r['rss_base_mb']) / n:.0f} KB per pair above the {r['rss_base_mb']:.0f} MB "
          f"before following{sockets}")
    print(f"  client loop lag p50 {r['lag_p50']:.1f} ms, p99 {r['lag_p99']:.1f} ms, max {r['lag_max']:.0f} ms; "
          f"GC {_pauses(r['gc'])}" + (f" ({r['frozen']:,} objects frozen at the last first book)" if r.get("frozen") else ""))
    if r.get("book_stats"):
        print(f"  book feeds: {r['book_stats']}")
    w = r.get("sandbox_watch", {})
    lag = (f"; loop lag p50 {w['lag_p50']:.1f} ms, p99 {w['lag_p99']:.1f} ms, max {w['lag_max']:.0f} ms; "
           f"GC {_pauses(w['gc'])}" if w else "")
    actions = f"{r['sandbox_actions']:,.0f}" if r["sandbox_actions"] is not None else "n/a"
    versions = (f", {r['sandbox_versions']:,.0f} depth versions/s ({r['sandbox_versions'] / n:.1f} per pair)"
                if r.get("sandbox_versions") is not None else "")
    print(f"  sandbox meanwhile: CPU {100 * r['sandbox_cpu']:.0f}% of one core, {actions} agent actions/s"
          f"{versions}{lag}")
    for text, count in sorted(r["errors"].items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {count} x {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000, help="sandbox pairs (pre-trade ones are not followed)")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured window once every pair has a book (and --settle)")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds between the last pair's first book and the window (their delays shown apart)")
    ap.add_argument("--settle-max", type=float, default=60.0, help="longest wait for every pair's first book")
    ap.add_argument("--agent-rate", type=float, default=14000.0, help="sandbox agent actions per second")
    ap.add_argument("--limit", type=int, default=1_000_000, help="follow at most this many pairs")
    ap.add_argument("--peer", action="store_true", help="also run ccxt.pro watch_order_book on the same pairs")
    ap.add_argument("--arrivals", action="store_true",
                    help="also sample each frame's delay at its arrival, before the book (costs the client ~5%% CPU)")
    ap.add_argument("--trades", action="store_true", help="the connector client also follows every pair's trades")
    ap.add_argument("--no-freeze", action="store_true",
                    help="clients leave their start-up heap to the collector (by default each calls gc.freeze() "
                         "once every pair has a book, as a latency-minded host app does)")
    ap.add_argument("--profile-sandbox", metavar="FILE", help="cProfile the sandbox over the measured windows")
    ap.add_argument("--sandbox-arg", action="append", default=[], help="one more argument for the sandbox CLI")
    ap.add_argument("--serve", metavar="STATS", help=argparse.SUPPRESS)
    ap.add_argument("--client", choices=["connector", "ccxt"], help=argparse.SUPPRESS)
    ap.add_argument("--ready", help=argparse.SUPPRESS)
    ap.add_argument("sandbox_argv", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.profile_sandbox, a.sandbox_argv)
        return
    if a.client:
        ready = json.loads(a.ready)
        client = client_ccxt if a.client == "ccxt" else client_connector
        print(json.dumps(asyncio.run(client(ready, a))))
        return

    stats_path = os.path.join(tempfile.mkdtemp(prefix="scale_books_"), "sandbox.json")
    sandbox, ready = start_sandbox(a, stats_path)
    results: dict[str, dict[str, Any]] = {}
    try:
        results["connector"] = run_client("connector", ready, a, sandbox, stats_path)
        if a.peer:
            results["ccxt.pro"] = run_client("ccxt", ready, a, sandbox, stats_path)
    finally:
        sandbox.terminate()
        try:
            sandbox.wait(60)
        except subprocess.TimeoutExpired:
            sandbox.kill()
            sandbox.wait()
    extra = f" {' '.join(a.sandbox_arg)}" if a.sandbox_arg else ""
    print(f"sandbox --pairs {a.pairs} --agent-rate {a.agent_rate:g}{extra}; {a.seconds:g} s measured per client; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for kind, r in results.items():
        show(kind, r)
    if "ccxt.pro" in results:
        c, p = results["connector"], results["ccxt.pro"]
        ratio = f"{c['views'] / c['wall'] / (p['views'] / p['wall']):.1f}x" if p["views"] else "n/a (ccxt.pro: none)"
        print(f"connector/ccxt.pro: pairs with a book {c['with_book']}/{p['with_book']} = "
              f"{c['with_book'] / max(1, p['with_book']):.1f}x; views/s {ratio}")


if __name__ == "__main__":
    main()

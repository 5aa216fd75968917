"""Soak: inject many stream faults and count books that diverge from the sandbox's true book.

Each round turns one fault on while the market trades hard, turns it off, lets the market go quiet,
and then compares the connector's top levels with the venue's own book for every followed pair:
`exchange.depth()` for `bitmart` (spot), the futures venue's `depth()` converted from contracts to base
units with the venue's own contract sizes for `bitmart_perpetual`. Loopback only; bounded by --rounds.

Usage: python benchmarks/book_fault_soak.py [--connector bitmart|bitmart_perpetual] [--rounds 60] [--pairs 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import random
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.settings import BitmartSettings
from host_spec import OrderBookView, TradingPair

DEPTH = 20
KEEPALIVE = {"ping_interval": 0.3, "ping_max": 1.0, "pong_timeout": 0.5, "backoff_base": 0.02, "backoff_cap": 0.2}
Levels = list[tuple[Decimal, Decimal]]


class SpotBooks:
    """The spot venue's books, followed through `BitmartStreams`."""

    def __init__(self, sb: Any, pairs: int) -> None:
        from bitmart_plugin.ws.streams import BitmartStreams

        self.sb = sb
        self.symbols = [r.symbol for r in sb.exchange.symbol_list][:pairs]
        settings = BitmartSettings(ws_public_url=sb.ws_public_url, _env_file=None)  # type: ignore[call-arg]
        self.streams: Any = BitmartStreams(settings, **KEEPALIVE)

    async def open(self) -> None:
        """Nothing to load: spot books need no listing."""

    def pair(self, symbol: str) -> TradingPair:
        base, quote = symbol.split("_")
        return TradingPair(base, quote)

    def true_book(self, symbol: str) -> tuple[Levels, Levels]:
        bids, asks = self.sb.exchange.depth(symbol, DEPTH)
        return list(bids), list(asks)


class PerpBooks:
    """The futures venue's books (the contracts its agents trade), followed through `PerpStreams` with the
    listing read the connector's way (`/contract/public/details` through its REST client)."""

    def __init__(self, sb: Any, pairs: int) -> None:
        from bitmart_plugin.perp.streams import PerpStreams

        self.sb, self.venue = sb, sb.state.futures
        self.symbols = sb.futures_agents.symbols[:pairs]
        self.contracts: Any = None
        self.streams: Any = PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url,
                                        contracts=lambda: self.contracts, **KEEPALIVE)

    async def open(self) -> None:
        from bitmart_plugin.perp.rest import FuturesRest
        from bitmart_plugin.perp.rules import contracts_from_details

        rest = FuturesRest(BitmartSettings(futures_rest_url=self.sb.futures_rest_url, _env_file=None))  # type: ignore[call-arg]
        try:
            self.contracts = contracts_from_details(await rest.details())
        finally:
            await rest.close()

    def pair(self, symbol: str) -> TradingPair:
        rules = self.venue.engine.contracts[symbol]
        return TradingPair(rules.base, rules.quote)

    def true_book(self, symbol: str) -> tuple[Levels, Levels]:
        """The venue's top levels with sizes in base units (the venue counts contracts)."""
        size = self.venue.engine.contracts[symbol].contract_size
        bids, asks = self.venue.depth(symbol, DEPTH)
        return [(p, v * size) for p, v in bids], [(p, v * size) for p, v in asks]


VENUES = {"bitmart": SpotBooks, "bitmart_perpetual": PerpBooks}


def fault_for(kind: str, symbol: str, rng: random.Random) -> Any:
    return {
        "depth_gap": f"{symbol}:{rng.randint(1, 4)}",
        "depth_dup": f"{symbol}:{rng.randint(1, 4)}",
        "push_delay_ms": rng.choice([50, 150, 400]),
        "drop_ws": "public",
        "stall_ws": "public",
    }[kind]


async def quiet(sb: Any, latest: dict[str, OrderBookView], seconds: float) -> None:
    sb.agents_paused = True
    await asyncio.sleep(seconds)
    last: tuple[int, ...] = ()
    for _ in range(50):
        now = tuple(v.sequence for v in latest.values())
        if now == last:
            return
        last = now
        await asyncio.sleep(0.1)


async def soak(connector: str, rounds: int, pairs: int, seed: int) -> int:
    rng = random.Random(seed)
    cfg = SandboxConfig(seed=seed, pairs=max(pairs, 2), agent_rate=300.0, rate_limits=False, depth_flush_ms=20)
    async with Sandbox(cfg) as sb:
        books = VENUES[connector](sb, pairs)
        await books.open()
        symbols, streams = books.symbols, books.streams
        latest: dict[str, OrderBookView] = {}

        async def follow(symbol: str) -> None:
            async for view in streams.order_book(books.pair(symbol), depth=DEPTH):
                latest[symbol] = view

        tasks = [asyncio.create_task(follow(s)) for s in symbols]
        kinds = ["depth_gap", "depth_dup", "push_delay_ms", "drop_ws", "stall_ws"]
        injected: Counter[str] = Counter()
        diverged: list[str] = []
        started = time.monotonic()
        try:
            await asyncio.sleep(1.0)
            for n in range(rounds):
                kind = kinds[n % len(kinds)]
                symbol = rng.choice(symbols)
                sb.agents_paused = False
                sb.state.faults.set(kind, fault_for(kind, symbol, rng))
                injected[kind] += 1
                await asyncio.sleep(rng.uniform(0.3, 0.8))
                sb.state.faults.set("clear", 1)
                await quiet(sb, latest, 1.2 if kind in ("stall_ws", "push_delay_ms") else 0.6)
                for s in symbols:
                    bids, asks = books.true_book(s)
                    view = latest.get(s)
                    if view is None or list(view.bids) != bids or list(view.asks) != asks:
                        diverged.append(f"round {n} ({kind}) {s}")
        finally:
            feeds = {s: dict(streams.public.books[s].stats) for s in symbols if s in streams.public.books}
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await streams.close()
        checks = rounds * len(symbols)
        print(f"{connector}: rounds {rounds}, pairs {len(symbols)} {symbols}, book checks {checks}, "
              f"{time.monotonic() - started:.0f} s, python {platform.python_version()}")
        print(f"faults injected: {dict(injected)}; fired by the sandbox: {dict(sb.state.faults.fired)}")
        print(f"connector feed stats: {feeds}")
        print(f"diverged books: {len(diverged)} of {checks}" + (f": {diverged[:10]}" if diverged else ""))
        return 1 if diverged else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connector", choices=sorted(VENUES), default="bitmart")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(soak(args.connector, args.rounds, args.pairs, args.seed)))


if __name__ == "__main__":
    main()

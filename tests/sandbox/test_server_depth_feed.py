"""spot/depth/increase100 batches: a client applying every version holds the true top 100, also across the edge.

The feed patches its view from the LevelChanged totals while a side has at most 100 levels and diffs
against the book's top 100 when it has more; orders placed and cancelled around the 100th level move
sides back and forth between the two.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

from bitmart_plugin.sandbox.deflate import inflate
from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.spot.depth_feed import TABLE

from .conftest import make_config
from .test_server_ws import apply

D = Decimal
SYMBOL = "ETH_USDT"


class Frames:
    """A subscriber that keeps what it is sent."""

    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.account_id = None
        self.sent: list[bytes] = []

    def send(self, item: bytes) -> None:
        self.sent.append(item)


async def test_batches_keep_the_true_top_100_while_sides_cross_100_levels() -> None:
    async with Sandbox(make_config(pairs=2)) as sb:
        ex, feeds = sb.exchange, sb.public_ws.depth
        ex.add_account("u", {"USDT": D(10) ** 12, "ETH": D(10) ** 9})
        sub = Frames()
        sb.public_ws.topics.add(sub, f"{TABLE}:{SYMBOL}")  # type: ignore[arg-type]
        first = json.loads(inflate(feeds.snapshot(SYMBOL)))["data"][0]
        book: dict[str, dict[Decimal, Decimal]] = {"bids": {}, "asks": {}}
        apply(book, first)
        version = first["version"]
        mid, tick = ex.rules[SYMBOL].ref_price, ex.rules[SYMBOL].tick
        rng = random.Random(3)
        live: list[str] = []
        widths: list[int] = []
        for i in range(400):
            cancel_share = 0.3 if i < 250 else 0.8  # grow past 100 levels, then thin out below it again
            for _ in range(rng.randint(1, 6)):
                if live and rng.random() < cancel_share:
                    oid = live.pop(rng.randrange(len(live)))
                    ex.cancel_order("u", SYMBOL, order_id=oid)
                    continue
                side = rng.choice(("buy", "sell"))
                away = tick * rng.randint(20, 170)  # the agents' 15 levels sit within 15 ticks of the mid
                price = mid - away if side == "buy" else mid + away
                live.append(ex.submit_order("u", SYMBOL, side, "limit", size=D("0.01"), price=price).order_id)
            feeds.flush(SYMBOL)
            for frame in sub.sent:
                data = json.loads(inflate(frame))["data"][0]
                assert data["type"] == "update" and data["version"] == version + 1
                version = data["version"]
                apply(book, data)
            sub.sent.clear()
            bids, asks = ex.depth(SYMBOL, 100)
            assert sorted(book["bids"].items(), reverse=True) == bids
            assert sorted(book["asks"].items()) == asks
            widths.append(max(len(side) for side in ex.depth(SYMBOL)))
        assert max(widths) > 110 and widths[-1] < 100  # the run crossed the 100-level window's edge both ways


async def test_each_symbol_is_flushed_its_own_period_after_its_first_change() -> None:
    """Flushes are staggered: a symbol's version goes out depth_flush_ms after its first change, not at one
    tick shared by every symbol (which sent all of them in one burst)."""
    import asyncio
    import time

    async with Sandbox(make_config(pairs=4, depth_flush_ms=60)) as sb:
        ex, ws = sb.exchange, sb.public_ws
        ex.add_account("u", {"USDT": D(10) ** 12, "BTC": D(10) ** 6, "ETH": D(10) ** 9})
        symbols = ["BTC_USDT", "ETH_USDT"]
        sent: dict[str, list[float]] = {s: [] for s in symbols}

        class Stamped(Frames):
            def __init__(self, symbol: str) -> None:
                super().__init__()
                self.symbol = symbol

            def send(self, item: bytes) -> None:
                sent[self.symbol].append(time.monotonic())

        for s in symbols:
            ws.topics.add(Stamped(s), f"{TABLE}:{s}")  # type: ignore[arg-type]
            ws.depth.snapshot(s)
        changed: dict[str, float] = {}
        for s in symbols:
            rules = ex.rules[s]
            changed[s] = time.monotonic()
            ex.submit_order("u", s, "buy", "limit", size=rules.min_size * 1000, price=rules.ref_price / 2)
            await asyncio.sleep(0.035)
        await asyncio.sleep(0.15)
        for s in symbols:
            assert len(sent[s]) == 1
            assert sent[s][0] - changed[s] >= 0.06 - 0.002  # not before its own period is over
        # apart, as their changes were (35 ms; one shared tick would send both in the same burst, ~0 ms apart); half
        # of it, since a loaded machine runs the first timer late (30.4 ms apart in one CI run)
        assert sent["ETH_USDT"][0] - sent["BTC_USDT"][0] >= 0.035 / 2

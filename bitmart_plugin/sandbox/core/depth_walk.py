"""A seeded random walk of one symbol's book, for the firehose streams of both venues.

Prices are integer ticks, sizes integer units (each venue formats them: spot 0.01 / 0.00001, futures 0.1 /
whole contracts). The book always holds exactly `levels` per side: a step changes the size of existing
levels, or replaces one (it goes, a new one appears inside the same band), so a client that applies the
changes holds the whole book, and a top-`levels` stream never has levels entering or leaving otherwise.
"""

from __future__ import annotations

import random

__all__ = ["DepthWalk"]


class DepthWalk:
    """`bids`/`asks` ({tick: units}) after the steps taken so far; every choice comes from `rng`."""

    def __init__(self, rng: random.Random, mid: int, levels: int, max_size: int) -> None:
        self.rng, self.max_size = rng, max_size
        self.bids = {mid - 1 - i * rng.randint(1, 3): rng.randint(1, max_size) for i in range(levels)}
        self.asks = {mid + 1 + i * rng.randint(1, 3): rng.randint(1, max_size) for i in range(levels)}
        while len(self.bids) < levels:
            self.bids[min(self.bids) - 1] = rng.randint(1, max_size)
        while len(self.asks) < levels:
            self.asks[max(self.asks) + 1] = rng.randint(1, max_size)

    def step(self, per_frame: int) -> dict[str, dict[int, int]]:
        """Change `per_frame` levels; returns {"bids", "asks"}: {tick: new units}, 0 for a level that went."""
        rng, bids, asks = self.rng, self.bids, self.asks
        ch: dict[str, dict[int, int]] = {"bids": {}, "asks": {}}
        n = 0
        while n < per_frame:
            name = "bids" if rng.random() < 0.5 else "asks"
            book = bids if name == "bids" else asks
            price = rng.choice(list(book))
            if n + 2 <= per_frame and rng.random() < 0.25 and price not in ch[name]:
                lo, hi = min(book), max(book)
                new = rng.randint(lo, hi)
                if new in book or (name == "bids" and new >= min(asks)) or (name == "asks" and new <= max(bids)):
                    continue
                del book[price]
                book[new] = rng.randint(1, self.max_size)
                ch[name][price] = 0
                ch[name][new] = book[new]
                n += 2
            else:
                book[price] = rng.randint(1, self.max_size)
                ch[name][price] = book[price]
                n = sum(len(v) for v in ch.values())
        return ch
